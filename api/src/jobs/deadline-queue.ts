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

/**
 * Queues each prompt as a BullMQ job delayed until `at` (measured against `now`). The job id names
 * the case, duty and level, so a prompt already waiting is not queued twice. A prompt only asks
 * the clock to check: the escalation itself happens once, decided in Postgres.
 */
export async function enqueueDeadlinePrompts(
  queue: Queue<DeadlineJobData>,
  prompts: DeadlinePrompt[],
  now: () => Date,
): Promise<void> {
  if (prompts.length === 0) return;
  const nowMs = now().getTime();
  await queue.addBulk(
    prompts.map(({ at, ...data }) => ({
      name: 'escalate',
      data,
      opts: {
        // BullMQ rejects custom job ids that contain a colon.
        jobId: `deadline-${data.caseId}-${data.duty}-${data.level}`,
        delay: Math.max(0, at.getTime() - nowMs),
        attempts: 5,
        backoff: { type: 'exponential', delay: 5000 },
        removeOnComplete: true,
        removeOnFail: true,
      },
    })),
  );
}
