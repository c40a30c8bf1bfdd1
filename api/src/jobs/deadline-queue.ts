import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DeadlineDuty, EscalationLevel } from '../cases/deadlines.js';

export const DEADLINE_QUEUE = 'deadlines';
export const DEADLINE_SWEEP_JOB = 'sweep-deadlines';

/** A prompt to escalate one duty of one case to one level when it falls due. */
export interface DeadlineJobData {
  caseId: string;
  duty: DeadlineDuty;
  level: EscalationLevel;
}

/** A prompt with the time it falls due. */
export interface DeadlinePrompt extends DeadlineJobData {
  at: Date;
}

/** Queues delayed prompts. A failure is not fatal: the deadline sweeper escalates without them. */
export type DeadlinePrompter = (prompts: DeadlinePrompt[]) => Promise<void>;

export function createDeadlineQueue(connection: Redis, prefix: string): Queue<DeadlineJobData> {
  return new Queue<DeadlineJobData>(DEADLINE_QUEUE, { connection, prefix });
}

/** Data of the sweep jobs, the repeating one and the delayed prompts alike. A sweep reads none of it. */
export const SWEEP_JOB_DATA: DeadlineJobData = { caseId: '', duty: 'fir', level: 'RPO' };

/** Job id of the delayed sweep that runs the prompts due at `at`: one per second. */
export function deadlinePromptJobId(at: Date): string {
  // BullMQ rejects custom job ids that contain a colon.
  return `deadline-due-${Math.ceil(at.getTime() / 1000)}`;
}

/**
 * Queues the prompts as delayed sweeps, one per second in which prompts fall due (measured against
 * `now`), so the prompts of all cases due in the same second share one job. The sweep escalates
 * every due clock, at most one second after it fell due. The job id names the second, so a second
 * already waiting is not queued twice. A prompt only asks the clock to check: the escalation itself
 * happens once, decided in Postgres.
 */
export async function enqueueDeadlinePrompts(
  queue: Queue<DeadlineJobData>,
  prompts: DeadlinePrompt[],
  now: () => Date,
): Promise<void> {
  if (prompts.length === 0) return;
  const nowMs = now().getTime();
  const dueSeconds = new Set(prompts.map(({ at }) => Math.ceil(at.getTime() / 1000)));
  await queue.addBulk(
    [...dueSeconds].map((second) => ({
      name: DEADLINE_SWEEP_JOB,
      data: SWEEP_JOB_DATA,
      opts: {
        jobId: deadlinePromptJobId(new Date(second * 1000)),
        delay: Math.max(0, second * 1000 - nowMs),
        attempts: 5,
        backoff: { type: 'exponential', delay: 5000 },
        removeOnComplete: true,
        removeOnFail: true,
      },
    })),
  );
}
