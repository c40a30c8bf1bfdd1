import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createLogger } from '../logger.js';
import type { OutboxRepository } from '../repositories/outbox-repository.js';
import type { OutboxDelivery } from '../services/outbox-delivery.js';
import { enqueueOutbox, type OutboxJobData, type OutboxQueueOptions, SWEEP_JOB } from './outbox-queue.js';
import { startSweepingWorker } from './sweeping-worker.js';

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
    // One job per case, named for it, so that sweeps repeated while a backlog drains do not pile
    // up copies of the same job.
    const jobs = pending.map(({ caseId, outboxIds }) => ({ caseIds: caseId ? [caseId] : [], outboxIds }));
    await enqueueOutbox(queue, jobs, options, (job) => `sweep-${job.caseIds[0] ?? 'no-case'}`);
    if (pending.length > 0) log.info({ cases: pending.length }, 're-queued cases with pending outbox rows');
    return pending.length;
  };

  return startSweepingWorker<OutboxJobData>({
    queue,
    connection,
    prefix,
    process: (data) => delivery.deliverAll(data.outboxIds),
    sweep,
    sweepJobName: SWEEP_JOB,
    sweepJobData: { caseIds: [], outboxIds: [] },
    sweepIntervalMs: options.sweepIntervalMs,
    concurrency: options.concurrency,
    lockDurationMs: options.lockDurationMs,
    log,
  });
}
