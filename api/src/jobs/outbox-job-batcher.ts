import type { Queue } from 'bullmq';
import { CallBatcher } from './call-batcher.js';
import { enqueueOutbox, type OutboxJobData, type OutboxQueueOptions } from './outbox-queue.js';

/**
 * Queues outbox deliveries, putting the cases stored while a queue call runs, or within
 * `minIntervalMs` of the last one, into one job. Under load a job then carries many cases, so that
 * Redis, the BullMQ worker and PostgreSQL pay their per-job cost once for all of them: the worker
 * delivers a job's rows in one transaction.
 */
export class OutboxJobBatcher {
  private readonly batcher: CallBatcher<{ caseId: string; outboxIds: string[] }>;

  constructor(
    queue: Queue<OutboxJobData>,
    options: OutboxQueueOptions,
    minIntervalMs = 0,
    maxCasesPerJob = 100,
  ) {
    this.batcher = new CallBatcher(
      async (cases) => {
        const job: OutboxJobData = {
          caseIds: cases.map((item) => item.caseId),
          outboxIds: cases.flatMap((item) => item.outboxIds),
        };
        await enqueueOutbox(queue, [job], options);
      },
      maxCasesPerJob,
      minIntervalMs,
    );
  }

  /** Queues the delivery of a case's outbox rows. Resolves once the job carrying them is in Redis. */
  add(caseId: string, outboxIds: string[]): Promise<void> {
    return this.batcher.add({ caseId, outboxIds });
  }

  /** Waits until every case added so far is in Redis (or has failed to get there). */
  drain(): Promise<void> {
    return this.batcher.drain();
  }
}
