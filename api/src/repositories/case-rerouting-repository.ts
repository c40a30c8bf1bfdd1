import type { Knex } from 'knex';
import { readSqlFile } from '../../../sql/read-sql-file.js';
import { queryPrepared } from '../database.js';
import type { ChildSex, Post } from './case-repository.js';
import type { GeofenceMatch } from './jurisdiction-repository.js';

const FIND_MOVED_CASES_SQL = readSqlFile('queries/find-moved-cases.sql');
const REROUTE_CASE_SQL = readSqlFile('queries/reroute-case.sql');

/** An open case whose last-seen point a new live boundary version puts in another district. */
export interface MovedCase {
  id: string;
  trackingCode: string;
  childAge: number;
  childSex: ChildSex;
  lastSeenAt: Date;
  lon: number;
  lat: number;
  /** The district the case was in, or null when it waited in the unassigned queue. */
  from: { code: string; name: string } | null;
  /** The district, region and province in the new version, or null outside every district. */
  to: GeofenceMatch | null;
}

/** One case's move, as reroute-case.sql stores it. */
export interface CaseMove {
  caseId: string;
  to: GeofenceMatch | null;
  versionId: number;
  alerts: { jurisdictionId: number; jurisdictionCode: string; post: Post; smsBody: string }[];
  dashboardEvent: 'alerts' | 'case-unassigned';
  eventDetails: Record<string, unknown>;
}

interface MovedCaseRow {
  id: string;
  tracking_code: string;
  child_age: number;
  child_sex: ChildSex;
  last_seen_at: Date;
  lon: number;
  lat: number;
  from_code: string | null;
  from_name: string | null;
  district_id: number | null;
  district_code: string;
  district_name: string;
  district_name_ur: string | null;
  region_id: number;
  region_code: string;
  region_name: string;
  region_name_ur: string | null;
  province_id: number;
  province_code: string;
  province_name: string;
  province_name_ur: string | null;
  on_border: boolean;
}

/** All SQL that re-routes open cases when the live boundary version changes. */
export class CaseReroutingRepository {
  /**
   * Blocks every other write to cases until the transaction ends. A report that arrives meanwhile
   * waits, then finds the boundary version it was geofenced against (in memory or in PostGIS)
   * retired and is geofenced again, so no case is stored with the old version after the re-routing
   * query has run.
   */
  async lockCases(trx: Knex.Transaction): Promise<void> {
    await trx.raw('LOCK TABLE cases IN SHARE ROW EXCLUSIVE MODE');
  }

  async findMovedCases(
    trx: Knex.Transaction,
    fromVersionId: number,
    toVersionId: number,
  ): Promise<MovedCase[]> {
    const rows = await queryPrepared<MovedCaseRow>(trx, 'find_moved_cases', FIND_MOVED_CASES_SQL, [
      fromVersionId,
      toVersionId,
    ]);
    return rows.map((row) => ({
      id: row.id,
      trackingCode: row.tracking_code,
      childAge: row.child_age,
      childSex: row.child_sex,
      lastSeenAt: row.last_seen_at,
      lon: row.lon,
      lat: row.lat,
      from: row.from_code === null ? null : { code: row.from_code, name: row.from_name ?? row.from_code },
      to:
        row.district_id === null
          ? null
          : {
              district: {
                id: row.district_id,
                code: row.district_code,
                name: row.district_name,
                nameUr: row.district_name_ur,
              },
              region: {
                id: row.region_id,
                code: row.region_code,
                name: row.region_name,
                nameUr: row.region_name_ur,
              },
              province: {
                id: row.province_id,
                code: row.province_code,
                name: row.province_name,
                nameUr: row.province_name_ur,
              },
              boundaryVersionId: toVersionId,
              onBorder: row.on_border,
            },
    }));
  }

  /** Returns when `versionId` went live: the time of the publish or rollback in this transaction. */
  async publishedAt(trx: Knex.Transaction, versionId: number): Promise<Date> {
    const row = await trx('boundary_versions')
      .where({ id: versionId })
      .first<{ published_at: Date | null }>('published_at');
    if (!row?.published_at) throw new Error(`boundary version ${versionId} has no publish time`);
    return row.published_at;
  }

  /** Stores one case's move with its alerts, outbox rows and case event; returns the outbox ids. */
  async moveCase(trx: Knex.Transaction, move: CaseMove): Promise<string[]> {
    const rows = await queryPrepared<{ outbox_ids: string[] | null }>(trx, 'reroute_case', REROUTE_CASE_SQL, [
      move.caseId,
      move.to?.district.id ?? null,
      move.to?.region.id ?? null,
      move.to?.province.id ?? null,
      move.versionId,
      move.to?.onBorder ?? false,
      move.alerts.map((alert) => alert.jurisdictionId),
      move.alerts.map((alert) => alert.post),
      move.alerts.map((alert) => alert.jurisdictionCode),
      move.alerts.map((alert) => alert.post),
      move.alerts.map((alert) => alert.smsBody),
      move.dashboardEvent,
      JSON.stringify(move.eventDetails),
    ]);
    return rows[0]?.outbox_ids ?? [];
  }
}
