import type { Knex } from 'knex';
import type { BoundaryImportReport } from '../../../etl/src/import-report.js';

/** A jurisdiction that one boundary version adds, changes or removes compared with another. */
export interface JurisdictionChange {
  level: string;
  code: string;
  /**
   * `imported` marks a feature of an uploaded file, whether or not it changes anything, and
   * `extends` a jurisdiction that reaches into another province (`provinceCode`) by `areaKm2`.
   */
  change: 'added' | 'changed' | 'removed' | 'imported' | 'extends';
  areaKm2?: number;
  /** The province the jurisdiction lies in (its own code for a province); null when it has no parent chain. */
  provinceCode: string | null;
}

/** A boundary version as the review pages list it. */
export interface BoundaryVersionSummary {
  id: number;
  status: 'draft' | 'live' | 'retired';
  level: string | null;
  sourceName: string;
  createdBy: string;
  createdAt: string;
  basedOnVersionId: number | null;
  publishedAt: string | null;
  publishedBy: string | null;
  retiredAt: string | null;
}

interface VersionRow {
  id: number;
  status: BoundaryVersionSummary['status'];
  level: string | null;
  source_name: string;
  created_by: string;
  created_at: Date;
  based_on_version_id: number | null;
  published_at: Date | null;
  published_by: string | null;
  retired_at: Date | null;
}

// The province code of jurisdiction j, found by walking up to three parents (station, district, region).
const PROVINCE_OF = `
  CASE WHEN j.level = 'province' THEN j.code
       WHEN p1.level = 'province' THEN p1.code
       WHEN p2.level = 'province' THEN p2.code
       WHEN p3.level = 'province' THEN p3.code END`;
const PARENT_JOINS = `
  LEFT JOIN jurisdictions p1 ON p1.id = j.parent_id
  LEFT JOIN jurisdictions p2 ON p2.id = p1.parent_id
  LEFT JOIN jurisdictions p3 ON p3.id = p2.parent_id`;

/**
 * SQL that is true when two geometries are the same: identical, or with as many vertices and a
 * Hausdorff distance below 1e-6 degrees (about 10 cm). So a boundary sent again as GeoJSON, which
 * rounds the coordinates, counts as unchanged. Exact copies skip the costlier distance.
 */
const SAME_GEOMETRY = (a: string, b: string) =>
  `(ST_OrderingEquals(${a}, ${b}) OR (ST_NPoints(${a}) = ST_NPoints(${b}) AND ST_HausdorffDistance(${a}, ${b}) < 1e-6))`;

/** All SQL that the boundary review pages read: versions, their differences and map previews. */
export class BoundaryReviewRepository {
  constructor(private readonly db: Knex) {}

  async findVersion(versionId: number): Promise<BoundaryVersionSummary | undefined> {
    const row = (await this.db('boundary_versions').where({ id: versionId }).first()) as
      | VersionRow
      | undefined;
    return row ? toSummary(row) : undefined;
  }

  async findLiveVersion(): Promise<BoundaryVersionSummary | undefined> {
    const row = (await this.db('boundary_versions').where({ status: 'live' }).first()) as
      | VersionRow
      | undefined;
    return row ? toSummary(row) : undefined;
  }

  /** Lists the newest versions first. */
  async listVersions(limit: number): Promise<BoundaryVersionSummary[]> {
    const rows = (await this.db('boundary_versions').orderBy('id', 'desc').limit(limit)) as VersionRow[];
    return rows.map(toSummary);
  }

  async findImportReport(versionId: number): Promise<BoundaryImportReport | null> {
    const row = await this.db('boundary_versions').where({ id: versionId }).first('import_report');
    return (row?.import_report as BoundaryImportReport | null | undefined) ?? null;
  }

  /**
   * Lists the jurisdictions that `versionId` adds, changes (name, Urdu name, parent or geometry by
   * more than rounding) or
   * removes compared with `baseVersionId`, matched by level and code, each with its province. With no
   * base version, every jurisdiction counts as added.
   */
  async listChanges(versionId: number, baseVersionId: number | null): Promise<JurisdictionChange[]> {
    const result = await this.db.raw<{ rows: JurisdictionChange[] }>(
      `WITH draft AS (
         SELECT j.id, j.level, j.code, j.name, j.name_ur, j.geom, p1.code AS parent_code, ${PROVINCE_OF} AS province_code
         FROM jurisdictions j ${PARENT_JOINS}
         WHERE j.version_id = :versionId
       ),
       base AS (
         SELECT j.id, j.level, j.code, j.name, j.name_ur, j.geom, p1.code AS parent_code, ${PROVINCE_OF} AS province_code
         FROM jurisdictions j ${PARENT_JOINS}
         WHERE j.version_id = :baseVersionId
       )
       SELECT d.level, d.code, CASE WHEN b.id IS NULL THEN 'added' ELSE 'changed' END AS change,
              d.province_code AS "provinceCode"
       FROM draft d
       LEFT JOIN base b ON b.level = d.level AND b.code = d.code
       WHERE b.id IS NULL
          OR b.name IS DISTINCT FROM d.name
          OR b.name_ur IS DISTINCT FROM d.name_ur
          OR b.parent_code IS DISTINCT FROM d.parent_code
          OR NOT ${SAME_GEOMETRY('b.geom', 'd.geom')}
       UNION ALL
       SELECT b.level, b.code, 'removed', b.province_code
       FROM base b
       WHERE NOT EXISTS (SELECT 1 FROM draft d WHERE d.level = b.level AND d.code = b.code)
       ORDER BY 1, 2`,
      { versionId, baseVersionId },
    );
    return result.rows;
  }

  /**
   * Lists the jurisdictions of `versionId` with the given codes whose area inside provinces other
   * than `provinceCode` in `liveVersionId` exceeds both `minKm2` and `minShare` of their own area.
   * Areas are geodesic, in km², computed on the provinces' lookup pieces.
   */
  async listSpillOver(
    versionId: number,
    codes: string[],
    liveVersionId: number,
    provinceCode: string,
    limits: { minKm2: number; minShare: number },
  ): Promise<{ level: string; code: string; intoProvince: string; areaKm2: number }[]> {
    if (codes.length === 0) return [];
    const result = await this.db.raw<{
      rows: { level: string; code: string; intoProvince: string; areaKm2: number }[];
    }>(
      `WITH changed AS (
         SELECT j.id, j.level, j.code, j.geom, ST_Area(j.geom::geography) / 1e6 AS area_km2
         FROM jurisdictions j
         WHERE j.version_id = :versionId AND j.code = ANY(:codes)
       ),
       spill AS (
         SELECT c.level, c.code, c.area_km2, other.code AS into_province,
                sum(ST_Area(ST_Intersection(c.geom, piece.geom)::geography)) / 1e6 AS spill_km2
         FROM changed c
         JOIN jurisdiction_pieces piece
           ON piece.version_id = :liveVersionId AND piece.level = 'province' AND ST_Intersects(piece.geom, c.geom)
         JOIN jurisdictions other ON other.id = piece.jurisdiction_id AND other.code <> :provinceCode
         GROUP BY c.level, c.code, c.area_km2, other.code
       )
       SELECT level, code, into_province AS "intoProvince", spill_km2 AS "areaKm2"
       FROM spill
       WHERE spill_km2 > :minKm2 AND spill_km2 > :minShare * area_km2
       ORDER BY spill_km2 DESC`,
      { versionId, codes, liveVersionId, provinceCode, minKm2: limits.minKm2, minShare: limits.minShare },
    );
    return result.rows;
  }

  /**
   * Returns a version's jurisdictions of one level in the given provinces (all when null) as a GeoJSON
   * FeatureCollection text, simplified for display (tolerance in degrees). A feature's `changed`
   * property is true when it differs from the jurisdiction with its code in `compareVersionId`.
   */
  async previewText(
    versionId: number,
    level: string,
    provinceCodes: string[] | null,
    compareVersionId: number | null,
    tolerance: number,
  ): Promise<string> {
    const result = await this.db.raw<{ rows: { collection: string }[] }>(
      `WITH selected AS (
         SELECT j.id, j.level, j.code, j.name, j.name_ur, j.geom, p1.code AS parent_code, ${PROVINCE_OF} AS province_code
         FROM jurisdictions j ${PARENT_JOINS}
         WHERE j.version_id = :versionId AND j.level = :level
       )
       SELECT json_build_object(
         'type', 'FeatureCollection',
         'features', coalesce(json_agg(json_build_object(
           'type', 'Feature',
           'id', s.id,
           'properties', json_build_object(
             'code', s.code, 'name', s.name, 'nameUr', s.name_ur, 'parentCode', s.parent_code,
             'provinceCode', s.province_code,
             'changed', other.id IS NULL OR NOT ${SAME_GEOMETRY('other.geom', 's.geom')}),
           'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(s.geom, :tolerance), 5)::json
         ) ORDER BY s.code), '[]'::json)
       )::text AS collection
       FROM selected s
       LEFT JOIN jurisdictions other
         ON other.version_id = :compareVersionId AND other.level = s.level AND other.code = s.code
       WHERE :allProvinces OR s.province_code = ANY(:provinceCodes)`,
      {
        versionId,
        level,
        tolerance,
        compareVersionId,
        allProvinces: provinceCodes === null,
        provinceCodes: provinceCodes ?? [],
      },
    );
    return result.rows[0]?.collection ?? '{"type":"FeatureCollection","features":[]}';
  }
}

function toSummary(row: VersionRow): BoundaryVersionSummary {
  return {
    id: row.id,
    status: row.status,
    level: row.level,
    sourceName: row.source_name,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    basedOnVersionId: row.based_on_version_id,
    publishedAt: row.published_at?.toISOString() ?? null,
    publishedBy: row.published_by,
    retiredAt: row.retired_at?.toISOString() ?? null,
  };
}
