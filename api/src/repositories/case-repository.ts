import type { Knex } from 'knex';
import type { GeofenceMatch } from './jurisdiction-repository.js';

export type ChildSex = 'female' | 'male' | 'other' | 'unknown';
export type Post = 'DPO' | 'RPO' | 'IG';

export interface NewCase {
  trackingCode: string;
  child: { name: string; age: number; sex: ChildSex; description: string | null };
  lastSeen: { lat: number; lon: number; at: Date };
  reporter: { name: string; phone: string };
  jurisdiction: GeofenceMatch | undefined;
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
  createdAt: string;
  acknowledgedAt: string | null;
  case: CaseView;
}

// The columns of a CaseView, selected from `cases c` joined to its district `d` and region `r`.
const CASE_VIEW_COLUMNS = `
  c.id, c.tracking_code, c.status, c.created_at, c.child_name, c.child_age, c.child_sex, c.child_description,
  ST_Y(c.last_seen) AS lat, ST_X(c.last_seen) AS lon, c.last_seen_at, c.on_border,
  d.code AS district_code, d.name AS district_name, d.name_ur AS district_name_ur,
  r.code AS region_code, r.name AS region_name, r.name_ur AS region_name_ur,
  (SELECT count(*) FROM case_photos p WHERE p.case_id = c.id) AS photo_count`;

interface CaseViewRow {
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

function toCaseView(row: CaseViewRow): CaseView {
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

  async insertCase(trx: Knex.Transaction, input: NewCase): Promise<{ id: string; createdAt: Date }> {
    const result = await trx.raw<{ rows: { id: string; created_at: Date }[] }>(
      `INSERT INTO cases (tracking_code, child_name, child_age, child_sex, child_description,
         last_seen_at, last_seen, reporter_name, reporter_phone,
         district_id, region_id, province_id, boundary_version_id, on_border)
       VALUES (?, ?, ?, ?, ?, ?, ST_SetSRID(ST_MakePoint(?, ?), 4326), ?, ?, ?, ?, ?, ?, ?)
       RETURNING id, created_at`,
      [
        input.trackingCode,
        input.child.name,
        input.child.age,
        input.child.sex,
        input.child.description,
        input.lastSeen.at,
        input.lastSeen.lon,
        input.lastSeen.lat,
        input.reporter.name,
        input.reporter.phone,
        input.jurisdiction?.district.id ?? null,
        input.jurisdiction?.region.id ?? null,
        input.jurisdiction?.province.id ?? null,
        input.jurisdiction?.boundaryVersionId ?? null,
        input.jurisdiction?.onBorder ?? false,
      ],
    );
    const row = result.rows[0];
    if (!row) throw new Error('INSERT INTO cases returned no row');
    return { id: row.id, createdAt: row.created_at };
  }

  async insertPhoto(trx: Knex.Transaction, caseId: string, photo: NewPhoto): Promise<string> {
    const [row] = await trx('case_photos')
      .insert({
        case_id: caseId,
        media_type: photo.mediaType,
        byte_size: photo.byteSize,
        width: photo.width,
        height: photo.height,
        sha256: photo.sha256,
        content: photo.content,
      })
      .returning('id');
    return (row as { id: string }).id;
  }

  async insertAlerts(
    trx: Knex.Transaction,
    caseId: string,
    targets: { jurisdictionId: number; post: Post }[],
  ): Promise<{ id: string; post: Post; jurisdictionId: number }[]> {
    if (targets.length === 0) return [];
    const rows = await trx('alerts')
      .insert(
        targets.map((target) => ({
          case_id: caseId,
          jurisdiction_id: target.jurisdictionId,
          post: target.post,
        })),
      )
      .returning(['id', 'post', 'jurisdiction_id']);
    return rows.map((row: { id: string; post: Post; jurisdiction_id: number }) => ({
      id: row.id,
      post: row.post,
      jurisdictionId: row.jurisdiction_id,
    }));
  }

  async findCaseView(
    caseId: string,
    connection: Knex | Knex.Transaction = this.db,
  ): Promise<CaseView | undefined> {
    const result = await connection.raw<{ rows: CaseViewRow[] }>(
      `SELECT ${CASE_VIEW_COLUMNS}
       FROM cases c
       LEFT JOIN jurisdictions d ON d.id = c.district_id
       LEFT JOIN jurisdictions r ON r.id = c.region_id
       WHERE c.id = ?`,
      [caseId],
    );
    const row = result.rows[0];
    return row ? toCaseView(row) : undefined;
  }

  /** Alerts addressed to a jurisdiction (by code, in any boundary version), newest first. */
  async listAlerts(jurisdictionCode: string, limit: number): Promise<AlertView[]> {
    const result = await this.db.raw<{ rows: (CaseViewRow & AlertRow)[] }>(
      `SELECT a.id AS alert_id, a.post, a.created_at AS alert_created_at, a.acknowledged_at, ${CASE_VIEW_COLUMNS}
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

  async listAlertsByIds(alertIds: string[]): Promise<(AlertView & { jurisdictionCode: string })[]> {
    if (alertIds.length === 0) return [];
    const result = await this.db.raw<{ rows: (CaseViewRow & AlertRow & { target_code: string })[] }>(
      `SELECT a.id AS alert_id, a.post, a.created_at AS alert_created_at, a.acknowledged_at,
              target.code AS target_code, ${CASE_VIEW_COLUMNS}
       FROM alerts a
       JOIN jurisdictions target ON target.id = a.jurisdiction_id
       JOIN cases c ON c.id = a.case_id
       LEFT JOIN jurisdictions d ON d.id = c.district_id
       LEFT JOIN jurisdictions r ON r.id = c.region_id
       WHERE a.id = ANY(?::uuid[])`,
      [alertIds],
    );
    return result.rows.map((row) => ({ ...toAlertView(row), jurisdictionCode: row.target_code }));
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

  /** The public view of a case by tracking code: status, district and what was done, no personal data. */
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
    const alerts = await this.db('alerts')
      .where({ case_id: caseRow.id })
      .orderBy('created_at')
      .select('post', 'created_at as createdAt', 'acknowledged_at as acknowledgedAt');
    return { caseRow, alerts };
  }
}

interface AlertRow {
  alert_id: string;
  post: Post;
  alert_created_at: Date;
  acknowledged_at: Date | null;
}

function toAlertView(row: CaseViewRow & AlertRow): AlertView {
  return {
    id: row.alert_id,
    post: row.post,
    createdAt: row.alert_created_at.toISOString(),
    acknowledgedAt: row.acknowledged_at ? row.acknowledged_at.toISOString() : null,
    case: toCaseView(row),
  };
}
