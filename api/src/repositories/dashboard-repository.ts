import type { Knex } from 'knex';
import { CASE_VIEW_COLUMNS, type CaseView, type CaseViewRow, toCaseView } from './case-repository.js';

/** An open case as the deadline dashboard lists it. */
export interface UrgentCase {
  view: CaseView;
  /** Reported or transferred in, and not yet acknowledged by the district. */
  unacknowledged: boolean;
}

export interface DistrictDeadlineCounts {
  code: string;
  name: string;
  nameUr: string | null;
  openCases: number;
  unacknowledged: number;
  /** Open cases with a missed deadline whose duty is still not done. */
  openBreached: number;
  /** Deadlines missed in the district since `since` (all time without it), open or closed cases. */
  breaches: number;
}

const CASE_JOINS = `
  LEFT JOIN jurisdictions d ON d.id = c.district_id
  LEFT JOIN jurisdictions r ON r.id = c.region_id
  LEFT JOIN jurisdictions p ON p.id = c.province_id`;

// Statuses in which a case is waiting for the district to acknowledge it.
const UNACKNOWLEDGED = "('reported', 'transferred')";
const FINAL = "('recovered', 'closed')";

/** SQL of the deadline dashboards: open cases by urgency, and counts per district. */
export class DashboardRepository {
  constructor(private readonly db: Knex) {}

  /**
   * Lists open cases in scope by urgency: unacknowledged first, then those with a missed deadline
   * still not done, then by the earliest deadline not yet done, then oldest first.
   */
  async listUrgentCases(
    scope: { level: 'district' | 'region' | 'province'; code: string } | 'all',
    limit: number,
  ): Promise<UrgentCase[]> {
    const values: Knex.Value[] = [];
    let where = `c.status NOT IN ${FINAL} AND c.district_id IS NOT NULL`;
    if (scope !== 'all') {
      where += ` AND ${{ district: 'd', region: 'r', province: 'p' }[scope.level]}.code = ?`;
      values.push(scope.code);
    }
    const result = await this.db.raw<{ rows: (CaseViewRow & { unacknowledged: boolean })[] }>(
      `SELECT ${CASE_VIEW_COLUMNS}, c.status IN ${UNACKNOWLEDGED} AS unacknowledged
       FROM cases c ${CASE_JOINS}
       WHERE ${where}
       ORDER BY c.status IN ${UNACKNOWLEDGED} DESC,
                EXISTS (SELECT 1 FROM case_deadlines x
                        WHERE x.case_id = c.id AND x.done_at IS NULL AND x.rpo_escalated_at IS NOT NULL) DESC,
                (SELECT min(due_at) FROM case_deadlines x WHERE x.case_id = c.id AND x.done_at IS NULL) ASC NULLS LAST,
                c.created_at ASC
       LIMIT ?`,
      [...values, limit],
    );
    return result.rows.map((row) => ({ view: toCaseView(row), unacknowledged: row.unacknowledged }));
  }

  /** Counts open cases and missed deadlines of each live district in a region or province. */
  async countByDistrict(
    parent: { level: 'region' | 'province'; code: string },
    since: Date | null,
  ): Promise<DistrictDeadlineCounts[]> {
    const parentColumn = parent.level === 'region' ? 'region.code' : 'province.code';
    const result = await this.db.raw<{
      rows: {
        code: string;
        name: string;
        name_ur: string | null;
        open_cases: string;
        unacknowledged: string;
        open_breached: string;
        breaches: string;
      }[];
    }>(
      `SELECT district.code, district.name, district.name_ur,
              count(open_case.id) AS open_cases,
              count(open_case.id) FILTER (WHERE open_case.unacknowledged) AS unacknowledged,
              count(open_case.id) FILTER (WHERE open_case.breached) AS open_breached,
              (SELECT count(*) FROM deadline_breaches b
               WHERE b.district_code = district.code AND (?::timestamptz IS NULL OR b.breached_at >= ?)) AS breaches
       FROM jurisdictions district
       JOIN boundary_versions v ON v.id = district.version_id AND v.status = 'live'
       JOIN jurisdictions region ON region.id = district.parent_id
       JOIN jurisdictions province ON province.id = region.parent_id
       LEFT JOIN LATERAL (
         SELECT c.id, c.status IN ${UNACKNOWLEDGED} AS unacknowledged,
                EXISTS (SELECT 1 FROM case_deadlines x
                        WHERE x.case_id = c.id AND x.done_at IS NULL AND x.rpo_escalated_at IS NOT NULL) AS breached
         FROM cases c JOIN jurisdictions cd ON cd.id = c.district_id
         WHERE cd.code = district.code AND c.status NOT IN ${FINAL}
       ) open_case ON true
       WHERE district.level = 'district' AND ${parentColumn} = ?
       GROUP BY district.code, district.name, district.name_ur
       ORDER BY open_breached DESC, open_cases DESC, district.name`,
      [since, since, parent.code],
    );
    return result.rows.map((row) => ({
      code: row.code,
      name: row.name,
      nameUr: row.name_ur,
      openCases: Number(row.open_cases),
      unacknowledged: Number(row.unacknowledged),
      openBreached: Number(row.open_breached),
      breaches: Number(row.breaches),
    }));
  }
}
