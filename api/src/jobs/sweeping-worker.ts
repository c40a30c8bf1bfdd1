import { type Job, type Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface SweepingWorkerOptions<Data> {
  queue: Queue<Data>;
  connection: Redis;
  prefix: string;
  /** Runs one job of the queue. */
  process: (data: Data) => Promise<unknown>;
  /** Queues again the work that no job carries (lost Redis, a crashed process); returns how much. */
  sweep: () => Promise<number>;
  /** Name of the repeating sweep job, and the placeholder data BullMQ needs for it. */
  sweepJobName: string;
  sweepJobData: Data;
  sweepIntervalMs: number;
  concurrency: number;
  /** BullMQ lock duration: a job whose worker died is retried after this many milliseconds. */
  lockDurationMs: number;
  log: Logger;
}

/**
 * Starts a BullMQ worker for `queue` together with its repeating sweep, and sweeps once at start,
 * because a new job scheduler first runs after one interval. Returns a function that stops the worker.
 */
export async function startSweepingWorker<Data>(
  options: SweepingWorkerOptions<Data>,
): Promise<() => Promise<void>> {
  const { queue, log } = options;
  const worker = new Worker<Data>(
    queue.name,
    async (job: Job<Data>) =>
      job.name === options.sweepJobName ? options.sweep() : options.process(job.data),
    {
      connection: options.connection.duplicate(),
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: Math.max(1000, Math.floor(options.lockDurationMs / 2)),
    },
  );
  worker.on('error', (error) => log.error({ err: error.message }, 'worker error'));
  worker.on('failed', (job, error) => {
    if (job)
      log.warn({ jobId: job.id, attempts: job.attemptsMade, err: error.message }, `${queue.name} job failed`);
  });

  // Queue<Data> narrows job names to Data's; the sweep job's name is ours, so the queue is widened here.
  await (queue as Queue).upsertJobScheduler(
    options.sweepJobName,
    { every: options.sweepIntervalMs },
    { name: options.sweepJobName, data: options.sweepJobData },
  );
  await options.sweep().catch((error: Error) => log.error({ err: error.message }, 'start-up sweep failed'));
  log.info({ queue: queue.name, concurrency: options.concurrency }, 'worker started');

  return async () => {
    await worker.close();
    log.info({ queue: queue.name }, 'worker stopped');
  };
}
