import { type Job, type Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createLogger } from '../logger.js';
import type { OutboxRepository } from '../repositories/outbox-repository.js';
import type { OutboxDelivery } from '../services/outbox-delivery.js';
import {
  enqueueOutbox,
  OUTBOX_QUEUE,
  type OutboxJobData,
  type OutboxQueueOptions,
  SWEEP_JOB,
} from './outbox-queue.js';

const log = createLogger('OutboxWorker');

export interface OutboxWorkerOptions extends OutboxQueueOptions {
  concurrency: number;
  /** How often the sweeper looks for pending rows that no job carries (lost Redis, crashed API). */
  sweepIntervalMs: number;
  /** A pending row younger than this is assumed to have its job still on the way. */
  sweepGraceMs: number;
  /** Attempts after which a pending row is marked failed and logged as an error instead of retried. */
  giveUpAttempts: number;
  /** BullMQ lock duration: a job whose worker died is retried after this many milliseconds. */
  lockDurationMs: number;
}

/**
 * Starts the BullMQ worker that delivers the outbox, and the repeating sweep that re-queues rows
 * still pending after the grace period. Returns a function that stops both.
 */
export async function startOutboxWorker(
  connection: Redis,
  prefix: string,
  queue: Queue<OutboxJobData>,
  delivery: OutboxDelivery,
  outbox: OutboxRepository,
  options: OutboxWorkerOptions,
): Promise<() => Promise<void>> {
  const sweep = async (): Promise<number> => {
    for (const row of await outbox.giveUpExhausted(options.giveUpAttempts)) {
      log.error(
        { outboxId: row.id, caseId: row.caseId, attempts: row.attempts },
        'outbox message given up after too many attempts',
      );
    }
    const pending = await outbox.listStalePending(options.sweepGraceMs, 1000);
    await enqueueOutbox(queue, pending, options);
    if (pending.length > 0) log.info({ cases: pending.length }, 're-queued cases with pending outbox rows');
    return pending.length;
  };

  const worker = new Worker<OutboxJobData>(
    OUTBOX_QUEUE,
    async (job: Job<OutboxJobData>) => {
      if (job.name === SWEEP_JOB) return sweep();
      return delivery.deliverAll(job.data.outboxIds);
    },
    {
      connection: connection.duplicate(),
      prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: Math.max(1000, Math.floor(options.lockDurationMs / 2)),
    },
  );
  worker.on('error', (error) => log.error({ err: error.message }, 'worker error'));
  worker.on('failed', (job, error) => {
    if (job) log.warn({ jobId: job.id, attempts: job.attemptsMade, err: error.message }, 'outbox job failed');
  });

  await queue.upsertJobScheduler(
    SWEEP_JOB,
    { every: options.sweepIntervalMs },
    { name: SWEEP_JOB, data: { caseId: '', outboxIds: [] } },
  );
  // Sweep once at start: a new scheduler first runs after one interval, and rows left pending by a
  // crash, a Redis flush or `npm run setup` (the sample reports) should not wait that long.
  await sweep().catch((error: Error) => log.error({ err: error.message }, 'start-up sweep failed'));
  log.info({ concurrency: options.concurrency }, 'outbox worker started');

  return async () => {
    await worker.close();
    log.info('outbox worker stopped');
  };
}
