import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

export const OUTBOX_QUEUE = 'outbox';
export const SWEEP_JOB = 'sweep-outbox';

/** One delivery job per case: the outbox rows its report (or a later step) wrote. */
export interface OutboxJobData {
  caseId: string;
  outboxIds: string[];
}

export interface OutboxQueueOptions {
  /** Delivery attempts per job before it is left to the sweeper. */
  attempts: number;
  /** First retry delay in milliseconds; later retries double it. */
  retryBaseMs: number;
}

/** Creates the BullMQ queue that carries outbox deliveries. */
export function createOutboxQueue(connection: Redis, prefix: string): Queue<OutboxJobData> {
  return new Queue<OutboxJobData>(OUTBOX_QUEUE, { connection, prefix });
}

/**
 * Queues delivery jobs, one per case. The job id is the case id, so queueing a case whose job is
 * already waiting is a no-op; the row lock in the delivery decides who sends, not the queue.
 */
export async function enqueueOutbox(
  queue: Queue<OutboxJobData>,
  jobs: OutboxJobData[],
  options: OutboxQueueOptions,
): Promise<void> {
  if (jobs.length === 0) return;
  await queue.addBulk(
    jobs.map((data) => ({
      name: 'deliver',
      data,
      opts: {
        jobId: data.caseId,
        attempts: options.attempts,
        backoff: { type: 'exponential', delay: options.retryBaseMs },
        removeOnComplete: true,
        removeOnFail: true,
      },
    })),
  );
}
