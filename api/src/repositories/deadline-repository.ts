import type { Knex } from 'knex';
import type { DeadlineDuty, EscalationLevel } from '../cases/deadlines.js';

/** A duty whose escalation to `level` is due. */
export interface DueEscalation {
  caseId: string;
  duty: DeadlineDuty;
  level: EscalationLevel;
}

/** The case an escalation is about, read under a share lock so a transfer cannot move it meanwhile. */
export interface EscalatedCase {
  id: string;
  trackingCode: string;
  districtId: number;
  regionId: number;
  provinceId: number;
  districtCode: string;
  districtName: string;
  regionCode: string;
  provinceCode: string;
}

export interface CaseDeadline {
  duty: DeadlineDuty;
  startedAt: string;
  dueAt: string;
  doneAt: string | null;
  doneState: string | null;
  rpoEscalatedAt: string | null;
  igEscalatedAt: string | null;
}

interface DeadlineRow {
  case_id: string;
  duty: DeadlineDuty;
  started_at: Date;
  due_at: Date;
  done_at: Date | null;
  done_state: string | null;
  rpo_escalated_at: Date | null;
  ig_escalated_at: Date | null;
}

const iso = (value: Date | null) => (value ? value.toISOString() : null);

function toCaseDeadline(row: DeadlineRow): CaseDeadline {
  return {
    duty: row.duty,
    startedAt: row.started_at.toISOString(),
    dueAt: row.due_at.toISOString(),
    doneAt: iso(row.done_at),
    doneState: row.done_state,
    rpoEscalatedAt: iso(row.rpo_escalated_at),
    igEscalatedAt: iso(row.ig_escalated_at),
  };
}

/** All SQL about deadline clocks, their escalations and the breaches recorded against districts. */
export class DeadlineRepository {
  constructor(private readonly db: Knex) {}

  /**
   * Starts the clocks of a case that has none, from `startedAt`. A case that already has them keeps
   * them unchanged, which is how a transfer between districts leaves the clocks running.
   */
  async start(
    trx: Knex.Transaction,
    caseId: string,
    startedAt: Date,
    durations: { duty: DeadlineDuty; minutes: number }[],
  ): Promise<{ duty: DeadlineDuty; dueAt: Date }[]> {
    const result = await trx.raw<{ rows: { duty: DeadlineDuty; due_at: Date }[] }>(
      `INSERT INTO case_deadlines (case_id, duty, started_at, due_at)
       SELECT ?, deadline.duty, date_trunc('milliseconds', ?::timestamptz),
              date_trunc('milliseconds', ?::timestamptz) + make_interval(mins => deadline.minutes)
       FROM unnest(?::text[], ?::integer[]) AS deadline (duty, minutes)
       ON CONFLICT (case_id, duty) DO NOTHING
       RETURNING duty, due_at`,
      [
        caseId,
        startedAt,
        startedAt,
        durations.map((item) => item.duty),
        durations.map((item) => item.minutes),
      ],
    );
    return result.rows.map((row) => ({ duty: row.duty, dueAt: row.due_at }));
  }

  /**
   * Deletes the clocks of a case that are still running, for a case that left every district.
   * Finished clocks stay. Returns how many were deleted.
   */
  async removeOpen(trx: Knex.Transaction, caseId: string): Promise<number> {
    return trx('case_deadlines').where({ case_id: caseId }).whereNull('done_at').delete();
  }

  /** Marks the open duties among `duties` done by the move into `state`. */
  async markDone(
    trx: Knex.Transaction,
    caseId: string,
    duties: DeadlineDuty[],
    state: string,
    at: Date,
  ): Promise<number> {
    if (duties.length === 0) return 0;
    return trx('case_deadlines')
      .where({ case_id: caseId })
      .whereIn('duty', duties)
      .whereNull('done_at')
      .update({ done_at: at, done_state: state });
  }

  /**
   * Lists open duties whose next escalation is due at `now`: to the RPO once the deadline has
   * passed, to the IG `igAfterMinutes` after the RPO escalation. Oldest first.
   */
  async listDue(now: Date, igAfterMinutes: number, limit: number): Promise<DueEscalation[]> {
    const result = await this.db.raw<{ rows: DueEscalation[] }>(
      `SELECT case_id AS "caseId", duty, level FROM (
         SELECT case_id, duty, 'RPO' AS level, due_at AS due
         FROM case_deadlines
         WHERE done_at IS NULL AND rpo_escalated_at IS NULL AND due_at <= ?
         UNION ALL
         SELECT case_id, duty, 'IG', rpo_escalated_at + make_interval(mins => ?)
         FROM case_deadlines
         WHERE done_at IS NULL AND rpo_escalated_at IS NOT NULL AND ig_escalated_at IS NULL
           AND rpo_escalated_at + make_interval(mins => ?) <= ?
       ) due
       ORDER BY due
       LIMIT ?`,
      [now, igAfterMinutes, igAfterMinutes, now, limit],
    );
    return result.rows;
  }

  /**
   * Share-locks the case for the rest of the transaction and reads where it lies. Undefined when
   * the case is gone or in no district.
   */
  async lockCase(trx: Knex.Transaction, caseId: string): Promise<EscalatedCase | undefined> {
    const result = await trx.raw<{ rows: EscalatedCase[] }>(
      `SELECT c.id, c.tracking_code AS "trackingCode",
              c.district_id AS "districtId", c.region_id AS "regionId", c.province_id AS "provinceId",
              d.code AS "districtCode", d.name AS "districtName", r.code AS "regionCode", p.code AS "provinceCode"
       FROM cases c
       JOIN jurisdictions d ON d.id = c.district_id
       JOIN jurisdictions r ON r.id = c.region_id
       JOIN jurisdictions p ON p.id = c.province_id
       WHERE c.id = ?
       FOR SHARE OF c`,
      [caseId],
    );
    return result.rows[0];
  }

  /**
   * Claims one escalation: sets its time only if the duty is still open, the escalation not yet
   * made and due at `now`. Two callers racing for the same row both wait for its lock, and
   * Postgres re-checks the condition for the second, so only one gets the row back. Returns the
   * duty's due time, or undefined when there is nothing (left) to escalate.
   */
  async claimEscalation(
    trx: Knex.Transaction,
    escalation: DueEscalation,
    now: Date,
    igAfterMinutes: number,
  ): Promise<{ dueAt: Date } | undefined> {
    const result =
      escalation.level === 'RPO'
        ? await trx.raw<{ rows: { due_at: Date }[] }>(
            `UPDATE case_deadlines SET rpo_escalated_at = ?
             WHERE case_id = ? AND duty = ? AND done_at IS NULL AND rpo_escalated_at IS NULL AND due_at <= ?
             RETURNING due_at`,
            [now, escalation.caseId, escalation.duty, now],
          )
        : await trx.raw<{ rows: { due_at: Date }[] }>(
            `UPDATE case_deadlines SET ig_escalated_at = ?
             WHERE case_id = ? AND duty = ? AND done_at IS NULL AND ig_escalated_at IS NULL
               AND rpo_escalated_at + make_interval(mins => ?) <= ?
             RETURNING due_at`,
            [now, escalation.caseId, escalation.duty, igAfterMinutes, now],
          );
    const row = result.rows[0];
    return row ? { dueAt: row.due_at } : undefined;
  }

  /** Records a missed deadline against the district holding the case. The unique key allows one per duty. */
  async insertBreach(
    trx: Knex.Transaction,
    kase: EscalatedCase,
    duty: DeadlineDuty,
    dueAt: Date,
    breachedAt: Date,
  ): Promise<void> {
    await trx('deadline_breaches').insert({
      case_id: kase.id,
      duty,
      district_id: kase.districtId,
      district_code: kase.districtCode,
      region_code: kase.regionCode,
      province_code: kase.provinceCode,
      due_at: dueAt,
      breached_at: breachedAt,
    });
  }

  /** Inserts the dashboard update that tells the case's district and region dashboards to refresh it. */
  async insertCaseStatusUpdate(trx: Knex.Transaction, caseId: string): Promise<string> {
    const [row] = await trx('outbox')
      .insert({
        kind: 'dashboard',
        case_id: caseId,
        payload: JSON.stringify({ type: 'case-status', caseId }),
      })
      .returning('id');
    return (row as { id: string }).id;
  }

  /** Lists the clocks of the given cases, keyed by case id. */
  async listForCases(caseIds: string[]): Promise<Map<string, CaseDeadline[]>> {
    const byCase = new Map<string, CaseDeadline[]>();
    if (caseIds.length === 0) return byCase;
    const rows = (await this.db('case_deadlines')
      .whereIn('case_id', caseIds)
      .orderBy(['case_id', 'due_at'])
      .select('*')) as DeadlineRow[];
    for (const row of rows) {
      const list = byCase.get(row.case_id) ?? [];
      list.push(toCaseDeadline(row));
      byCase.set(row.case_id, list);
    }
    return byCase;
  }
}
