import type { Knex } from 'knex';
import type { JurisdictionPath } from './jurisdiction-repository.js';

export type FaceMatchStatus = 'candidate' | 'confirmed' | 'rejected';

export interface NewFaceMatch {
  sightingFaceId: string;
  caseFaceId: string;
  sightingId: string;
  caseId: string;
  similarity: number;
  strong: boolean;
}

/** The case and sighting details that an alert about a match needs. */
export interface MatchContext {
  trackingCode: string;
  caseDistrictId: number | null;
  seenAt: Date;
  lat: number;
  lon: number;
  sightingDistrictId: number | null;
  sightingDistrictName: string | null;
}

/** A match as the review panel shows it: both face crops, the case and the sighting. */
export interface FaceMatchView {
  id: string;
  similarity: number;
  strong: boolean;
  status: FaceMatchStatus;
  createdAt: Date;
  reviewedAt: Date | null;
  reviewReason: string | null;
  /** Null once the face is gone (photo withdrawn, faces recomputed). */
  caseFaceCrop: Buffer | null;
  sightingFaceCrop: Buffer | null;
  caseId: string;
  trackingCode: string;
  childName: string;
  childAge: number;
  childSex: string;
  caseDistrictName: string | null;
  caseDistrictNameUr: string | null;
  sightingId: string;
  seenAt: Date;
  lat: number;
  lon: number;
  sightingDescription: string | null;
  sightingDistrictName: string | null;
  sightingDistrictNameUr: string | null;
}

// One statement for a strong match's alerts: an alert per target district's DPO, an SMS per duty
// officer holding that post, and one dashboard update naming the new alerts.
const INSERT_MATCH_ALERTS_SQL = `
WITH targets AS (
  SELECT DISTINCT j.id AS jurisdiction_id, j.code
  FROM jurisdictions j
  WHERE j.id = ANY(CAST(? AS integer[]))
),
new_alerts AS (
  INSERT INTO alerts (case_id, jurisdiction_id, post, kind, face_match_id)
  SELECT CAST(? AS uuid), targets.jurisdiction_id, 'DPO', 'face-match', CAST(? AS uuid)
  FROM targets
  RETURNING id, jurisdiction_id
),
new_sms AS (
  INSERT INTO outbox (kind, case_id, alert_id, recipient, payload)
  SELECT 'sms', CAST(? AS uuid), new_alerts.id, officers.phone, jsonb_build_object('body', CAST(? AS text))
  FROM new_alerts
  JOIN targets ON targets.jurisdiction_id = new_alerts.jurisdiction_id
  JOIN duty_officers officers ON officers.jurisdiction_code = targets.code AND officers.post = 'DPO'
  RETURNING id
),
new_dashboard AS (
  INSERT INTO outbox (kind, case_id, payload)
  SELECT 'dashboard', CAST(? AS uuid),
         jsonb_build_object('type', 'alerts', 'caseId', CAST(? AS uuid),
                            'alertIds', (SELECT jsonb_agg(id) FROM new_alerts))
  WHERE EXISTS (SELECT 1 FROM new_alerts)
  RETURNING id
)
SELECT ARRAY(SELECT id FROM new_alerts) AS alert_ids,
       ARRAY(SELECT id FROM new_sms UNION ALL SELECT id FROM new_dashboard) AS outbox_ids`;

/** All SQL about candidate matches between sighting faces and case faces, and their alerts. */
export class FaceMatchRepository {
  constructor(private readonly db: Knex) {}

  /** Inserts a match; returns its id, or undefined when the same pair of faces was already matched. */
  async insert(trx: Knex.Transaction, match: NewFaceMatch): Promise<string | undefined> {
    const rows = await trx('face_matches')
      .insert({
        sighting_face_id: match.sightingFaceId,
        case_face_id: match.caseFaceId,
        sighting_id: match.sightingId,
        case_id: match.caseId,
        similarity: match.similarity,
        strong: match.strong,
      })
      .onConflict(['sighting_face_id', 'case_face_id'])
      .ignore()
      .returning('id');
    return (rows[0] as { id: string } | undefined)?.id;
  }

  async findContext(trx: Knex.Transaction, caseId: string, sightingId: string): Promise<MatchContext> {
    const result = await trx.raw<{ rows: MatchContext[] }>(
      `SELECT c.tracking_code AS "trackingCode", c.district_id AS "caseDistrictId",
              s.seen_at AS "seenAt", ST_Y(s.place) AS lat, ST_X(s.place) AS lon,
              s.district_id AS "sightingDistrictId", d.name AS "sightingDistrictName"
       FROM cases c, sightings s
       LEFT JOIN jurisdictions d ON d.id = s.district_id
       WHERE c.id = ? AND s.id = ?`,
      [caseId, sightingId],
    );
    const row = result.rows[0];
    if (!row) throw new Error(`case ${caseId} or sighting ${sightingId} does not exist`);
    return row;
  }

  /** Raises a match's alerts to the DPOs of `jurisdictionIds`; returns the alert and outbox ids. */
  async insertAlerts(
    trx: Knex.Transaction,
    matchId: string,
    caseId: string,
    jurisdictionIds: number[],
    smsBody: string,
  ): Promise<{ alertIds: string[]; outboxIds: string[] }> {
    const result = await trx.raw<{ rows: { alert_ids: string[]; outbox_ids: string[] }[] }>(
      INSERT_MATCH_ALERTS_SQL,
      [jurisdictionIds, caseId, matchId, caseId, smsBody, caseId, caseId],
    );
    const row = result.rows[0];
    return { alertIds: row?.alert_ids ?? [], outboxIds: row?.outbox_ids ?? [] };
  }

  /**
   * Lists matches of a status, newest first. A scope keeps the matches whose case or sighting lies in
   * that jurisdiction.
   */
  async list(
    status: FaceMatchStatus,
    limit: number,
    scope: { level: 'district' | 'region' | 'province'; code: string } | 'all',
  ): Promise<FaceMatchView[]> {
    const column =
      scope === 'all'
        ? null
        : { district: 'district_id', region: 'region_id', province: 'province_id' }[scope.level];
    const scopeCondition = column
      ? `AND (c.${column} IN (SELECT id FROM jurisdictions WHERE code = :code)
              OR s.${column} IN (SELECT id FROM jurisdictions WHERE code = :code))`
      : '';
    const result = await this.db.raw<{ rows: FaceMatchView[] }>(
      `SELECT m.id, m.similarity, m.strong, m.status, m.created_at AS "createdAt",
              m.reviewed_at AS "reviewedAt", m.review_reason AS "reviewReason",
              cf.crop AS "caseFaceCrop", sf.crop AS "sightingFaceCrop",
              c.id AS "caseId", c.tracking_code AS "trackingCode", c.child_name AS "childName",
              c.child_age AS "childAge", c.child_sex AS "childSex",
              cd.name AS "caseDistrictName", cd.name_ur AS "caseDistrictNameUr",
              s.id AS "sightingId", s.seen_at AS "seenAt", ST_Y(s.place) AS lat, ST_X(s.place) AS lon,
              s.description AS "sightingDescription",
              sd.name AS "sightingDistrictName", sd.name_ur AS "sightingDistrictNameUr"
       FROM face_matches m
       LEFT JOIN faces cf ON cf.id = m.case_face_id
       LEFT JOIN faces sf ON sf.id = m.sighting_face_id
       JOIN cases c ON c.id = m.case_id
       JOIN sightings s ON s.id = m.sighting_id
       LEFT JOIN jurisdictions cd ON cd.id = c.district_id
       LEFT JOIN jurisdictions sd ON sd.id = s.district_id
       WHERE m.status = :status ${scopeCondition}
       ORDER BY m.created_at DESC
       LIMIT :limit`,
      { status, limit, code: scope === 'all' ? null : scope.code },
    );
    return result.rows;
  }

  /** Finds where a match's case and sighting lie, for access checks; undefined when there is no such match. */
  async findPaths(
    matchId: string,
  ): Promise<{ case: JurisdictionPath; sighting: JurisdictionPath } | undefined> {
    const result = await this.db.raw<{ rows: Record<string, string | null>[] }>(
      `SELECT cd.code AS case_district, cr.code AS case_region, cp.code AS case_province,
              sd.code AS sighting_district, sr.code AS sighting_region, sp.code AS sighting_province
       FROM face_matches m
       JOIN cases c ON c.id = m.case_id
       JOIN sightings s ON s.id = m.sighting_id
       LEFT JOIN jurisdictions cd ON cd.id = c.district_id
       LEFT JOIN jurisdictions cr ON cr.id = c.region_id
       LEFT JOIN jurisdictions cp ON cp.id = c.province_id
       LEFT JOIN jurisdictions sd ON sd.id = s.district_id
       LEFT JOIN jurisdictions sr ON sr.id = s.region_id
       LEFT JOIN jurisdictions sp ON sp.id = s.province_id
       WHERE m.id = ?`,
      [matchId],
    );
    const row = result.rows[0];
    if (!row) return undefined;
    return {
      case: {
        district: row.case_district ?? null,
        region: row.case_region ?? null,
        province: row.case_province ?? null,
      },
      sighting: {
        district: row.sighting_district ?? null,
        region: row.sighting_region ?? null,
        province: row.sighting_province ?? null,
      },
    };
  }

  /** Locks a match for review in the caller's transaction. */
  async findForReview(trx: Knex.Transaction, matchId: string) {
    return trx('face_matches')
      .where({ id: matchId })
      .forUpdate()
      .first('id', 'status', 'case_id as caseId', 'sighting_id as sightingId', 'similarity') as Promise<
      | { id: string; status: FaceMatchStatus; caseId: string; sightingId: string; similarity: number }
      | undefined
    >;
  }

  async recordReview(
    trx: Knex.Transaction,
    matchId: string,
    review: { status: 'confirmed' | 'rejected'; reason: string; reviewedBy: string },
  ): Promise<Date> {
    const [row] = await trx('face_matches')
      .where({ id: matchId, status: 'candidate' })
      .update({
        status: review.status,
        review_reason: review.reason,
        reviewed_by: review.reviewedBy,
        reviewed_at: trx.fn.now(),
      })
      .returning('reviewed_at as reviewedAt');
    return (row as { reviewedAt: Date }).reviewedAt;
  }
}
