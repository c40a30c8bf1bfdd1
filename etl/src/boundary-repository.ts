import type { Knex } from 'knex';
import type { JurisdictionLevel } from './urdu-names.js';

export interface NewJurisdiction {
  versionId: number;
  level: JurisdictionLevel;
  code: string;
  name: string;
  nameUr: string | null;
  parentId: number | null;
  sourceRef: string | null;
  /** GeoJSON Polygon or MultiPolygon in WGS 84 longitude/latitude. */
  geometry: object;
}

export interface InsertedJurisdiction {
  id: number;
  /** True when the source geometry was invalid and ST_MakeValid repaired it. */
  repaired: boolean;
  /** GEOS's reason for the invalidity, e.g. "Self-intersection[66.5 25.2]". */
  invalidReason: string | null;
  /** True when nothing polygonal was left after the repair; the row is then not kept. */
  empty: boolean;
}

/** All SQL that writes boundary versions, jurisdictions and their lookup pieces. */
export class BoundaryRepository {
  constructor(private readonly db: Knex) {}

  async findVersionBySha256(sha256: string): Promise<{ id: number; status: string } | undefined> {
    return this.db('boundary_versions')
      .select('id', 'status')
      .where({ source_sha256: sha256 })
      .whereIn('status', ['draft', 'live'])
      .orderBy('id', 'desc')
      .first();
  }

  async createDraftVersion(trx: Knex.Transaction, sourceName: string, sha256: string, createdBy: string) {
    const [row] = await trx('boundary_versions')
      .insert({ source_name: sourceName, source_sha256: sha256, status: 'draft', created_by: createdBy })
      .returning('id');
    return (row as { id: number }).id;
  }

  /**
   * Inserts one jurisdiction. The geometry is flattened to 2D, repaired with ST_MakeValid when invalid
   * (keeping only its polygonal part), and stored as a MultiPolygon; an empty result is deleted again.
   */
  async insertJurisdiction(
    trx: Knex.Transaction,
    jurisdiction: NewJurisdiction,
  ): Promise<InsertedJurisdiction> {
    const result = await trx.raw(
      `WITH source AS (
         SELECT ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON(?)), 4326) AS geom
       ),
       checked AS (
         SELECT geom, ST_IsValid(geom) AS valid FROM source
       ),
       repaired AS (
         SELECT valid,
                CASE WHEN valid THEN NULL ELSE ST_IsValidReason(geom) END AS reason,
                ST_Multi(ST_CollectionExtract(CASE WHEN valid THEN geom ELSE ST_MakeValid(geom) END, 3)) AS geom
         FROM checked
       )
       INSERT INTO jurisdictions (version_id, level, code, name, name_ur, parent_id, source_ref, repaired, repair_note, geom)
       SELECT ?, ?, ?, ?, ?, ?, ?, NOT valid, reason, geom FROM repaired
       RETURNING id, repaired, repair_note AS invalid_reason, ST_IsEmpty(geom) AS empty`,
      [
        JSON.stringify(jurisdiction.geometry),
        jurisdiction.versionId,
        jurisdiction.level,
        jurisdiction.code,
        jurisdiction.name,
        jurisdiction.nameUr,
        jurisdiction.parentId,
        jurisdiction.sourceRef,
      ],
    );
    const row = result.rows[0] as {
      id: number;
      repaired: boolean;
      invalid_reason: string | null;
      empty: boolean;
    };
    if (row.empty) await trx('jurisdictions').where({ id: row.id }).delete();
    return { id: row.id, repaired: row.repaired, invalidReason: row.invalid_reason, empty: row.empty };
  }

  /**
   * Cuts every polygon of a version into pieces of at most `maxVertices` vertices for the point lookup.
   * Returns the number of pieces written.
   */
  async subdivideVersion(trx: Knex.Transaction, versionId: number, maxVertices = 128): Promise<number> {
    const result = await trx.raw(
      `INSERT INTO jurisdiction_pieces (jurisdiction_id, version_id, level, geom)
       SELECT j.id, j.version_id, j.level, (ST_Dump(ST_Subdivide(j.geom, ?))).geom
       FROM jurisdictions j
       WHERE j.version_id = ?`,
      [maxVertices, versionId],
    );
    return result.rowCount ?? 0;
  }

  async saveImportReport(trx: Knex.Transaction, versionId: number, report: object): Promise<void> {
    await trx('boundary_versions')
      .where({ id: versionId })
      .update({ import_report: JSON.stringify(report) });
  }

  async analyze(): Promise<void> {
    await this.db.raw('ANALYZE jurisdictions, jurisdiction_pieces');
  }

  /** Retires the live version (if any) and makes `versionId` live, in the caller's transaction. */
  async publishVersion(trx: Knex.Transaction, versionId: number): Promise<void> {
    // Lock the versions table against a concurrent publish; routing queries keep reading the old
    // live version until this transaction commits, then see only the new one.
    await trx.raw('LOCK TABLE boundary_versions IN SHARE ROW EXCLUSIVE MODE');
    await trx('boundary_versions')
      .where({ status: 'live' })
      .update({ status: 'retired', retired_at: trx.fn.now() });
    await trx('boundary_versions')
      .where({ id: versionId })
      .update({ status: 'live', published_at: trx.fn.now() });
  }
}
