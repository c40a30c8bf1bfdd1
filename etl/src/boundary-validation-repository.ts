import type { Knex } from 'knex';
import type { ImportLevel } from './import-levels.js';

export interface AreaProblem {
  areaKm2: number;
  /** A point inside the problem area, [lon, lat]. */
  point: [number, number];
}

export interface Overlap extends AreaProblem {
  a: { code: string; name: string };
  b: { code: string; name: string };
}

export interface Gap extends AreaProblem {
  parent: { code: string; name: string };
}

export interface AreaSummary<T> {
  /** Areas below this are counted but not listed. */
  minAreaKm2: number;
  count: number;
  totalKm2: number;
  /** The largest ones, at most `limit`. */
  items: T[];
}

/**
 * Topology checks of a draft version, run after an import in the import's transaction: overlaps
 * between jurisdictions of one level, and gaps that the children leave inside their parent.
 * Areas are geodesic (geography), in km².
 */
export class BoundaryValidationRepository {
  constructor(private readonly trx: Knex.Transaction) {}

  /**
   * Lists overlaps between the imported jurisdictions and any other of the same level in the draft,
   * computed on the lookup pieces so each intersection is between small polygons.
   */
  async overlaps(versionId: number, level: ImportLevel, minAreaKm2: number, limit: number) {
    const result = await this.trx.raw(
      `WITH imported AS (SELECT DISTINCT jurisdiction_id AS id FROM import_features WHERE jurisdiction_id IS NOT NULL),
       piece_overlaps AS (
         SELECT a.jurisdiction_id AS a_id, b.jurisdiction_id AS b_id, ST_Intersection(a.geom, b.geom) AS geom
         FROM jurisdiction_pieces a
         JOIN jurisdiction_pieces b
           ON b.version_id = a.version_id AND b.level = a.level AND b.jurisdiction_id <> a.jurisdiction_id
          AND ST_Intersects(a.geom, b.geom)
         WHERE a.version_id = ? AND a.level = ?
           AND a.jurisdiction_id IN (SELECT id FROM imported)
           AND (a.jurisdiction_id < b.jurisdiction_id OR b.jurisdiction_id NOT IN (SELECT id FROM imported))
           AND ST_Relate(a.geom, b.geom, 'T********')
       ),
       areas AS (
         SELECT a_id, b_id, ST_CollectionExtract(geom, 3) AS geom
         FROM piece_overlaps
       ),
       pairs AS (
         SELECT a_id, b_id,
                sum(ST_Area(geom::geography)) / 1e6 AS area_km2,
                (array_agg(geom ORDER BY ST_Area(geom) DESC))[1] AS largest
         FROM areas WHERE NOT ST_IsEmpty(geom)
         GROUP BY a_id, b_id
       )
       SELECT a.code AS a_code, a.name AS a_name, b.code AS b_code, b.name AS b_name, p.area_km2,
              ST_X(ST_PointOnSurface(p.largest)) AS lon, ST_Y(ST_PointOnSurface(p.largest)) AS lat
       FROM pairs p JOIN jurisdictions a ON a.id = p.a_id JOIN jurisdictions b ON b.id = p.b_id
       ORDER BY p.area_km2 DESC`,
      [versionId, level],
    );
    const rows = result.rows as {
      a_code: string;
      a_name: string;
      b_code: string;
      b_name: string;
      area_km2: number;
      lon: number;
      lat: number;
    }[];
    return summarize(rows, minAreaKm2, limit, (row) => ({
      a: { code: row.a_code, name: row.a_name },
      b: { code: row.b_code, name: row.b_name },
      areaKm2: round(row.area_km2),
      point: [round(row.lon, 6), round(row.lat, 6)] as [number, number],
    }));
  }

  /**
   * Lists the areas inside each parent of an imported jurisdiction that none of the parent's
   * children in the draft covers.
   */
  async gaps(versionId: number, level: ImportLevel, minAreaKm2: number, limit: number) {
    const result = await this.trx.raw(
      `WITH parents AS (
         SELECT DISTINCT j.parent_id AS id FROM jurisdictions j
         WHERE j.id IN (SELECT jurisdiction_id FROM import_features) AND j.parent_id IS NOT NULL
       ),
       uncovered AS (
         SELECT p.id AS parent_id,
                (ST_Dump(ST_CollectionExtract(ST_Difference(
                   p.geom,
                   (SELECT ST_Union(c.geom) FROM jurisdictions c
                    WHERE c.parent_id = p.id AND c.version_id = ? AND c.level = ?)), 3))).geom AS geom
         FROM jurisdictions p WHERE p.id IN (SELECT id FROM parents)
       )
       SELECT p.code, p.name, ST_Area(u.geom::geography) / 1e6 AS area_km2,
              ST_X(ST_PointOnSurface(u.geom)) AS lon, ST_Y(ST_PointOnSurface(u.geom)) AS lat
       FROM uncovered u JOIN jurisdictions p ON p.id = u.parent_id
       WHERE NOT ST_IsEmpty(u.geom)
       ORDER BY area_km2 DESC`,
      [versionId, level],
    );
    const rows = result.rows as { code: string; name: string; area_km2: number; lon: number; lat: number }[];
    return summarize(rows, minAreaKm2, limit, (row) => ({
      parent: { code: row.code, name: row.name },
      areaKm2: round(row.area_km2),
      point: [round(row.lon, 6), round(row.lat, 6)] as [number, number],
    }));
  }
}

function summarize<Row extends { area_km2: number }, Item>(
  rows: Row[],
  minAreaKm2: number,
  limit: number,
  toItem: (row: Row) => Item,
): AreaSummary<Item> {
  const listed = rows.filter((row) => row.area_km2 >= minAreaKm2);
  return {
    minAreaKm2,
    count: listed.length,
    totalKm2: round(listed.reduce((sum, row) => sum + row.area_km2, 0)),
    items: listed.slice(0, limit).map(toItem),
  };
}

function round(value: number, digits = 4): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
