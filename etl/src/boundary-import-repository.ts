import type { Knex } from 'knex';
import type { ImportLevel } from './import-levels.js';

/** One feature ready for staging: attributes as JSON text, geometry as GeoJSON text (source CRS). */
export interface StagedFeatureInput {
  index: number;
  propertiesJson: string;
  geometryJson: string | null;
  /** Set when the reader could not read the geometry. */
  problem: string | null;
}

/** Source CRS for the reprojection to WGS 84: an EPSG code, or a WKT/PROJ definition for PROJ to read. */
export type SourceTransform = { srid: number } | { definition: string };

export interface StagedRow {
  index: number;
  code: string | null;
  name: string;
  parentId: number | null;
}

export interface DraftJurisdiction {
  id: number;
  level: ImportLevel;
  code: string;
  name: string;
  nameUr: string | null;
  parentId: number | null;
}

/**
 * SQL of one import run, inside the caller's transaction: the staging table (`import_features`,
 * dropped at commit), geometry normalisation, the copy of the live version into the draft, parent
 * lookup, and the insert of the new jurisdictions.
 */
export class BoundaryImportRepository {
  constructor(private readonly trx: Knex.Transaction) {}

  async createStaging(): Promise<void> {
    await this.trx.raw(`
      CREATE TEMP TABLE import_features (
        feature_index   integer PRIMARY KEY,
        properties      jsonb NOT NULL,
        geom            geometry,
        problem         text,
        repair_reason   text,
        code            text,
        name            text,
        name_ur         text,
        parent_value    text,
        population      bigint,
        population_year smallint,
        parent_within   integer,
        parent_id       integer,
        parent_how      text,
        jurisdiction_id integer
      ) ON COMMIT DROP;

      -- Parses a count such as a population, with optional thousands separators and decimals (rounded).
      -- Returns NULL for text, for values below 1 and for values of more than 15 digits. The pattern
      -- has no question mark, which knex would take for a binding.
      CREATE OR REPLACE FUNCTION pg_temp.import_count(value text) RETURNS bigint
      LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN c ~ '^[0-9]{1,15}([.][0-9]+){0,1}$' AND c::numeric >= 1 THEN round(c::numeric)::bigint END
        FROM (SELECT regexp_replace(value, '[,[:space:]]', '', 'g') AS c) compact
      $$;

      -- Parses one GeoJSON geometry, returning the parser's message instead of failing the whole batch.
      CREATE OR REPLACE FUNCTION pg_temp.import_parse_geojson(document text, OUT geom geometry, OUT error text)
      LANGUAGE plpgsql AS $$
      BEGIN
        geom := ST_GeomFromGeoJSON(document);
      EXCEPTION WHEN OTHERS THEN
        error := 'unreadable geometry: ' || SQLERRM;
      END $$;
    `);
  }

  async stageBatch(features: StagedFeatureInput[]): Promise<void> {
    if (features.length === 0) return;
    await this.trx.raw(
      `INSERT INTO import_features (feature_index, properties, geom, problem)
       SELECT t.i, t.p, g.geom, coalesce(t.e, g.error)
       FROM unnest(?::int[], ?::jsonb[], ?::text[], ?::text[]) AS t(i, p, d, e)
       CROSS JOIN LATERAL pg_temp.import_parse_geojson(t.d) AS g`,
      arrays(
        features.map((feature) => feature.index),
        features.map((feature) => feature.propertiesJson),
        features.map((feature) => feature.geometryJson),
        features.map((feature) => feature.problem),
      ),
    );
  }

  /** Returns whether spatial_ref_sys contains this EPSG code. */
  async sridExists(srid: number): Promise<boolean> {
    const result = await this.trx.raw('SELECT 1 FROM spatial_ref_sys WHERE srid = ?', [srid]);
    return result.rows.length > 0;
  }

  /**
   * Finds the EPSG code whose name matches a WKT name once case and punctuation are ignored and
   * ESRI spellings are aligned ("WGS_1984_UTM_Zone_42N" = "WGS 84 / UTM zone 42N"), and which
   * transforms `probe` to the same place as the WKT itself (within 1 cm). Returns undefined otherwise.
   */
  async findSridMatchingDefinition(
    name: string,
    definition: string,
    probe: [number, number],
  ): Promise<number | undefined> {
    const normalized = name
      .toLowerCase()
      .replace(/^gcs_/, '')
      .replace(/[^a-z0-9]+/g, '')
      .replace(/wgs1984/g, 'wgs84');
    const result = await this.trx.raw(
      `WITH named AS (
         SELECT srid FROM spatial_ref_sys
         WHERE auth_name = 'EPSG'
           AND regexp_replace(lower(substring(srtext from '^[A-Z_]+\\["([^"]+)"')), '[^a-z0-9]+', '', 'g') = ?
       )
       SELECT srid FROM named
       WHERE ST_Distance(
         ST_Transform(ST_SetSRID(ST_MakePoint(?, ?), srid), 4326)::geography,
         ST_Transform(ST_MakePoint(?, ?), ?, 4326)::geography
       ) < 0.01
       ORDER BY srid
       LIMIT 1`,
      [normalized, probe[0], probe[1], probe[0], probe[1], definition],
    );
    return (result.rows[0] as { srid: number } | undefined)?.srid;
  }

  /**
   * Flattens to 2D, reprojects to WGS 84, keeps the polygonal part, repairs invalid polygons with
   * ST_MakeValid and records every feature that cannot be stored, with the reason.
   */
  async normalizeGeometries(transform: SourceTransform): Promise<void> {
    await this.trx.raw(`
      UPDATE import_features SET problem = 'no geometry (null)' WHERE geom IS NULL AND problem IS NULL;
      UPDATE import_features SET problem = 'empty geometry' WHERE problem IS NULL AND ST_IsEmpty(geom);
    `);
    if ('srid' in transform) {
      await this.trx.raw(
        `UPDATE import_features
         SET geom = CASE WHEN ?::int = 4326 THEN ST_SetSRID(ST_Force2D(geom), 4326)
                         ELSE ST_Transform(ST_SetSRID(ST_Force2D(geom), ?::int), 4326) END
         WHERE problem IS NULL`,
        [transform.srid, transform.srid],
      );
    } else {
      await this.trx.raw(
        `UPDATE import_features SET geom = ST_Transform(ST_SetSRID(ST_Force2D(geom), 0), ?, 4326)
         WHERE problem IS NULL`,
        [transform.definition],
      );
    }
    await this.trx.raw(`
      UPDATE import_features
      SET problem = 'geometry is ' || ST_GeometryType(geom) || ' (no area), not a polygon'
      WHERE problem IS NULL AND ST_Dimension(geom) < 2;

      UPDATE import_features SET geom = ST_CollectionExtract(geom, 3)
      WHERE problem IS NULL AND ST_GeometryType(geom) = 'ST_GeometryCollection';

      UPDATE import_features
      SET repair_reason = ST_IsValidReason(geom),
          geom = ST_CollectionExtract(ST_MakeValid(geom), 3)
      WHERE problem IS NULL AND NOT ST_IsValid(geom);

      UPDATE import_features
      SET problem = 'nothing polygonal left after repair (' || repair_reason || ')'
      WHERE problem IS NULL AND (ST_IsEmpty(geom) OR ST_Area(geom) = 0);

      UPDATE import_features SET geom = ST_Multi(geom) WHERE problem IS NULL;
    `);
  }

  /**
   * Copies the mapped attribute values into columns; a feature without a name is rejected. A list
   * value (Who's On First writes names as lists) contributes its first element.
   */
  async applyMapping(mapping: {
    code?: string;
    name: string;
    nameUr?: string;
    parent?: string;
    population?: string;
    populationYear?: string;
    /** The year of every population when no year attribute is mapped or a feature's year is invalid. */
    populationYearFromName?: number;
  }): Promise<void> {
    const value = (field: string | undefined) =>
      field === undefined
        ? 'NULL'
        : `nullif(btrim(CASE WHEN jsonb_typeof(properties -> ${quoteLiteral(field)}) = 'array'
                             THEN properties -> ${quoteLiteral(field)} ->> 0
                             ELSE properties ->> ${quoteLiteral(field)} END), '')`;
    await this.trx.raw(
      `UPDATE import_features
       SET name = ${value(mapping.name)}, code = ${value(mapping.code)},
           name_ur = ${value(mapping.nameUr)}, parent_value = ${value(mapping.parent)},
           population = pg_temp.import_count(${value(mapping.population)})`,
    );
    // A year only goes with a population, and only a year from 1800 to 2200.
    await this.trx.raw(
      `UPDATE import_features
       SET population_year = CASE WHEN population IS NOT NULL THEN coalesce(
             (SELECT y FROM pg_temp.import_count(${value(mapping.populationYear)}) AS y WHERE y BETWEEN 1800 AND 2200),
             ?::smallint) END`,
      [mapping.populationYearFromName ?? null],
    );
    await this.trx.raw(
      `UPDATE import_features SET problem = 'the name attribute "' || ? || '" is empty'
       WHERE problem IS NULL AND name IS NULL`,
      [mapping.name],
    );
  }

  /** Counts the accepted features without a population, with up to five of their indexes. */
  async featuresWithoutPopulation(): Promise<{ count: number; examples: number[] }> {
    const { rows } = await this.trx.raw(
      `SELECT count(*)::integer AS count, (array_agg(feature_index ORDER BY feature_index))[1:5] AS examples
       FROM import_features WHERE problem IS NULL AND population IS NULL`,
    );
    const row = rows[0] as { count: number; examples: number[] | null };
    return { count: row.count, examples: row.examples ?? [] };
  }

  /** Returns the bounding box of the staged geometries in source coordinates, or undefined if none. */
  async stagedExtent(): Promise<[number, number, number, number] | undefined> {
    const result = await this.trx.raw(
      `SELECT ST_XMin(e) AS xmin, ST_YMin(e) AS ymin, ST_XMax(e) AS xmax, ST_YMax(e) AS ymax
       FROM (SELECT ST_Extent(geom) AS e FROM import_features WHERE problem IS NULL) extent`,
    );
    const row = result.rows[0] as { xmin: number | null; ymin: number; xmax: number; ymax: number };
    return row.xmin === null ? undefined : [row.xmin, row.ymin, row.xmax, row.ymax];
  }

  /**
   * Copies every jurisdiction of `baseVersionId` into the draft with its lookup pieces, and returns
   * how many were copied. Parent links are remapped to the copies.
   */
  async copyVersion(baseVersionId: number, draftVersionId: number): Promise<number> {
    await this.trx.raw(`CREATE TEMP TABLE import_copied (old_id integer, new_id integer) ON COMMIT DROP`);
    const copied = await this.trx.raw(
      `WITH inserted AS (
         INSERT INTO jurisdictions (version_id, level, code, name, name_ur, parent_id, source_ref, repaired,
                                    repair_note, geom, source_index, source_properties, population, population_year)
         SELECT ?, level, code, name, name_ur, parent_id, source_ref, repaired, repair_note, geom,
                source_index, source_properties, population, population_year
         FROM jurisdictions WHERE version_id = ?
         RETURNING id, level, code
       )
       INSERT INTO import_copied (old_id, new_id)
       SELECT old.id, inserted.id
       FROM inserted JOIN jurisdictions old ON old.version_id = ? AND old.level = inserted.level AND old.code = inserted.code`,
      [draftVersionId, baseVersionId, baseVersionId],
    );
    await this.trx.raw(
      `UPDATE jurisdictions j SET parent_id = m.new_id
       FROM import_copied m WHERE j.version_id = ? AND j.parent_id = m.old_id`,
      [draftVersionId],
    );
    await this.trx.raw(
      `INSERT INTO jurisdiction_pieces (jurisdiction_id, version_id, level, geom)
       SELECT m.new_id, ?, p.level, p.geom
       FROM jurisdiction_pieces p JOIN import_copied m ON m.old_id = p.jurisdiction_id`,
      [draftVersionId],
    );
    return copied.rowCount ?? 0;
  }

  /** Reads the draft's jurisdictions of the given levels (no geometry). */
  async draftJurisdictions(versionId: number, levels: ImportLevel[]): Promise<DraftJurisdiction[]> {
    if (levels.length === 0) return [];
    const rows = await this.trx('jurisdictions')
      .select('id', 'level', 'code', 'name', 'name_ur as nameUr', 'parent_id as parentId')
      .where({ version_id: versionId })
      .whereIn('level', levels);
    return rows as DraftJurisdiction[];
  }

  /** Returns the distinct parent attribute values of the features still accepted. */
  async distinctParentValues(): Promise<string[]> {
    const result = await this.trx.raw(
      `SELECT DISTINCT parent_value FROM import_features WHERE problem IS NULL AND parent_value IS NOT NULL`,
    );
    return (result.rows as { parent_value: string }[]).map((row) => row.parent_value);
  }

  /**
   * Records what each parent attribute value resolved to: a parent (`parentId`), or an ancestor
   * (`withinId`) among whose descendants the parent is then found by location.
   */
  async setNamedParents(resolved: { value: string; parentId: number | null; withinId: number | null }[]) {
    if (resolved.length === 0) return;
    await this.trx.raw(
      `UPDATE import_features f
       SET parent_id = r.parent_id, parent_within = r.within_id,
           parent_how = CASE WHEN r.parent_id IS NOT NULL THEN 'attribute' END
       FROM unnest(?::text[], ?::int[], ?::int[]) AS r(value, parent_id, within_id)
       WHERE f.problem IS NULL AND f.parent_value = r.value`,
      arrays(
        resolved.map((item) => item.value),
        resolved.map((item) => item.parentId),
        resolved.map((item) => item.withinId),
      ),
    );
  }

  /**
   * Finds the parent of every accepted feature that has none yet, by location: the parent-level
   * jurisdiction containing ST_PointOnSurface of the feature, else the one it overlaps most. When the
   * parent attribute named an ancestor, only that ancestor's descendants are candidates.
   */
  async locateParents(draftVersionId: number, parentLevel: ImportLevel): Promise<void> {
    await this.trx.raw(
      `UPDATE import_features f
       SET parent_id = found.id, parent_how = 'location'
       FROM (
         SELECT f2.feature_index,
                (SELECT p.jurisdiction_id
                 FROM jurisdiction_pieces p
                 JOIN jurisdictions c ON c.id = p.jurisdiction_id
                 LEFT JOIN jurisdictions up ON up.id = c.parent_id
                 WHERE p.version_id = ? AND p.level = ?
                   AND ST_Intersects(p.geom, ST_PointOnSurface(f2.geom))
                   AND (f2.parent_within IS NULL OR c.parent_id = f2.parent_within OR up.parent_id = f2.parent_within)
                 ORDER BY c.code
                 LIMIT 1) AS id
         FROM import_features f2
         WHERE f2.problem IS NULL AND f2.parent_id IS NULL
       ) found
       WHERE f.feature_index = found.feature_index AND found.id IS NOT NULL`,
      [draftVersionId, parentLevel],
    );
    await this.trx.raw(
      `UPDATE import_features f
       SET parent_id = found.id, parent_how = 'location (largest overlap)'
       FROM (
         SELECT f2.feature_index,
                (SELECT c.id
                 FROM jurisdictions c
                 LEFT JOIN jurisdictions up ON up.id = c.parent_id
                 WHERE c.version_id = ? AND c.level = ? AND ST_Intersects(c.geom, f2.geom)
                   AND (f2.parent_within IS NULL OR c.parent_id = f2.parent_within OR up.parent_id = f2.parent_within)
                 ORDER BY ST_Area(ST_Intersection(c.geom, f2.geom)) DESC, c.code
                 LIMIT 1) AS id
         FROM import_features f2
         WHERE f2.problem IS NULL AND f2.parent_id IS NULL
       ) found
       WHERE f.feature_index = found.feature_index AND found.id IS NOT NULL`,
      [draftVersionId, parentLevel],
    );
  }

  /** Reads the accepted features' identity columns, in file order, for code assignment. */
  async acceptedRows(): Promise<StagedRow[]> {
    const result = await this.trx.raw(
      `SELECT feature_index AS index, code, name, parent_id AS "parentId"
       FROM import_features WHERE problem IS NULL ORDER BY feature_index`,
    );
    return result.rows as StagedRow[];
  }

  /**
   * Refreshes the planner statistics of the staging table and indexes its codes. Without them
   * Postgres assumes a temporary table is tiny and joins it by nested loops, which takes minutes
   * for 100,000 features.
   */
  async analyzeStaging(): Promise<void> {
    await this.trx.raw('CREATE INDEX IF NOT EXISTS import_features_code ON import_features (code)');
    await this.trx.raw('ANALYZE import_features');
  }

  async setCodes(codes: { index: number; code: string }[]): Promise<void> {
    for (let start = 0; start < codes.length; start += 10_000) {
      const chunk = codes.slice(start, start + 10_000);
      await this.trx.raw(
        `UPDATE import_features f SET code = c.code
         FROM unnest(?::int[], ?::text[]) AS c(feature_index, code)
         WHERE f.feature_index = c.feature_index`,
        [chunk.map((item) => item.index), chunk.map((item) => item.code)],
      );
    }
  }

  async rejectFeatures(rejections: { index: number; reason: string }[]): Promise<void> {
    if (rejections.length === 0) return;
    await this.trx.raw(
      `UPDATE import_features f SET problem = r.reason
       FROM unnest(?::int[], ?::text[]) AS r(feature_index, reason)
       WHERE f.feature_index = r.feature_index`,
      [rejections.map((item) => item.index), rejections.map((item) => item.reason)],
    );
  }

  /**
   * Removes from the draft the jurisdictions of `level` that the import replaces: those under the
   * given scope units, those with the given codes, or all of them. Their children lose their parent first, so the delete does not cascade
   * to them; relinkChildren() finds them a new parent. Returns the codes removed.
   */
  async removeReplaced(
    draftVersionId: number,
    level: ImportLevel,
    replaced: { scopeLevel: ImportLevel; scopeIds: number[] } | { codes: string[] } | 'all',
  ): Promise<{ code: string; name: string }[]> {
    let inScope = 'TRUE';
    let bindings: (number[] | string[])[] = [];
    if (replaced !== 'all' && 'codes' in replaced) {
      inScope = 'j.code = ANY(?::text[])';
      bindings = [replaced.codes];
    } else if (replaced !== 'all') {
      inScope = `j.id IN (${scopeQuery(level, replaced.scopeLevel)})`;
      bindings = [replaced.scopeIds];
    }
    await this.trx.raw(
      `CREATE TEMP TABLE import_replaced ON COMMIT DROP AS
       SELECT j.id, j.code, j.name FROM jurisdictions j
       WHERE j.version_id = ? AND j.level = ? AND ${inScope}`,
      [draftVersionId, level, ...bindings] as readonly Knex.RawBinding[],
    );
    await this.trx.raw(
      `CREATE TEMP TABLE import_detached ON COMMIT DROP AS
       SELECT c.id FROM jurisdictions c WHERE c.parent_id IN (SELECT id FROM import_replaced);
       UPDATE jurisdictions SET parent_id = NULL WHERE id IN (SELECT id FROM import_detached);
       DELETE FROM jurisdictions WHERE id IN (SELECT id FROM import_replaced);`,
    );
    const removed = await this.trx.raw(`SELECT code, name FROM import_replaced ORDER BY code`);
    return removed.rows as { code: string; name: string }[];
  }

  /** Returns codes of the draft's `level` jurisdictions that stay (outside the replaced scope). */
  async keptCodes(draftVersionId: number, level: ImportLevel): Promise<Map<string, string>> {
    const rows = (await this.trx('jurisdictions')
      .select('code', 'name')
      .where({ version_id: draftVersionId, level })) as { code: string; name: string }[];
    return new Map(rows.map((row) => [row.code, row.name]));
  }

  /**
   * Inserts the accepted features as jurisdictions of the draft. Features that share a code become
   * one jurisdiction whose geometry is their union. Returns the number inserted.
   */
  async insertJurisdictions(draftVersionId: number, level: ImportLevel): Promise<number> {
    const result = await this.trx.raw(
      `WITH groups AS (
         -- Features that share a code add up their populations when every one of them has one, and
         -- keep the year when they all give the same one.
         SELECT code, count(*) AS n, min(feature_index) AS first_index,
                CASE WHEN count(population) = count(*) THEN sum(population) END AS population,
                CASE WHEN count(population) = count(*) AND count(population_year) = count(*)
                      AND min(population_year) = max(population_year) THEN min(population_year) END AS population_year
         FROM import_features WHERE problem IS NULL GROUP BY code
       ),
       inserted AS (
         INSERT INTO jurisdictions (version_id, level, code, name, name_ur, parent_id, repaired, repair_note,
                                    geom, source_index, source_properties, population, population_year)
         SELECT ?, ?, f.code, f.name, f.name_ur, f.parent_id, f.repair_reason IS NOT NULL, f.repair_reason,
                CASE WHEN g.n = 1 THEN f.geom
                     ELSE (SELECT ST_Multi(ST_CollectionExtract(ST_Union(m.geom), 3))
                           FROM import_features m WHERE m.problem IS NULL AND m.code = f.code) END,
                f.feature_index, f.properties, g.population, g.population_year
         FROM import_features f JOIN groups g ON g.code = f.code AND g.first_index = f.feature_index
         RETURNING id, code
       )
       UPDATE import_features f SET jurisdiction_id = inserted.id
       FROM inserted WHERE f.problem IS NULL AND f.code = inserted.code`,
      [draftVersionId, level],
    );
    const count = await this.trx.raw(
      'SELECT count(DISTINCT jurisdiction_id) AS n FROM import_features WHERE jurisdiction_id IS NOT NULL',
    );
    void result;
    return Number((count.rows[0] as { n: number }).n);
  }

  /** Cuts the newly inserted jurisdictions into lookup pieces. Returns the number of pieces. */
  async subdivideNew(draftVersionId: number, maxVertices = 128): Promise<number> {
    const result = await this.trx.raw(
      `INSERT INTO jurisdiction_pieces (jurisdiction_id, version_id, level, geom)
       SELECT j.id, j.version_id, j.level, (ST_Dump(ST_Subdivide(j.geom, ?))).geom
       FROM jurisdictions j
       WHERE j.version_id = ? AND j.id IN (SELECT DISTINCT jurisdiction_id FROM import_features)`,
      [maxVertices, draftVersionId],
    );
    return result.rowCount ?? 0;
  }

  /**
   * Gives the children detached by removeReplaced() a parent among the new jurisdictions, by location.
   * Returns those left without one.
   */
  async relinkChildren(
    draftVersionId: number,
    newLevel: ImportLevel,
  ): Promise<{ level: string; code: string; name: string }[]> {
    await this.trx.raw(
      `UPDATE jurisdictions c
       SET parent_id = (
         SELECT p.jurisdiction_id FROM jurisdiction_pieces p
         WHERE p.version_id = ? AND p.level = ? AND ST_Intersects(p.geom, ST_PointOnSurface(c.geom))
         ORDER BY p.jurisdiction_id LIMIT 1)
       WHERE c.id IN (SELECT id FROM import_detached)`,
      [draftVersionId, newLevel],
    );
    const orphans = await this.trx.raw(
      `SELECT level, code, name FROM jurisdictions
       WHERE id IN (SELECT id FROM import_detached) AND parent_id IS NULL ORDER BY code`,
    );
    return orphans.rows as { level: string; code: string; name: string }[];
  }

  /** Reads the rejected features with their attributes, in file order. */
  async rejectedFeatures(limit: number): Promise<{ index: number; reason: string; properties: object }[]> {
    const result = await this.trx.raw(
      `SELECT feature_index AS index, problem AS reason, properties
       FROM import_features WHERE problem IS NOT NULL ORDER BY feature_index LIMIT ?`,
      [limit],
    );
    return result.rows;
  }

  async repairedFeatures(
    limit: number,
  ): Promise<{ index: number; code: string; name: string; reason: string }[]> {
    const result = await this.trx.raw(
      `SELECT feature_index AS index, code, name, repair_reason AS reason
       FROM import_features WHERE problem IS NULL AND repair_reason IS NOT NULL ORDER BY feature_index LIMIT ?`,
      [limit],
    );
    return result.rows;
  }

  async mergedCodes(limit: number): Promise<{ code: string; indexes: number[]; names: string[] }[]> {
    const result = await this.trx.raw(
      `SELECT code, array_agg(feature_index ORDER BY feature_index) AS indexes,
              array_agg(DISTINCT name) AS names
       FROM import_features WHERE problem IS NULL
       GROUP BY code HAVING count(*) > 1 ORDER BY min(feature_index) LIMIT ?`,
      [limit],
    );
    return result.rows;
  }

  async featuresWithoutParent(
    limit: number,
  ): Promise<{ index: number; code: string; name: string; parentValue: string | null }[]> {
    const result = await this.trx.raw(
      `SELECT feature_index AS index, code, name, parent_value AS "parentValue"
       FROM import_features WHERE problem IS NULL AND parent_id IS NULL ORDER BY feature_index LIMIT ?`,
      [limit],
    );
    return result.rows;
  }

  /** Features whose parent attribute named nothing known, so their parent was found by location. */
  async parentsFoundByLocation(
    limit: number,
  ): Promise<{ index: number; name: string; parentValue: string; parentCode: string }[]> {
    const result = await this.trx.raw(
      `SELECT f.feature_index AS index, f.name, f.parent_value AS "parentValue", p.code AS "parentCode"
       FROM import_features f JOIN jurisdictions p ON p.id = f.parent_id
       WHERE f.problem IS NULL AND f.parent_value IS NOT NULL AND f.parent_how LIKE 'location%'
         AND f.parent_within IS NULL
       ORDER BY f.feature_index LIMIT ?`,
      [limit],
    );
    return result.rows;
  }

  /** Returns the distinct rejection reasons with their feature counts, most frequent first. */
  async rejectionReasons(): Promise<{ reason: string; count: number }[]> {
    const result = await this.trx.raw(
      `SELECT problem AS reason, count(*) AS count FROM import_features
       WHERE problem IS NOT NULL GROUP BY problem ORDER BY count(*) DESC, problem LIMIT 5`,
    );
    return result.rows;
  }

  /** Counts of the staged features: read, accepted, rejected, repaired, without parent. */
  async counts(): Promise<{
    read: number;
    accepted: number;
    rejected: number;
    repaired: number;
    withoutParent: number;
  }> {
    const result = await this.trx.raw(
      `SELECT count(*) AS read,
              count(*) FILTER (WHERE problem IS NULL) AS accepted,
              count(*) FILTER (WHERE problem IS NOT NULL) AS rejected,
              count(*) FILTER (WHERE problem IS NULL AND repair_reason IS NOT NULL) AS repaired,
              count(*) FILTER (WHERE problem IS NULL AND parent_id IS NULL) AS "withoutParent"
       FROM import_features`,
    );
    return result.rows[0];
  }
}

// Jurisdictions of `level` whose ancestor at `scopeLevel` is one of the bound ids (`?::int[]`).
function scopeQuery(level: ImportLevel, scopeLevel: ImportLevel): string {
  const depth = { province: 0, region: 1, district: 2, station: 3 };
  const steps = depth[level] - depth[scopeLevel];
  let query = `SELECT j${steps}.id FROM jurisdictions j${steps}`;
  for (let step = steps; step > 0; step -= 1) {
    query += ` JOIN jurisdictions j${step - 1} ON j${step - 1}.id = j${step}.parent_id`;
  }
  return `${query} WHERE j0.id = ANY(?::int[])`;
}

// node-postgres sends JavaScript arrays (nulls included) as Postgres arrays; knex's binding type
// does not list arrays with null elements.
function arrays(...columns: unknown[][]): readonly Knex.RawBinding[] {
  return columns as unknown as readonly Knex.RawBinding[];
}

function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
