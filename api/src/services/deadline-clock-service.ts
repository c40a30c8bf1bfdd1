import type { Knex } from 'knex';
import type { DeadlineSettings, EscalationLevel } from '../cases/deadlines.js';
import type { DeadlinePrompter } from '../jobs/deadline-queue.js';
import { createLogger } from '../logger.js';
import type { AlertRepository } from '../repositories/alert-repository.js';
import type { CaseEventRepository } from '../repositories/case-event-repository.js';
import type { DeadlineRepository, DueEscalation } from '../repositories/deadline-repository.js';
import { escalationSms } from './deadline-sms.js';
import type { OutboxEnqueuer } from './report-service.js';

const log = createLogger('DeadlineClock');

/** Escalations one sweep makes at most; a longer backlog is taken by the next sweeps. */
const SWEEP_BATCH = 500;

/**
 * Escalates missed deadlines. The clocks live in Postgres (case_deadlines); a delayed BullMQ job
 * only prompts a `sweep` when a duty falls due, and the repeating `sweep` finds every due
 * escalation whatever happened to the prompts. Each escalation is claimed with a conditional UPDATE, so it happens
 * once even when prompts and sweeps of several processes run at the same time.
 *
 * `now` is the clock of every comparison, so tests can move time forward without waiting.
 */
export class DeadlineClockService {
  constructor(
    private readonly db: Knex,
    private readonly repositories: {
      deadlines: DeadlineRepository;
      alerts: AlertRepository;
      caseEvents: CaseEventRepository;
    },
    private readonly enqueueOutbox: OutboxEnqueuer,
    private readonly prompt: DeadlinePrompter,
    readonly settings: DeadlineSettings,
    readonly now: () => Date = () => new Date(),
  ) {}

  /** Makes every escalation due now. Returns how many it made. */
  async sweep(): Promise<number> {
    let made = 0;
    for (;;) {
      const due = await this.repositories.deadlines.listDue(
        this.now(),
        this.settings.igAfterMinutes,
        SWEEP_BATCH,
      );
      let madeInBatch = 0;
      for (const escalation of due) {
        try {
          if (await this.escalate(escalation)) madeInBatch += 1;
        } catch (error) {
          log.error(
            {
              caseId: escalation.caseId,
              duty: escalation.duty,
              level: escalation.level,
              err: (error as Error).message,
            },
            'escalation failed; the next sweep retries it',
          );
        }
      }
      made += madeInBatch;
      // A batch where nothing could be escalated would come back the same, so stop there.
      if (due.length < SWEEP_BATCH || madeInBatch === 0) break;
    }
    if (made > 0) log.info({ escalations: made }, 'deadline sweep escalated missed deadlines');
    return made;
  }

  /**
   * Escalates one duty of one case to `level` if that is due now and not yet done, in one
   * transaction: the escalation time, the breach against the district (RPO level only), the alert,
   * its SMS and dashboard update in the outbox, and the case timeline. Returns whether it did.
   */
  async escalate(escalation: DueEscalation): Promise<boolean> {
    const now = this.now();
    const { deadlines, alerts, caseEvents } = this.repositories;

    const made = await this.db.transaction(async (trx) => {
      const kase = await deadlines.lockCase(trx, escalation.caseId);
      if (!kase) return undefined;
      const claimed = await deadlines.claimEscalation(trx, escalation, now, this.settings.igAfterMinutes);
      if (!claimed) return undefined;

      if (escalation.level === 'RPO') {
        await deadlines.insertBreach(trx, kase, escalation.duty, claimed.dueAt, now);
      }
      const target = targetOf(escalation.level, kase);
      const { alertId, outboxIds } = await alerts.insertWithMessages(
        trx,
        {
          kind: 'escalation',
          caseId: kase.id,
          duty: escalation.duty,
          post: escalation.level,
          jurisdictionId: target.id,
        },
        target.code,
        escalationSms(kase.trackingCode, escalation.duty, escalation.level, {
          districtName: kase.districtName,
          dueAt: claimed.dueAt,
        }),
      );
      await caseEvents.append(
        {
          caseId: kase.id,
          kind: escalation.level === 'RPO' ? 'deadline-missed' : 'deadline-escalated',
          actor: 'system',
          details: {
            duty: escalation.duty,
            level: escalation.level,
            dueAt: claimed.dueAt.toISOString(),
            district: kase.districtCode,
            alertId,
          },
        },
        trx,
      );
      const statusUpdateId = await deadlines.insertCaseStatusUpdate(trx, kase.id);
      return { outboxIds: [...outboxIds, statusUpdateId], districtCode: kase.districtCode };
    });
    if (!made) return false;

    log.warn(
      {
        caseId: escalation.caseId,
        duty: escalation.duty,
        level: escalation.level,
        district: made.districtCode,
      },
      'deadline missed; escalated',
    );
    await this.enqueueOutbox(escalation.caseId, made.outboxIds).catch((error: Error) =>
      log.warn(
        { caseId: escalation.caseId, err: error.message },
        'could not queue escalation messages; the outbox sweeper will',
      ),
    );
    if (escalation.level === 'RPO') {
      const at = new Date(now.getTime() + this.settings.igAfterMinutes * 60_000);
      await this.prompt([{ caseId: escalation.caseId, duty: escalation.duty, level: 'IG', at }]).catch(
        (error: Error) =>
          log.warn(
            { caseId: escalation.caseId, err: error.message },
            'could not queue the IG prompt; the sweeper will escalate',
          ),
      );
    }
    return true;
  }
}

function targetOf(
  level: EscalationLevel,
  kase: { regionId: number; regionCode: string; provinceId: number; provinceCode: string },
) {
  return level === 'RPO'
    ? { id: kase.regionId, code: kase.regionCode }
    : { id: kase.provinceId, code: kase.provinceCode };
}
