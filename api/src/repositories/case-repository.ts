import type { Knex } from 'knex';
import { readSqlFile } from '../../../sql/read-sql-file.js';
import type { DeadlineDuty, EscalationLevel } from '../cases/deadlines.js';
import { queryPrepared } from '../database.js';
import type { GeofenceMatch } from './jurisdiction-repository.js';

const INSERT_REPORT_SQL = readSqlFile('queries/insert-report.sql');

export type ChildSex = 'female' | 'male' | 'other' | 'unknown';
export type Post = 'DPO' | 'RPO' | 'IG';

export interface NewReport {
  trackingCode: string;
  child: { name: string; age: number; sex: ChildSex; description: string | null };
  lastSeen: { lat: number; lon: number; at: Date; placeDescription?: string | null };
  reporter: { name: string; phone: string };
  jurisdiction: GeofenceMatch | undefined;
  photo: NewPhoto | undefined;
  /** One alert per post; its SMS goes to every duty officer holding that post. */
  alerts: { jurisdictionId: number; jurisdictionCode: string; post: Post; smsBody: string }[];
  reporterSms: string;
  dashboardEvent: 'alerts' | 'case-unassigned';
  /** Live version the in-memory geofencer used; null when PostGIS geofenced in the same moment. */
  routedWithVersionId: number | null;
  /** Deadline clocks to start when the case is routed to a district; none for an unassigned case. */
  deadlines: { duty: DeadlineDuty; minutes: number }[];
  /** The client's Idempotency-Key and a hash of the request, when the client sent a key. */
  idempotency?: { key: string; requestSha256: Buffer };
}

/** The case an idempotency key created, with what its intake receipt showed. */
export interface IdempotentCase {
  id: string;
  trackingCode: string;
  createdAt: Date;
  requestSha256: Buffer;
  onBorder: boolean;
  district: JurisdictionName | null;
  region: JurisdictionName | null;
  province: JurisdictionName | null;
  alerted: Post[];
}

export interface JurisdictionName {
  code: string;
  name: string;
  nameUr: string | null;
}

export interface NewPhoto {
  mediaType: string;
  byteSize: number;
  width: number;
  height: number;
  sha256: string;
  content: Buffer;
}

/** A case as dispatchers see it: the child, the place and time, and where it was routed. */
export interface CaseView {
  id: string;
  trackingCode: string;
  status: string;
  createdAt: string;
  child: { name: string; age: number; sex: ChildSex; description: string | null };
  lastSeen: { lat: number; lon: number; at: string };
  district: { code: string; name: string; nameUr: string | null } | null;
  region: { code: string; name: string; nameUr: string | null } | null;
  onBorder: boolean;
  photoCount: number;
}

export interface AlertView {
  id: string;
  post: Post;
  /** 'report', 'face-match', 'escalation' (a missed deadline) or 'transfer' (a case transferred in). */
  kind: string;
  /** The missed duty of an escalation ('fir' or 'contact'); null for other kinds. */
  deadlineDuty: string | null;
  createdAt: string;
  acknowledgedAt: string | null;
  case: CaseView;
}

// The columns of a CaseView, selected from `cases c` joined to its district `d` and region `r`.
export const CASE_VIEW_COLUMNS = `
  c.id, c.tracking_code, c.status, c.created_at, c.child_name, c.child_age, c.child_sex, c.child_description,
  ST_Y(c.last_seen) AS lat, ST_X(c.last_seen) AS lon, c.last_seen_at, c.on_border,
  d.code AS district_code, d.name AS district_name, d.name_ur AS district_name_ur,
  r.code AS region_code, r.name AS region_name, r.name_ur AS region_name_ur,
  (SELECT count(*) FROM case_photos p WHERE p.case_id = c.id) AS photo_count`;

export interface CaseViewRow {
  id: string;
  tracking_code: string;
  status: string;
  created_at: Date;
  child_name: string;
  child_age: number;
  child_sex: ChildSex;
  child_description: string | null;
  lat: number;
  lon: number;
  last_seen_at: Date;
  on_border: boolean;
  district_code: string | null;
  district_name: string | null;
  district_name_ur: string | null;
  region_code: string | null;
  region_name: string | null;
  region_name_ur: string | null;
  photo_count: number;
}

export function toCaseView(row: CaseViewRow): CaseView {
  return {
    id: row.id,
    trackingCode: row.tracking_code,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    child: {
      name: row.child_name,
      age: row.child_age,
      sex: row.child_sex,
      description: row.child_description,
    },
    lastSeen: { lat: row.lat, lon: row.lon, at: row.last_seen_at.toISOString() },
    district: row.district_code
      ? { code: row.district_code, name: row.district_name ?? '', nameUr: row.district_name_ur }
      : null,
    region: row.region_code
      ? { code: row.region_code, name: row.region_name ?? '', nameUr: row.region_name_ur }
      : null,
    onBorder: row.on_border,
    photoCount: row.photo_count,
  };
}

/** All SQL about cases, their photos and their alerts. */
export class CaseRepository {
  constructor(private readonly db: Knex) {}

  /**
   * Stores a report whole in one statement (sql/queries/insert-report.sql): the case, its photo,
   * alerts, officer SMS, the reporter's SMS and the dashboard update. Returns the new ids, or
   * undefined (nothing stored) when `routedWithVersionId` is no longer the live boundary version.
   */
  async insertReport(
    report: NewReport,
  ): Promise<{ id: string; createdAt: Date; outboxIds: string[] } | undefined> {
    const { jurisdiction, photo } = report;
    const rows = await queryPrepared<{ id: string; created_at: Date; outbox_ids: string[] }>(
      this.db,
      'insert_report',
      INSERT_REPORT_SQL,
      [
        report.trackingCode,
        report.child.name,
        report.child.age,
        report.child.sex,
        report.child.description,
        report.lastSeen.at,
        report.lastSeen.lon,
        report.lastSeen.lat,
        report.reporter.name,
        report.reporter.phone,
        jurisdiction?.district.id ?? null,
        jurisdiction?.region.id ?? null,
        jurisdiction?.province.id ?? null,
        jurisdiction?.boundaryVersionId ?? null,
        jurisdiction?.onBorder ?? false,
        photo?.content ?? null,
        photo?.mediaType ?? null,
        photo?.byteSize ?? null,
        photo?.width ?? null,
        photo?.height ?? null,
        photo?.sha256 ?? null,
        report.alerts.map((alert) => alert.jurisdictionId),
        report.alerts.map((alert) => alert.post),
        report.alerts.map((alert) => alert.jurisdictionCode),
        report.alerts.map((alert) => alert.post),
        report.alerts.map((alert) => alert.smsBody),
        report.reporterSms,
        report.dashboardEvent,
        report.routedWithVersionId,
        report.idempotency?.key ?? null,
        report.idempotency?.requestSha256 ?? null,
        report.deadlines.map((deadline) => deadline.duty),
        report.deadlines.map((deadline) => deadline.minutes),
        report.lastSeen.placeDescription ?? null,
      ],
    );
    const row = rows[0];
    if (!row) return undefined;
    return { id: row.id, createdAt: row.created_at, outboxIds: row.outbox_ids };
  }

  async findCaseView(caseId: string): Promise<CaseView | undefined> {
    return (await this.findCaseViewWithJurisdictions(caseId))?.view;
  }

  /**
   * Finds a case's view with the codes of its district, region and province, the streams that follow
   * its changes. The codes are empty for a case outside every district.
   */
  async findCaseViewWithJurisdictions(
    caseId: string,
  ): Promise<{ view: CaseView; jurisdictionCodes: string[] } | undefined> {
    const result = await this.db.raw<{ rows: (CaseViewRow & { province_code: string | null })[] }>(
      `SELECT ${CASE_VIEW_COLUMNS}, p.code AS province_code
       FROM cases c
       LEFT JOIN jurisdictions d ON d.id = c.district_id
       LEFT JOIN jurisdictions r ON r.id = c.region_id
       LEFT JOIN jurisdictions p ON p.id = c.province_id
       WHERE c.id = ?`,
      [caseId],
    );
    const row = result.rows[0];
    if (!row) return undefined;
    const jurisdictionCodes = [row.district_code, row.region_code, row.province_code].filter(
      (code): code is string => Boolean(code),
    );
    return { view: toCaseView(row), jurisdictionCodes };
  }

  /** Alerts addressed to a jurisdiction (by code, in any boundary version), newest first. */
  async listAlerts(jurisdictionCode: string, limit: number): Promise<AlertView[]> {
    const result = await this.db.raw<{ rows: (CaseViewRow & AlertRow)[] }>(
      `SELECT a.id AS alert_id, a.post, a.created_at AS alert_created_at, a.acknowledged_at,
              a.kind AS alert_kind, a.deadline_duty, ${CASE_VIEW_COLUMNS}
       FROM alerts a
       JOIN jurisdictions target ON target.id = a.jurisdiction_id
       JOIN cases c ON c.id = a.case_id
       LEFT JOIN jurisdictions d ON d.id = c.district_id
       LEFT JOIN jurisdictions r ON r.id = c.region_id
       WHERE target.code = ?
       ORDER BY a.created_at DESC
       LIMIT ?`,
      [jurisdictionCode, limit],
    );
    return result.rows.map(toAlertView);
  }

  /** Lists every alert, newest first: the national view. */
  async listAllAlerts(limit: number): Promise<AlertView[]> {
    const result = await this.db.raw<{ rows: (CaseViewRow & AlertRow)[] }>(
      `SELECT a.id AS alert_id, a.post, a.created_at AS alert_created_at, a.acknowledged_at,
              a.kind AS alert_kind, a.deadline_duty, ${CASE_VIEW_COLUMNS}
       FROM alerts a
       JOIN cases c ON c.id = a.case_id
       LEFT JOIN jurisdictions d ON d.id = c.district_id
       LEFT JOIN jurisdictions r ON r.id = c.region_id
       ORDER BY a.created_at DESC
       LIMIT ?`,
      [limit],
    );
    return result.rows.map(toAlertView);
  }

  /** Lists the alerts a case raised, each with the code of the jurisdiction it went to. */
  /** Finds the case that a report with this idempotency key created, if any. */
  async findByIdempotencyKey(key: string): Promise<IdempotentCase | undefined> {
    const result = await this.db.raw<{ rows: IdempotentCaseRow[] }>(
      `SELECT c.id, c.tracking_code, c.created_at, c.request_sha256, c.on_border,
              d.code AS district_code, d.name AS district_name, d.name_ur AS district_name_ur,
              r.code AS region_code, r.name AS region_name, r.name_ur AS region_name_ur,
              p.code AS province_code, p.name AS province_name, p.name_ur AS province_name_ur,
              ARRAY(SELECT a.post FROM alerts a WHERE a.case_id = c.id AND a.kind = 'report' ORDER BY a.post)
                AS alerted
       FROM cases c
       LEFT JOIN jurisdictions d ON d.id = c.district_id
       LEFT JOIN jurisdictions r ON r.id = c.region_id
       LEFT JOIN jurisdictions p ON p.id = c.province_id
       WHERE c.idempotency_key = ?`,
      [key],
    );
    const row = result.rows[0];
    if (!row) return undefined;
    const named = (code: string | null, name: string | null, nameUr: string | null) =>
      code && name ? { code, name, nameUr } : null;
    return {
      id: row.id,
      trackingCode: row.tracking_code,
      createdAt: row.created_at,
      requestSha256: row.request_sha256,
      onBorder: row.on_border,
      district: named(row.district_code, row.district_name, row.district_name_ur),
      region: named(row.region_code, row.region_name, row.region_name_ur),
      province: named(row.province_code, row.province_name, row.province_name_ur),
      alerted: row.alerted,
    };
  }

  /** Lists the alerts of several cases, each with the code of the jurisdiction it was sent to. */
  async listAlertsOfCases(
    caseIds: string[],
  ): Promise<(AlertView & { jurisdictionCode: string; provinceCode: string | null })[]> {
    if (caseIds.length === 0) return [];
    const result = await this.db.raw<{
      rows: (CaseViewRow & AlertRow & { target_code: string; province_code: string | null })[];
    }>(
      `SELECT a.id AS alert_id, a.post, a.created_at AS alert_created_at, a.acknowledged_at,
              a.kind AS alert_kind, a.deadline_duty, target.code AS target_code, p.code AS province_code,
              ${CASE_VIEW_COLUMNS}
       FROM alerts a
       JOIN jurisdictions target ON target.id = a.jurisdiction_id
       JOIN cases c ON c.id = a.case_id
       LEFT JOIN jurisdictions d ON d.id = c.district_id
       LEFT JOIN jurisdictions r ON r.id = c.region_id
       LEFT JOIN jurisdictions p ON p.id = c.province_id
       WHERE a.case_id = ANY(?::uuid[])`,
      [caseIds],
    );
    return result.rows.map((row) => ({
      ...toAlertView(row),
      jurisdictionCode: row.target_code,
      provinceCode: row.province_code,
    }));
  }

  /** Cases whose last-seen point lay outside every district, newest first. */
  async listUnassigned(limit: number): Promise<CaseView[]> {
    const result = await this.db.raw<{ rows: CaseViewRow[] }>(
      `SELECT ${CASE_VIEW_COLUMNS}
       FROM cases c
       LEFT JOIN jurisdictions d ON d.id = c.district_id
       LEFT JOIN jurisdictions r ON r.id = c.region_id
       WHERE c.district_id IS NULL
       ORDER BY c.created_at DESC
       LIMIT ?`,
      [limit],
    );
    return result.rows.map(toCaseView);
  }

  async listPhotoIds(caseId: string): Promise<string[]> {
    const rows = await this.db('case_photos').where({ case_id: caseId }).orderBy('created_at').select('id');
    return rows.map((row: { id: string }) => row.id);
  }

  async findPhoto(caseId: string, photoId: string) {
    return this.db('case_photos')
      .where({ case_id: caseId, id: photoId })
      .first('media_type as mediaType', 'content') as Promise<
      { mediaType: string; content: Buffer } | undefined
    >;
  }

  /** Finds the public view of a case by tracking code: status, district and what was done, no personal data. */
  async findPublicStatus(trackingCode: string) {
    const caseRow = await this.db('cases as c')
      .leftJoin('jurisdictions as d', 'd.id', 'c.district_id')
      .where('c.tracking_code', trackingCode)
      .first(
        'c.id',
        'c.tracking_code as trackingCode',
        'c.status',
        'c.created_at as createdAt',
        'd.code as districtCode',
        'd.name as districtName',
        'd.name_ur as districtNameUr',
      );
    if (!caseRow) return undefined;
    // An escalation shows as its deadline line below, not as another alert.
    const alerts = await this.db('alerts')
      .where({ case_id: caseRow.id })
      .whereNot({ kind: 'escalation' })
      .orderBy('created_at')
      .select('post', 'created_at as createdAt', 'acknowledged_at as acknowledgedAt');
    // Only the kind of event, the new state and the time: case_events details name officers and FIRs.
    const stateChanges = (await this.db('case_events')
      .where({ case_id: caseRow.id, kind: 'status-changed' })
      .orderBy([{ column: 'at' }, { column: 'id' }])
      .select('at', this.db.raw("details->>'to' AS state"))) as { at: Date; state: string }[];
    const missedDeadlines = (await this.db('case_events')
      .where({ case_id: caseRow.id })
      .whereIn('kind', ['deadline-missed', 'deadline-escalated'])
      .orderBy([{ column: 'at' }, { column: 'id' }])
      .select('at', this.db.raw("details->>'duty' AS duty"), this.db.raw("details->>'level' AS level"))) as {
      at: Date;
      duty: DeadlineDuty;
      level: EscalationLevel;
    }[];
    return { caseRow, alerts, stateChanges, missedDeadlines };
  }
}

interface AlertRow {
  alert_id: string;
  post: Post;
  alert_kind: string;
  deadline_duty: string | null;
  alert_created_at: Date;
  acknowledged_at: Date | null;
}

function toAlertView(row: CaseViewRow & AlertRow): AlertView {
  return {
    id: row.alert_id,
    post: row.post,
    kind: row.alert_kind,
    deadlineDuty: row.deadline_duty,
    createdAt: row.alert_created_at.toISOString(),
    acknowledgedAt: row.acknowledged_at ? row.acknowledged_at.toISOString() : null,
    case: toCaseView(row),
  };
}

interface IdempotentCaseRow {
  id: string;
  tracking_code: string;
  created_at: Date;
  request_sha256: Buffer;
  on_border: boolean;
  district_code: string | null;
  district_name: string | null;
  district_name_ur: string | null;
  region_code: string | null;
  region_name: string | null;
  region_name_ur: string | null;
  province_code: string | null;
  province_name: string | null;
  province_name_ur: string | null;
  alerted: Post[];
}
