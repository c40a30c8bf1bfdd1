import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createLogger } from '../logger.js';
import type { DeadlineClockService } from '../services/deadline-clock-service.js';
import { DEADLINE_SWEEP_JOB, type DeadlineJobData, SWEEP_JOB_DATA } from './deadline-queue.js';
import { startSweepingWorker } from './sweeping-worker.js';

const log = createLogger('DeadlineWorker');

export interface DeadlineWorkerOptions {
  /** How often the sweeper looks for missed deadlines that no prompt escalated. */
  sweepIntervalMs: number;
  lockDurationMs: number;
}

/**
 * Starts the BullMQ worker that runs the repeating sweep, which escalates every due deadline,
 * including those whose prompt was lost with Redis, and the delayed prompts, which run the same
 * sweep when a second with due clocks begins. It still runs per-case prompts queued by earlier
 * versions. Returns a function that stops both.
 */
export async function startDeadlineWorker(
  connection: Redis,
  prefix: string,
  queue: Queue<DeadlineJobData>,
  clock: DeadlineClockService,
  options: DeadlineWorkerOptions,
): Promise<() => Promise<void>> {
  return startSweepingWorker<DeadlineJobData>({
    queue,
    connection,
    prefix,
    process: (data) => clock.escalate(data),
    sweep: () => clock.sweep(),
    sweepJobName: DEADLINE_SWEEP_JOB,
    sweepJobData: SWEEP_JOB_DATA,
    sweepIntervalMs: options.sweepIntervalMs,
    concurrency: 4,
    lockDurationMs: options.lockDurationMs,
    log,
  });
}
