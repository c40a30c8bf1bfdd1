import type { Knex } from 'knex';
import type { Officer } from '../auth/roles.js';
import { allowedMoves, type CaseState, canMove, type TransitionInput } from '../cases/case-states.js';
import {
  DEFAULT_DEADLINE_SETTINGS,
  type DeadlineDuty,
  dutiesDoneBy,
  dutyMinutes,
} from '../cases/deadlines.js';
import { ApiError } from '../errors.js';
import { createLogger } from '../logger.js';
import type { AlertRepository } from '../repositories/alert-repository.js';
import type { AuditRepository } from '../repositories/audit-repository.js';
import type { CaseWorkflowRepository, LockedCase } from '../repositories/case-workflow-repository.js';
import type { DeadlineRepository } from '../repositories/deadline-repository.js';
import type { JurisdictionRef, JurisdictionRepository } from '../repositories/jurisdiction-repository.js';
import { caseStatusSms } from './case-status-sms.js';
import { transferSms } from './deadline-sms.js';
import { assertAccess } from './jurisdiction-access.js';
import type { ReportClocks } from './report-service.js';

const log = createLogger('CaseWorkflow');

export interface TransitionResult {
  caseId: string;
  from: CaseState;
  to: CaseState;
  at: string;
  allowedNext: readonly CaseState[];
}

/**
 * Moves cases between states. Each move, in one transaction: the new state and its fields on the
 * case, a case_events row, the reporter's SMS and a dashboard update in the outbox, and an audit row.
 */
export class CaseWorkflowService {
  constructor(
    private readonly db: Knex,
    private readonly repositories: {
      workflow: CaseWorkflowRepository;
      jurisdictions: JurisdictionRepository;
      audit: AuditRepository;
      deadlines: DeadlineRepository;
      alerts: AlertRepository;
    },
    private readonly enqueueOutbox: (caseId: string, outboxIds: string[]) => Promise<void>,
    /** Deadline lengths for a case that gets its first district by transfer, and their prompts. */
    private readonly clocks: ReportClocks = { settings: DEFAULT_DEADLINE_SETTINGS },
  ) {}

  async transition(
    officer: Officer,
    caseId: string,
    input: TransitionInput,
    address: string | null,
  ): Promise<TransitionResult> {
    const toDistrict =
      input.to === 'transferred' ? await this.receivingDistrict(input.toDistrict) : undefined;

    const { result, outboxIds, transfer } = await this.db.transaction(async (trx) => {
      const locked = await this.repositories.workflow.lock(trx, caseId);
      if (!locked) throw new ApiError(404, 'CASE_NOT_FOUND', `No case has the id ${caseId}.`);
      assertAccess(officer, locked.path, `Case ${caseId}`);

      if (!canMove(locked.status, input.to)) {
        const allowed = allowedMoves(locked.status);
        throw new ApiError(
          409,
          'INVALID_TRANSITION',
          `Case ${caseId} is ${locked.status}; it can move to ${allowed.length > 0 ? allowed.join(', ') : 'no other state'}, not ${input.to}.`,
          'to',
        );
      }
      if (toDistrict && toDistrict.id === locked.districtId) {
        throw new ApiError(
          400,
          'INVALID_TRANSITION_FIELDS',
          'toDistrict: the case is already in this district.',
          'toDistrict',
        );
      }

      const firFields =
        input.to === 'fir_registered'
          ? { firNumber: input.firNumber, policeStation: input.policeStation }
          : {};
      const at = await this.repositories.workflow.setStatus(trx, caseId, { status: input.to, ...firFields });
      await this.repositories.deadlines.markDone(trx, caseId, dutiesDoneBy(input.to), input.to, at);
      const transfer = toDistrict ? await this.transferIn(trx, locked, toDistrict, at) : undefined;

      const { to: _to, ...fields } = input;
      const details = {
        from: locked.status,
        to: input.to,
        role: officer.role,
        ...fields,
        ...(toDistrict ? { fromDistrict: locked.path.district, toDistrict: toDistrict.code } : {}),
      };
      await this.repositories.workflow.appendStateChange(trx, caseId, officer.id, details);
      await this.repositories.audit.append(
        {
          officer,
          action: 'case.transition',
          caseId,
          address,
          details: { from: locked.status, to: input.to },
        },
        trx,
      );

      const body = caseStatusSms(input.to, { trackingCode: locked.trackingCode, ...firFields, toDistrict });
      const ids = await this.repositories.workflow.insertMessages(
        trx,
        caseId,
        { phone: locked.reporterPhone, body },
        { type: 'case-status', caseId },
      );
      const moved: TransitionResult = {
        caseId,
        from: locked.status,
        to: input.to,
        at: at.toISOString(),
        allowedNext: allowedMoves(input.to),
      };
      return { result: moved, outboxIds: [...ids, ...(transfer?.outboxIds ?? [])], transfer };
    });

    log.info({ caseId, from: result.from, to: result.to, accountId: officer.id }, 'case state changed');
    // The outbox sweeper re-queues the rows if this fails, so the move itself stands.
    await this.enqueueOutbox(caseId, outboxIds).catch((error: Error) =>
      log.warn(
        { caseId, err: error.message },
        'could not queue the messages of a state change; the sweeper will',
      ),
    );
    if (transfer && transfer.startedClocks.length > 0)
      await this.promptDeadlines(caseId, transfer.startedClocks);
    return result;
  }

  /**
   * Moves the case into the receiving district and alerts its DPO (alert row, SMS and dashboard
   * update). Clocks that are already running stay as they are; a case that had no district (and so
   * no clocks) gets them from now, because this is its first alert to a district.
   */
  private async transferIn(
    trx: Knex.Transaction,
    locked: LockedCase,
    toDistrict: JurisdictionRef,
    at: Date,
  ): Promise<{ outboxIds: string[]; startedClocks: { duty: DeadlineDuty; dueAt: Date }[] }> {
    const { workflow, deadlines, alerts } = this.repositories;
    await workflow.moveToDistrict(trx, locked.id, toDistrict.id);
    const startedClocks = await deadlines.start(trx, locked.id, at, dutyMinutes(this.clocks.settings));
    const fromDistrict = locked.districtId
      ? await this.repositories.jurisdictions.findLive('district', locked.path.district ?? '')
      : undefined;
    const { outboxIds } = await alerts.insertWithMessages(
      trx,
      { kind: 'transfer', caseId: locked.id, jurisdictionId: toDistrict.id, post: 'DPO' },
      toDistrict.code,
      transferSms(locked.trackingCode, fromDistrict?.name ?? null),
    );
    return { outboxIds, startedClocks };
  }

  private async promptDeadlines(
    caseId: string,
    started: { duty: DeadlineDuty; dueAt: Date }[],
  ): Promise<void> {
    await this.clocks
      .prompt?.(started.map(({ duty, dueAt }) => ({ caseId, duty, level: 'RPO' as const, at: dueAt })))
      .catch((error: Error) =>
        log.warn(
          { caseId, err: error.message },
          'could not queue the deadline prompts; the sweeper will escalate',
        ),
      );
  }

  private async receivingDistrict(code: string): Promise<JurisdictionRef> {
    const district = await this.repositories.jurisdictions.findLive('district', code);
    if (!district) {
      throw new ApiError(
        400,
        'UNKNOWN_DISTRICT',
        `toDistrict: ${code} is not a district of the live boundaries; use a code from GET /api/jurisdictions?level=district.`,
        'toDistrict',
      );
    }
    return district;
  }
}
