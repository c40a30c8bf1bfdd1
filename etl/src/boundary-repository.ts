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

  /** Creates the draft version of a general import and returns its id. */
  async createImportDraft(trx: Knex.Transaction, draft: NewImportDraft): Promise<number> {
    const [row] = await trx('boundary_versions')
      .insert({
        source_name: draft.sourceName,
        source_sha256: draft.sha256,
        status: 'draft',
        created_by: draft.createdBy,
        level: draft.level,
        source_format: draft.format,
        source_layer: draft.layer,
        source_crs: draft.crs,
        based_on_version_id: draft.basedOnVersionId,
      })
      .returning('id');
    return (row as { id: number }).id;
  }

  async setScope(trx: Knex.Transaction, versionId: number, scopeCodes: string[]): Promise<void> {
    await trx('boundary_versions').where({ id: versionId }).update({ scope_codes: scopeCodes });
  }

  /** Codes the version's import removed from the live version, as listed in its import report. */
  async removedCodes(db: Knex | Knex.Transaction, versionId: number): Promise<string[]> {
    const row = await db('boundary_versions')
      .where({ id: versionId })
      .first(db.raw(`coalesce(import_report->'codeChanges'->'removed', '[]'::jsonb) AS removed`));
    return (row?.removed as string[] | undefined) ?? [];
  }

  async findVersion(db: Knex | Knex.Transaction, versionId: number): Promise<BoundaryVersionRow | undefined> {
    return db('boundary_versions').select(VERSION_COLUMNS).where({ id: versionId }).first() as Promise<
      BoundaryVersionRow | undefined
    >;
  }

  async findLiveVersion(db: Knex | Knex.Transaction): Promise<BoundaryVersionRow | undefined> {
    return db('boundary_versions').select(VERSION_COLUMNS).where({ status: 'live' }).first() as Promise<
      BoundaryVersionRow | undefined
    >;
  }

  /** Counts what would break routing if the version went live: orphans and a missing district level. */
  async publishBlockers(
    db: Knex | Knex.Transaction,
    versionId: number,
  ): Promise<{ districts: number; withoutParent: number; examples: string[] }> {
    const result = await db.raw(
      `SELECT count(*) FILTER (WHERE level = 'district') AS districts,
              count(*) FILTER (WHERE level <> 'province' AND parent_id IS NULL) AS without_parent,
              (array_agg(level || ' ' || code ORDER BY code) FILTER (WHERE level <> 'province' AND parent_id IS NULL))[1:5]
                AS examples
       FROM jurisdictions WHERE version_id = ?`,
      [versionId],
    );
    const row = result.rows[0] as { districts: number; without_parent: number; examples: string[] | null };
    return { districts: row.districts, withoutParent: row.without_parent, examples: row.examples ?? [] };
  }

  /**
   * The live version and the version that was live before it was last published (not rolled back
   * to), so that repeated rollbacks walk back through the publication history.
   */
  async rollbackTarget(
    db: Knex | Knex.Transaction,
  ): Promise<{ versionId: number; previousVersionId: number | null } | undefined> {
    const current = (await db('boundary_publications').select('version_id').whereNull('valid_to').first()) as
      | { version_id: number }
      | undefined;
    if (!current) return undefined;
    const published = (await db('boundary_publications')
      .select('previous_version_id')
      .where({ version_id: current.version_id, action: 'publish' })
      .orderBy('id', 'desc')
      .first()) as { previous_version_id: number | null } | undefined;
    return { versionId: current.version_id, previousVersionId: published?.previous_version_id ?? null };
  }

  /** Deletes a draft version with its jurisdictions and pieces. Returns false if it is not a draft. */
  async deleteDraft(db: Knex | Knex.Transaction, versionId: number): Promise<boolean> {
    const deleted = await db('boundary_versions').where({ id: versionId, status: 'draft' }).delete();
    return deleted > 0;
  }

  /**
   * Retires the live version (if any) and makes `versionId` live, in the caller's transaction, and
   * records the change in boundary_publications: the old period ends and a new one starts now.
   * Returns the id of the version that was live before.
   */
  async publishVersion(
    trx: Knex.Transaction,
    versionId: number,
    publishedBy?: string,
    action: 'publish' | 'rollback' = 'publish',
  ): Promise<number | undefined> {
    // Lock the versions table against a concurrent publish; routing queries keep reading the old
    // live version until this transaction commits, then see only the new one.
    await trx.raw('LOCK TABLE boundary_versions IN SHARE ROW EXCLUSIVE MODE');
    const by =
      publishedBy ??
      (
        (await trx('boundary_versions').select('created_by').where({ id: versionId }).first()) as {
          created_by: string;
        }
      ).created_by;
    const previous = (await trx('boundary_versions').select('id').where({ status: 'live' }).first()) as
      | { id: number }
      | undefined;

    await trx('boundary_versions')
      .where({ status: 'live' })
      .update({ status: 'retired', retired_at: trx.fn.now(), retired_by: by });
    await trx('boundary_versions').where({ id: versionId }).update({
      status: 'live',
      published_at: trx.fn.now(),
      published_by: by,
      retired_at: null,
      retired_by: null,
    });

    await trx('boundary_publications').whereNull('valid_to').update({ valid_to: trx.fn.now(), ended_by: by });
    await trx('boundary_publications').insert({
      version_id: versionId,
      previous_version_id: previous?.id ?? null,
      action,
      published_by: by,
    });
    return previous?.id;
  }
}

export interface NewImportDraft {
  sourceName: string;
  sha256: string;
  createdBy: string;
  level: string;
  format: string;
  layer: string;
  /** The CRS the coordinates were read in, e.g. "EPSG:32642". */
  crs: string;
  basedOnVersionId: number | null;
}

export interface BoundaryVersionRow {
  id: number;
  status: 'draft' | 'live' | 'retired';
  sourceName: string;
  createdBy: string;
  createdAt: Date;
  publishedAt: Date | null;
  publishedBy: string | null;
  retiredAt: Date | null;
  level: string | null;
}

const VERSION_COLUMNS = [
  'id',
  'status',
  'source_name as sourceName',
  'created_by as createdBy',
  'created_at as createdAt',
  'published_at as publishedAt',
  'published_by as publishedBy',
  'retired_at as retiredAt',
  'level',
];
