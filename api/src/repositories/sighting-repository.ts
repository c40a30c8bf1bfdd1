import type { Knex } from 'knex';
import { photoColumns } from './case-register-repository.js';
import type { NewPhoto } from './case-repository.js';
import type { GeofenceMatch } from './jurisdiction-repository.js';

export interface NewSighting {
  caseId: string | null;
  seenAt: Date;
  place: { lat: number; lon: number };
  description: string | null;
  reporterPhone: string | null;
  atRisk: boolean;
  jurisdiction: GeofenceMatch | undefined;
}

interface RoutedSightingRow {
  id: string;
  caseId: string | null;
  trackingCode: string | null;
  seenAt: Date;
  lat: number;
  lon: number;
  description: string | null;
  reporterPhone: string | null;
  atRisk: boolean;
  seenInDistrict: string | null;
  reasons: string[];
  createdAt: Date;
  photoCount: number;
}

/** All SQL about sightings reported by the public and their photos. */
export class SightingRepository {
  constructor(private readonly db: Knex) {}

  /** Inserts a sighting and its photo, if any, in the caller's transaction. */
  async insert(
    trx: Knex.Transaction,
    sighting: NewSighting,
    photo: NewPhoto | undefined,
  ): Promise<{ id: string; createdAt: Date; photoId: string | null }> {
    const { jurisdiction } = sighting;
    const [row] = await trx('sightings')
      .insert({
        case_id: sighting.caseId,
        seen_at: sighting.seenAt,
        place: trx.raw('ST_SetSRID(ST_MakePoint(?, ?), 4326)', [sighting.place.lon, sighting.place.lat]),
        description: sighting.description,
        reporter_phone: sighting.reporterPhone,
        at_risk: sighting.atRisk,
        district_id: jurisdiction?.district.id ?? null,
        region_id: jurisdiction?.region.id ?? null,
        province_id: jurisdiction?.province.id ?? null,
        boundary_version_id: jurisdiction?.boundaryVersionId ?? null,
        on_border: jurisdiction?.onBorder ?? false,
      })
      .returning(['id', 'created_at']);
    const inserted = row as { id: string; created_at: Date };

    let photoId: string | null = null;
    if (photo) {
      const [photoRow] = await trx('sighting_photos')
        .insert({ sighting_id: inserted.id, ...photoColumns(photo) })
        .returning('id');
      photoId = (photoRow as { id: string }).id;
    }
    return { id: inserted.id, createdAt: inserted.created_at, photoId };
  }

  /** Finds the code of the district a case was routed to; null for an unassigned case. */
  async findCaseDistrictCode(caseId: string, connection: Knex | Knex.Transaction = this.db) {
    const row = (await connection('cases as c')
      .join('jurisdictions as d', 'd.id', 'c.district_id')
      .where('c.id', caseId)
      .first('d.code')) as { code: string } | undefined;
    return row?.code ?? null;
  }

  /**
   * Routes a sighting to the district where it was seen and to its case's district, one row per
   * district with every reason that applies. Returns the district codes, seen-in first.
   */
  async insertRoutes(
    trx: Knex.Transaction,
    sightingId: string,
    districts: { seenIn: string | null; caseDistrict: string | null },
  ): Promise<string[]> {
    const reasons = new Map<string, string[]>();
    if (districts.seenIn) reasons.set(districts.seenIn, ['seen-in']);
    if (districts.caseDistrict) {
      reasons.set(districts.caseDistrict, [...(reasons.get(districts.caseDistrict) ?? []), 'case-district']);
    }
    if (reasons.size === 0) return [];
    await trx('sighting_routes').insert(
      [...reasons].map(([code, why]) => ({ sighting_id: sightingId, jurisdiction_code: code, reasons: why })),
    );
    return [...reasons.keys()];
  }

  async findTrackingCode(caseId: string, trx: Knex.Transaction): Promise<string | null> {
    const row = await trx('cases').where({ id: caseId }).first('tracking_code as trackingCode');
    return (row as { trackingCode: string } | undefined)?.trackingCode ?? null;
  }

  /**
   * Writes the outbox rows that tell the routed districts about a sighting, in the caller's
   * transaction: an SMS to every DPO on duty in those districts and one dashboard update. Returns
   * the outbox ids.
   */
  async insertNotices(
    trx: Knex.Transaction,
    notice: { sightingId: string; caseId: string | null; districtCodes: string[]; smsBody: string },
  ): Promise<string[]> {
    if (notice.districtCodes.length === 0) return [];
    const result = await trx.raw<{ rows: { id: string }[] }>(
      `INSERT INTO outbox (kind, case_id, recipient, payload)
       SELECT 'sms', CAST(:caseId AS uuid), o.phone, jsonb_build_object('body', CAST(:smsBody AS text))
       FROM duty_officers o
       WHERE o.post = 'DPO' AND o.jurisdiction_code = ANY(CAST(:codes AS text[]))
       UNION ALL
       SELECT 'dashboard', CAST(:caseId AS uuid), NULL,
              jsonb_build_object('type', 'sighting', 'sightingId', CAST(:sightingId AS uuid),
                                 'jurisdictionCodes', to_jsonb(CAST(:codes AS text[])))
       RETURNING id`,
      {
        caseId: notice.caseId,
        smsBody: notice.smsBody,
        codes: notice.districtCodes,
        sightingId: notice.sightingId,
      },
    );
    return result.rows.map((row) => row.id);
  }

  /** Finds what a dashboard shows of a new sighting; no reporter phone, description or photo. */
  async findNoticeView(sightingId: string) {
    const result = await this.db.raw<{ rows: SightingNoticeView[] }>(
      `SELECT s.id, s.case_id AS "caseId", c.tracking_code AS "trackingCode", s.seen_at AS "seenAt",
              ST_Y(s.place) AS lat, ST_X(s.place) AS lon, s.at_risk AS "atRisk", d.code AS "seenInDistrict",
              (SELECT count(*)::int FROM sighting_photos p WHERE p.sighting_id = s.id) AS "photoCount"
       FROM sightings s
       LEFT JOIN cases c ON c.id = s.case_id
       LEFT JOIN jurisdictions d ON d.id = s.district_id
       WHERE s.id = ?`,
      [sightingId],
    );
    return result.rows[0];
  }

  /**
   * Lists the sightings routed to a district, newest first, with why each came there. The reporter's
   * phone is included: these rows are for the police of that district only.
   */
  async listRouted(districtCode: string, limit: number) {
    const result = await this.db.raw<{ rows: RoutedSightingRow[] }>(
      `SELECT s.id, s.case_id AS "caseId", c.tracking_code AS "trackingCode", s.seen_at AS "seenAt",
              ST_Y(s.place) AS lat, ST_X(s.place) AS lon, s.description, s.reporter_phone AS "reporterPhone",
              s.at_risk AS "atRisk", d.code AS "seenInDistrict", r.reasons, s.created_at AS "createdAt",
              (SELECT count(*)::int FROM sighting_photos p WHERE p.sighting_id = s.id) AS "photoCount"
       FROM sighting_routes r
       JOIN sightings s ON s.id = r.sighting_id
       LEFT JOIN cases c ON c.id = s.case_id
       LEFT JOIN jurisdictions d ON d.id = s.district_id
       WHERE r.jurisdiction_code = ?
       ORDER BY r.created_at DESC, s.id
       LIMIT ?`,
      [districtCode, limit],
    );
    return result.rows.map((row) => ({
      ...row,
      seenAt: row.seenAt.toISOString(),
      createdAt: row.createdAt.toISOString(),
    }));
  }

  /** Finds the id of a case by its tracking code, id or register id, whatever its status. */
  async findCaseId(reference: {
    trackingCode?: string;
    caseId?: string;
    registerId?: string;
  }): Promise<string | undefined> {
    const query = this.db('cases').first('id');
    if (reference.caseId) query.where({ id: reference.caseId });
    else if (reference.registerId) query.where({ public_id: reference.registerId });
    else if (reference.trackingCode) query.where({ tracking_code: reference.trackingCode });
    else return undefined;
    const row = (await query) as { id: string } | undefined;
    return row?.id;
  }

  async findPhoto(sightingId: string, photoId: string) {
    return this.db('sighting_photos')
      .where({ sighting_id: sightingId, id: photoId })
      .first('media_type as mediaType', 'content') as Promise<
      { mediaType: string; content: Buffer } | undefined
    >;
  }
}

/** A new sighting as dashboards receive it live. */
export interface SightingNoticeView {
  id: string;
  caseId: string | null;
  trackingCode: string | null;
  seenAt: Date;
  lat: number;
  lon: number;
  atRisk: boolean;
  seenInDistrict: string | null;
  photoCount: number;
}
