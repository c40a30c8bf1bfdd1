import type { Queue } from 'bullmq';
import { enqueueOutbox, type OutboxJobData, type OutboxQueueOptions } from './outbox-queue.js';

interface Waiting {
  caseId: string;
  outboxIds: string[];
  done: { resolve: () => void; reject: (error: Error) => void };
}

/**
 * Queues outbox deliveries with at most one Redis call in flight. A case that arrives while a call
 * is in flight waits for it, and all cases that waited go into the next job together.
 *
 * Under light load every case gets its own job at once. Under heavy load the jobs grow instead of
 * their number, so that Redis, the BullMQ worker and PostgreSQL pay their per-job cost once for many
 * reports: the worker delivers a job's rows in one transaction. This is the batching a database does
 * for group commit, and it adds no timer, so a quiet system adds no delay.
 */
export class OutboxJobBatcher {
  private waiting: Waiting[] = [];
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly queue: Queue<OutboxJobData>,
    private readonly options: OutboxQueueOptions,
    /** Maximum cases per job, so that one delivery transaction stays short. */
    private readonly maxCasesPerJob = 100,
  ) {}

  /** Queues the delivery of a case's outbox rows. Resolves once the job carrying them is in Redis. */
  add(caseId: string, outboxIds: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ caseId, outboxIds, done: { resolve, reject } });
      if (!this.inFlight) this.inFlight = this.flushUntilEmpty();
    });
  }

  /** Waits until every case added so far is in Redis (or has failed to get there). */
  async drain(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  private async flushUntilEmpty(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, this.maxCasesPerJob);
        const job: OutboxJobData = {
          caseIds: batch.map((item) => item.caseId),
          outboxIds: batch.flatMap((item) => item.outboxIds),
        };
        try {
          await enqueueOutbox(this.queue, [job], this.options);
          for (const item of batch) item.done.resolve();
        } catch (error) {
          for (const item of batch) item.done.reject(error as Error);
        }
      }
    } finally {
      this.inFlight = null;
    }
  }
}
