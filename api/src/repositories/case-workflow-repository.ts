import type { Knex } from 'knex';
import type { CaseState } from '../cases/case-states.js';
import { CASE_VIEW_COLUMNS, type CaseView, type CaseViewRow, toCaseView } from './case-repository.js';
import type { JurisdictionPath } from './jurisdiction-repository.js';

/** A case locked for a state change: what the move needs to check and to notify. */
export interface LockedCase {
  id: string;
  trackingCode: string;
  status: CaseState;
  reporterPhone: string;
  districtId: number | null;
  path: JurisdictionPath;
}

export interface CaseListFilter {
  scope: { level: 'district' | 'region' | 'province'; code: string } | 'all';
  status?: CaseState;
  district?: string;
  from?: Date;
  to?: Date;
  limit: number;
}

export interface CaseDetailRow {
  view: CaseView;
  reporter: { name: string; phone: string };
  /** The last-seen place as the reporter typed it, or null. Officers only: it is the family's text. */
  placeDescription: string | null;
  firNumber: string | null;
  policeStation: string | null;
  statusChangedAt: string | null;
  path: JurisdictionPath;
}

// Joins of a case to the codes of its district, region and province.
const PATH_JOINS = `
  LEFT JOIN jurisdictions d ON d.id = c.district_id
  LEFT JOIN jurisdictions r ON r.id = c.region_id
  LEFT JOIN jurisdictions p ON p.id = c.province_id`;

/** All SQL of the case workflow: listing by jurisdiction, locking, state changes and their messages. */
export class CaseWorkflowRepository {
  constructor(private readonly db: Knex) {}

  /** Where a case lies in the jurisdiction tree, for access checks; undefined when there is no such case. */
  async findPath(caseId: string): Promise<JurisdictionPath | undefined> {
    const result = await this.db.raw<{ rows: JurisdictionPath[] }>(
      `SELECT d.code AS district, r.code AS region, p.code AS province FROM cases c ${PATH_JOINS} WHERE c.id = ?`,
      [caseId],
    );
    return result.rows[0];
  }

  async list(filter: CaseListFilter): Promise<CaseView[]> {
    const conditions: string[] = [];
    const values: Knex.Value[] = [];
    if (filter.scope !== 'all') {
      const alias = { district: 'd', region: 'r', province: 'p' }[filter.scope.level];
      conditions.push(`${alias}.code = ?`);
      values.push(filter.scope.code);
    }
    if (filter.status) {
      conditions.push('c.status = ?');
      values.push(filter.status);
    }
    if (filter.district) {
      conditions.push('d.code = ?');
      values.push(filter.district);
    }
    if (filter.from) {
      conditions.push('c.created_at >= ?');
      values.push(filter.from);
    }
    if (filter.to) {
      conditions.push('c.created_at < ?');
      values.push(filter.to);
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const result = await this.db.raw<{ rows: CaseViewRow[] }>(
      `SELECT ${CASE_VIEW_COLUMNS} FROM cases c ${PATH_JOINS} ${where} ORDER BY c.created_at DESC LIMIT ?`,
      [...values, filter.limit],
    );
    return result.rows.map(toCaseView);
  }

  async findDetail(caseId: string): Promise<CaseDetailRow | undefined> {
    const result = await this.db.raw<{
      rows: (CaseViewRow & {
        reporter_name: string;
        reporter_phone: string;
        last_seen_place_description: string | null;
        fir_number: string | null;
        fir_police_station: string | null;
        status_changed_at: Date | null;
        province_code: string | null;
      })[];
    }>(
      `SELECT ${CASE_VIEW_COLUMNS}, c.reporter_name, c.reporter_phone, c.last_seen_place_description,
              c.fir_number, c.fir_police_station, c.status_changed_at, p.code AS province_code
       FROM cases c ${PATH_JOINS} WHERE c.id = ?`,
      [caseId],
    );
    const row = result.rows[0];
    if (!row) return undefined;
    return {
      view: toCaseView(row),
      reporter: { name: row.reporter_name, phone: row.reporter_phone },
      placeDescription: row.last_seen_place_description,
      firNumber: row.fir_number,
      policeStation: row.fir_police_station,
      statusChangedAt: row.status_changed_at ? row.status_changed_at.toISOString() : null,
      path: { district: row.district_code, region: row.region_code, province: row.province_code },
    };
  }

  /** Locks the case row until the transaction ends, so two moves of one case run one after the other. */
  async lock(trx: Knex.Transaction, caseId: string): Promise<LockedCase | undefined> {
    const result = await trx.raw<{
      rows: {
        id: string;
        tracking_code: string;
        status: CaseState;
        reporter_phone: string;
        district_id: number | null;
        district: string | null;
        region: string | null;
        province: string | null;
      }[];
    }>(
      `SELECT c.id, c.tracking_code, c.status, c.reporter_phone, c.district_id,
              d.code AS district, r.code AS region, p.code AS province
       FROM cases c ${PATH_JOINS}
       WHERE c.id = ?
       FOR UPDATE OF c`,
      [caseId],
    );
    const row = result.rows[0];
    if (!row) return undefined;
    return {
      id: row.id,
      trackingCode: row.tracking_code,
      status: row.status,
      reporterPhone: row.reporter_phone,
      districtId: row.district_id,
      path: { district: row.district, region: row.region, province: row.province },
    };
  }

  async setStatus(
    trx: Knex.Transaction,
    caseId: string,
    change: { status: CaseState; firNumber?: string; policeStation?: string },
  ): Promise<Date> {
    const [row] = await trx('cases')
      .where({ id: caseId })
      .update({
        status: change.status,
        status_changed_at: trx.fn.now(),
        ...(change.firNumber
          ? { fir_number: change.firNumber, fir_police_station: change.policeStation }
          : {}),
      })
      .returning('status_changed_at');
    return (row as { status_changed_at: Date }).status_changed_at;
  }

  /** Moves a case to another live district, with that district's region and province. */
  async moveToDistrict(trx: Knex.Transaction, caseId: string, districtId: number): Promise<void> {
    await trx.raw(
      `UPDATE cases c
       SET district_id = d.id, region_id = r.id, province_id = r.parent_id, on_border = false
       FROM jurisdictions d JOIN jurisdictions r ON r.id = d.parent_id
       WHERE c.id = ? AND d.id = ?`,
      [caseId, districtId],
    );
  }

  /** The reporter's SMS and the dashboard update of a move, delivered by the outbox worker. */
  async insertMessages(
    trx: Knex.Transaction,
    caseId: string,
    reporter: { phone: string; body: string },
    dashboard: Record<string, unknown>,
  ): Promise<string[]> {
    const rows = await trx('outbox')
      .insert([
        {
          kind: 'sms',
          case_id: caseId,
          recipient: reporter.phone,
          payload: JSON.stringify({ body: reporter.body }),
        },
        { kind: 'dashboard', case_id: caseId, payload: JSON.stringify(dashboard) },
      ])
      .returning('id');
    return rows.map((row: { id: string }) => row.id);
  }

  /** A state change on the case timeline; the actor is the account id, never a name. */
  async appendStateChange(
    trx: Knex.Transaction,
    caseId: string,
    accountId: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await trx('case_events').insert({
      case_id: caseId,
      kind: 'status-changed',
      actor: `account:${accountId}`,
      details: JSON.stringify(details),
    });
  }
}
