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
  jurisdiction: GeofenceMatch | undefined;
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

  /** Finds the id of a case by its tracking code or id, whatever its status. */
  async findCaseId(reference: { trackingCode?: string; caseId?: string }): Promise<string | undefined> {
    const query = this.db('cases').first('id');
    if (reference.caseId) query.where({ id: reference.caseId });
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
