import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

export const OUTBOX_QUEUE = 'outbox';
export const SWEEP_JOB = 'sweep-outbox';

export interface OutboxJobData {
  outboxId: string;
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
 * Queues one delivery job per outbox row. The job id is the outbox id, so queueing a row that is
 * already waiting is a no-op; the row lock in the delivery decides who sends, not the queue.
 */
export async function enqueueOutbox(
  queue: Queue<OutboxJobData>,
  outboxIds: string[],
  options: OutboxQueueOptions,
): Promise<void> {
  if (outboxIds.length === 0) return;
  await queue.addBulk(
    outboxIds.map((outboxId) => ({
      name: 'deliver',
      data: { outboxId },
      opts: {
        jobId: outboxId,
        attempts: options.attempts,
        backoff: { type: 'exponential', delay: options.retryBaseMs },
        removeOnComplete: true,
        removeOnFail: true,
      },
    })),
  );
}
