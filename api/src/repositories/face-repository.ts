import type { Knex } from 'knex';
import { CASE_STATES, isFinal } from '../cases/case-states.js';
import type { FoundFace } from '../faces/face-detector-pool.js';

/** The table of a photo: a case's photos or a sighting's photos. */
export type PhotoKind = 'case' | 'sighting';

export interface PhotoRef {
  kind: PhotoKind;
  photoId: string;
}

/** A searchable set of faces: those of open cases, or those of sightings. */
export type GalleryName = 'cases' | 'sightings';

export interface PhotoToProcess {
  content: Buffer;
  facesProcessedAt: Date | null;
  faceModelVersion: string | null;
}

/** A detected face with its crop, as the faces table stores it. */
export type NewFace = FoundFace & { crop: Buffer };

/** A face of an open case, with what a search result needs to show about the case. */
export interface CaseFaceRow {
  faceId: string;
  modelVersion: string;
  crop: Buffer;
  caseId: string;
  trackingCode: string;
  status: string;
  publishedAt: Date | null;
  childName: string;
  /** The register's id and name of the child: the published name, else the first word of the name. */
  publicId: string;
  publicName: string;
  childAge: number;
  childSex: string;
  childDescription: string | null;
  lastSeenAt: Date;
  /** Day last seen in Pakistan time (YYYY-MM-DD), as the public register shows it. */
  lastSeenOn: string;
  lat: number;
  lon: number;
  districtCode: string | null;
  districtName: string | null;
  districtNameUr: string | null;
}

/** A face of a sighting photo, with the sighting's time and place. */
export interface SightingFaceRow {
  faceId: string;
  modelVersion: string;
  crop: Buffer;
  sightingId: string;
  caseId: string | null;
  seenAt: Date;
  lat: number;
  lon: number;
  description: string | null;
  districtCode: string | null;
  districtName: string | null;
  districtNameUr: string | null;
}

// Cases in a final state (recovered, closed) leave the face galleries; a transferred case stays.
const CLOSED_CASE_STATUSES: string[] = CASE_STATES.filter(isFinal);

const PHOTO_TABLE: Record<PhotoKind, string> = { case: 'case_photos', sighting: 'sighting_photos' };
const FACE_PHOTO_COLUMN: Record<PhotoKind, string> = { case: 'case_photo_id', sighting: 'sighting_photo_id' };

// The faces of each gallery, as a FROM … WHERE clause over `faces f`.
const GALLERY_FACES: Record<GalleryName, string> = {
  cases: `faces f
    JOIN case_photos p ON p.id = f.case_photo_id
    JOIN cases c ON c.id = p.case_id
    WHERE c.status <> ALL (CAST(:closedStatuses AS text[]))`,
  sightings: `faces f
    WHERE f.sighting_photo_id IS NOT NULL`,
};

/** All SQL about photos' face processing and the faces table. */
export class FaceRepository {
  constructor(private readonly db: Knex) {}

  async findPhotoToProcess(ref: PhotoRef): Promise<PhotoToProcess | undefined> {
    const row = await this.db(PHOTO_TABLE[ref.kind])
      .where({ id: ref.photoId })
      .first('content', 'faces_processed_at as facesProcessedAt', 'face_model_version as faceModelVersion');
    return row as PhotoToProcess | undefined;
  }

  /**
   * Replaces a photo's faces and marks it processed, in the caller's transaction. Returns the new face
   * ids in the order given, or undefined when the photo was deleted meanwhile.
   */
  async replaceFaces(trx: Knex.Transaction, ref: PhotoRef, faces: NewFace[], modelVersion: string) {
    const table = PHOTO_TABLE[ref.kind];
    const column = FACE_PHOTO_COLUMN[ref.kind];
    const locked = await trx(table).where({ id: ref.photoId }).forUpdate().first('id');
    if (!locked) return undefined;

    await trx('faces').where(column, ref.photoId).delete();
    let ids: string[] = [];
    if (faces.length > 0) {
      const rows = await trx('faces')
        .insert(
          faces.map((face) => ({
            [column]: ref.photoId,
            box_x: face.box.x,
            box_y: face.box.y,
            box_width: face.box.width,
            box_height: face.box.height,
            detection_score: face.detectionScore,
            quality: face.quality,
            is_primary: face.primary,
            model_version: face.modelVersion,
            descriptor: descriptorToBytes(face.descriptor),
            crop: face.crop,
          })),
        )
        .returning('id');
      ids = rows.map((row: { id: number | string }) => String(row.id));
    }
    await trx(table).where({ id: ref.photoId }).update({
      faces_processed_at: trx.fn.now(),
      face_count: faces.length,
      face_model_version: modelVersion,
    });
    return ids;
  }

  /** Returns the case of a case photo, or undefined when the photo no longer exists. */
  async findCaseIdOfPhoto(photoId: string): Promise<string | undefined> {
    const row = await this.db('case_photos').where({ id: photoId }).first('case_id as caseId');
    return (row as { caseId: string } | undefined)?.caseId;
  }

  async findSightingIdOfPhoto(trx: Knex.Transaction, photoId: string): Promise<string> {
    const row = await trx('sighting_photos').where({ id: photoId }).first('sighting_id as sightingId');
    if (!row) throw new Error(`sighting photo ${photoId} does not exist`);
    return (row as { sightingId: string }).sightingId;
  }

  /**
   * Photos the face job has not processed `graceMs` after they were stored, or processed with another
   * model version than `modelVersion` when one is given, oldest first.
   */
  async listPhotosToProcess(
    graceMs: number,
    modelVersion: string | undefined,
    limit: number,
  ): Promise<PhotoRef[]> {
    const result = await this.db.raw<{ rows: { kind: PhotoKind; photoId: string }[] }>(
      `(SELECT 'case' AS kind, id AS "photoId", created_at FROM case_photos
        WHERE (faces_processed_at IS NULL AND created_at < now() - make_interval(secs => :graceSeconds))
           OR face_model_version <> :modelVersion
        ORDER BY created_at LIMIT :limit)
       UNION ALL
       (SELECT 'sighting', id, created_at FROM sighting_photos
        WHERE (faces_processed_at IS NULL AND created_at < now() - make_interval(secs => :graceSeconds))
           OR face_model_version <> :modelVersion
        ORDER BY created_at LIMIT :limit)
       ORDER BY created_at
       LIMIT :limit`,
      { graceSeconds: graceMs / 1000, modelVersion: modelVersion ?? null, limit },
    );
    return result.rows.map((row) => ({ kind: row.kind, photoId: row.photoId }));
  }

  /** Ids of every face in a gallery, as decimal strings (the FaceIndex id format). */
  /** Returns the random token that names this database's faces table (see face_index_origin). */
  async faceIndexOrigin(): Promise<string> {
    const row = await this.db('face_index_origin').first<{ token: string } | undefined>('token');
    if (!row) throw new Error('face_index_origin has no row; run the migrations');
    return row.token;
  }

  async listGalleryFaceIds(gallery: GalleryName): Promise<string[]> {
    const result = await this.db.raw<{ rows: { id: string }[] }>(
      `SELECT f.id::text AS id FROM ${GALLERY_FACES[gallery]}`,
      { closedStatuses: CLOSED_CASE_STATUSES },
    );
    return result.rows.map((row) => row.id);
  }

  /**
   * Descriptors of a gallery's faces, all of them or those with the given ids, packed for
   * FaceIndex.buildFromBatch (row i at i × 128).
   */
  async loadGalleryDescriptors(
    gallery: GalleryName,
    onlyIds?: string[],
  ): Promise<{ faceIds: string[]; descriptors: Float32Array }> {
    const filter = onlyIds ? 'AND f.id = ANY(CAST(:ids AS bigint[]))' : '';
    const result = await this.db.raw<{ rows: { id: string; descriptor: Buffer }[] }>(
      `SELECT f.id::text AS id, f.descriptor FROM ${GALLERY_FACES[gallery]} ${filter} ORDER BY f.id`,
      { closedStatuses: CLOSED_CASE_STATUSES, ids: onlyIds ?? [] },
    );
    const descriptors = new Float32Array(result.rows.length * 128);
    result.rows.forEach((row, i) => {
      descriptors.set(bytesToDescriptor(row.descriptor), i * 128);
    });
    return { faceIds: result.rows.map((row) => row.id), descriptors };
  }

  /**
   * Finds the faces among `faceIds` that still belong to open cases, with their case. `publishedOnly` keeps
   * only cases on the public register.
   */
  async findCaseFaces(faceIds: string[], options: { publishedOnly: boolean }): Promise<CaseFaceRow[]> {
    if (faceIds.length === 0) return [];
    const result = await this.db.raw<{ rows: CaseFaceRow[] }>(
      `SELECT f.id::text AS "faceId", f.model_version AS "modelVersion", f.crop,
              c.id AS "caseId", c.tracking_code AS "trackingCode", c.status, c.published_at AS "publishedAt",
              c.child_name AS "childName", c.child_age AS "childAge", c.child_sex AS "childSex",
              c.public_id AS "publicId",
              coalesce(c.public_name, split_part(btrim(c.child_name), ' ', 1)) AS "publicName",
              c.child_description AS "childDescription", c.last_seen_at AS "lastSeenAt",
              to_char(c.last_seen_at AT TIME ZONE 'Asia/Karachi', 'YYYY-MM-DD') AS "lastSeenOn",
              ST_Y(c.last_seen) AS lat, ST_X(c.last_seen) AS lon,
              d.code AS "districtCode", d.name AS "districtName", d.name_ur AS "districtNameUr"
       FROM faces f
       JOIN case_photos p ON p.id = f.case_photo_id
       JOIN cases c ON c.id = p.case_id
       LEFT JOIN jurisdictions d ON d.id = c.district_id
       WHERE c.status <> ALL (CAST(:closedStatuses AS text[]))
         AND f.id = ANY(CAST(:ids AS bigint[]))
         AND (NOT :publishedOnly OR c.published_at IS NOT NULL)`,
      { closedStatuses: CLOSED_CASE_STATUSES, ids: faceIds, publishedOnly: options.publishedOnly },
    );
    return result.rows;
  }

  /** Finds the faces among `faceIds` that belong to sightings, with the sighting. */
  async findSightingFaces(faceIds: string[]): Promise<SightingFaceRow[]> {
    if (faceIds.length === 0) return [];
    const result = await this.db.raw<{ rows: SightingFaceRow[] }>(
      `SELECT f.id::text AS "faceId", f.model_version AS "modelVersion", f.crop,
              s.id AS "sightingId", s.case_id AS "caseId", s.seen_at AS "seenAt",
              ST_Y(s.place) AS lat, ST_X(s.place) AS lon, s.description,
              d.code AS "districtCode", d.name AS "districtName", d.name_ur AS "districtNameUr"
       FROM faces f
       JOIN sighting_photos sp ON sp.id = f.sighting_photo_id
       JOIN sightings s ON s.id = sp.sighting_id
       LEFT JOIN jurisdictions d ON d.id = s.district_id
       WHERE f.id = ANY(CAST(:ids AS bigint[]))`,
      { ids: faceIds },
    );
    return result.rows;
  }
}

/** Packs a descriptor as 128 little-endian float32 values, the bytea layout of faces.descriptor. */
export function descriptorToBytes(descriptor: Float32Array): Buffer {
  const bytes = Buffer.alloc(descriptor.length * 4);
  for (let i = 0; i < descriptor.length; i++) bytes.writeFloatLE(descriptor[i] as number, i * 4);
  return bytes;
}

export function bytesToDescriptor(bytes: Buffer): Float32Array {
  const descriptor = new Float32Array(bytes.length / 4);
  for (let i = 0; i < descriptor.length; i++) descriptor[i] = bytes.readFloatLE(i * 4);
  return descriptor;
}
