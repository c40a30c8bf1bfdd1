import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

export const OUTBOX_QUEUE = 'outbox';
export const SWEEP_JOB = 'sweep-outbox';

/** One delivery job: the outbox rows that reports (or later steps) of one or more cases wrote. */
export interface OutboxJobData {
  caseIds: string[];
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
 * Queues delivery jobs. Two jobs may carry the same row (the sweeper re-queues a row whose job is
 * still waiting): the row lock in the delivery decides who sends, and the other job skips it.
 */
export async function enqueueOutbox(
  queue: Queue<OutboxJobData>,
  jobs: OutboxJobData[],
  options: OutboxQueueOptions,
  /** A job id per job; a job whose id is still waiting or running is not added again. */
  jobIdOf?: (data: OutboxJobData) => string,
): Promise<void> {
  if (jobs.length === 0) return;
  await queue.addBulk(
    jobs.map((data) => ({
      name: 'deliver',
      data,
      opts: {
        jobId: jobIdOf?.(data),
        attempts: options.attempts,
        backoff: { type: 'exponential', delay: options.retryBaseMs },
        removeOnComplete: true,
        removeOnFail: true,
      },
    })),
  );
}
