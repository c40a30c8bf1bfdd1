import type { Knex } from 'knex';
import type { AnalysisFilter } from '../analysis/analysis-filter.js';

/** Hours within which the police must register the FIR after a report. */
export const FIR_DEADLINE_HOURS = 2;
/** Hours within which the police must contact the reporter after a report. */
export const CONTACT_DEADLINE_HOURS = 24;

export interface DistrictCompliance {
  code: string | null;
  cases: number;
  firOnTime: number;
  firLate: number;
  /** Cases past the FIR deadline without an FIR. */
  firMissing: number;
  /** Cases still inside the FIR deadline without an FIR. */
  firPending: number;
  contactOnTime: number;
  contactLate: number;
  contactMissing: number;
  contactPending: number;
}

export interface DistrictRecovery {
  code: string | null;
  recovered: number;
  medianHours: number | null;
}

/**
 * Case timings for the analysts, from the case timeline: the first `status-changed` event to a
 * state counts as the moment the case reached it. Filters apply to when the case was reported and
 * to the child's age band and sex; type and category do not apply to cases.
 */
export class CaseTimingRepository {
  constructor(private readonly db: Knex) {}

  private caseCondition(filter: AnalysisFilter): { sql: string; bindings: Knex.RawBinding[] } {
    const parts = ['true'];
    const bindings: Knex.RawBinding[] = [];
    if (filter.from) {
      parts.push('c.created_at >= ?');
      bindings.push(filter.from);
    }
    if (filter.to) {
      parts.push('c.created_at < ?');
      bindings.push(filter.to);
    }
    if (filter.ageBand) {
      parts.push('incident_age_band(c.child_age) = ANY(?::text[])');
      bindings.push(filter.ageBand);
    }
    if (filter.sex) {
      parts.push('c.child_sex = ANY(?::text[])');
      bindings.push(filter.sex);
    }
    return { sql: parts.join(' AND '), bindings };
  }

  /** Counts compliance with both deadlines per district (null: outside every district) and overall (code '*'). */
  async deadlineCompliance(filter: AnalysisFilter, now = new Date()): Promise<DistrictCompliance[]> {
    const condition = this.caseCondition(filter);
    const { rows } = await this.db.raw(
      `WITH timed AS (
         SELECT d.code, c.created_at,
                (SELECT min(e.at) FROM case_events e
                 WHERE e.case_id = c.id AND e.kind = 'status-changed' AND e.details->>'to' = 'fir_registered') AS fir_at,
                (SELECT min(e.at) FROM case_events e
                 WHERE e.case_id = c.id AND e.kind = 'status-changed' AND e.details->>'to' = 'reporter_contacted') AS contact_at
         FROM cases c
         LEFT JOIN jurisdictions d ON d.id = c.district_id
         WHERE ${condition.sql}
       ),
       judged AS (
         SELECT code,
                CASE WHEN fir_at IS NULL THEN
                       CASE WHEN ?::timestamptz > created_at + make_interval(hours => ?) THEN 'missing' ELSE 'pending' END
                     WHEN fir_at <= created_at + make_interval(hours => ?) THEN 'on_time' ELSE 'late' END AS fir,
                CASE WHEN contact_at IS NULL THEN
                       CASE WHEN ?::timestamptz > created_at + make_interval(hours => ?) THEN 'missing' ELSE 'pending' END
                     WHEN contact_at <= created_at + make_interval(hours => ?) THEN 'on_time' ELSE 'late' END AS contact
         FROM timed
       )
       SELECT CASE WHEN GROUPING(code) = 1 THEN '*' ELSE code END AS code,
              count(*)::integer AS cases,
              count(*) FILTER (WHERE fir = 'on_time')::integer AS "firOnTime",
              count(*) FILTER (WHERE fir = 'late')::integer AS "firLate",
              count(*) FILTER (WHERE fir = 'missing')::integer AS "firMissing",
              count(*) FILTER (WHERE fir = 'pending')::integer AS "firPending",
              count(*) FILTER (WHERE contact = 'on_time')::integer AS "contactOnTime",
              count(*) FILTER (WHERE contact = 'late')::integer AS "contactLate",
              count(*) FILTER (WHERE contact = 'missing')::integer AS "contactMissing",
              count(*) FILTER (WHERE contact = 'pending')::integer AS "contactPending"
       FROM judged
       GROUP BY ROLLUP (code)
       ORDER BY GROUPING(code) DESC, code`,
      [
        ...condition.bindings,
        now,
        FIR_DEADLINE_HOURS,
        FIR_DEADLINE_HOURS,
        now,
        CONTACT_DEADLINE_HOURS,
        CONTACT_DEADLINE_HOURS,
      ],
    );
    return rows;
  }

  /** Returns, per district and overall (code '*'), the recovered cases and the median hours from report to recovery. */
  async recoveryTimes(filter: AnalysisFilter): Promise<DistrictRecovery[]> {
    const condition = this.caseCondition(filter);
    const { rows } = await this.db.raw(
      `WITH recovered AS (
         SELECT d.code,
                extract(epoch FROM (
                  SELECT min(e.at) FROM case_events e
                  WHERE e.case_id = c.id AND e.kind = 'status-changed' AND e.details->>'to' = 'recovered'
                ) - c.created_at) / 3600.0 AS hours
         FROM cases c
         LEFT JOIN jurisdictions d ON d.id = c.district_id
         WHERE ${condition.sql}
       )
       SELECT CASE WHEN GROUPING(code) = 1 THEN '*' ELSE code END AS code,
              count(*)::integer AS recovered,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) AS "medianHours"
       FROM recovered WHERE hours IS NOT NULL
       GROUP BY ROLLUP (code)
       ORDER BY GROUPING(code) DESC, code`,
      condition.bindings,
    );
    return rows.map((row: DistrictRecovery & { medianHours: number | string | null }) => ({
      ...row,
      medianHours: row.medianHours === null ? null : Number(row.medianHours),
    }));
  }
}
