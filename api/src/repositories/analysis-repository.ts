import type { Knex } from 'knex';
import { type AnalysisFilter, filterCondition } from '../analysis/analysis-filter.js';
import {
  AnalysisCountRepository,
  COUNTED_TILE_MAX_ZOOM,
  TILE_SQL,
  type Trends,
  trendsOf,
} from './analysis-count-repository.js';

/** The audience of a map tile: analysts get every incident at its place, the public a reduced view. */
export type AnalysisView = 'analyst' | 'public';

export type JurisdictionLevel = 'district' | 'region' | 'province';

/**
 * The source of a tile or trend. `counts` reads the counts of incidents kept per cell and month
 * where they serve the request, plus the cases and sightings, which have no counts. `incidents`
 * groups every matching row of the analysis_incidents view. Both give
 * the same result, and `incidents` is the baseline that the benchmark and the tests compare with.
 */
export type AnalysisSource = 'counts' | 'incidents';

/** Zoom from which analysts get single incidents instead of clusters. */
export const EXACT_POINTS_MIN_ZOOM = 13;

/** Public map points are snapped to this grid, in degrees (about 1.1 km north-south). */
export const PUBLIC_ROUNDING_DEGREES = 0.01;

// Clusters are the points of one square of this fraction of the tile's width (16 px on a 512 px tile).
const CLUSTER_CELLS_PER_TILE = 32;
// The sphere radius of Web Mercator (EPSG:3857) in metres, and the width of the world in it.
const WEB_MERCATOR_RADIUS = 6_378_137;
const WEB_MERCATOR_WIDTH = 2 * Math.PI * WEB_MERCATOR_RADIUS;

export interface ExportRow {
  id: string;
  type: string;
  category: string | null;
  occurredAt: Date;
  lat: number;
  lon: number;
  ageBand: string;
  sex: string;
  districtCode: string | null;
  regionCode: string | null;
  provinceCode: string | null;
  source: string;
}

/** A live district with its incident count, for the rates per district. */
export interface DistrictCount {
  code: string;
  name: string;
  nameUr: string | null;
  areaKm2: number;
  /** Residents, from the district's boundary import; null when it brought none. */
  population: number | null;
  /** Year of the census or estimate of `population`; null when unknown. */
  populationYear: number | null;
  count: number;
}

/** All SQL of the analysts' map and statistics, over the analysis_incidents view and its counts. */
export class AnalysisRepository {
  private readonly counts: AnalysisCountRepository;

  constructor(private readonly db: Knex) {
    this.counts = new AnalysisCountRepository(db);
  }

  /**
   * Builds one Mapbox vector tile with the layer `incidents`. Analysts get single incidents with their
   * attributes from EXACT_POINTS_MIN_ZOOM on, and clusters (`count` and counts per type) below it.
   * The public view has only missing-child cases, snapped to PUBLIC_ROUNDING_DEGREES before they
   * are clustered, and carries nothing but `count`. Analyst tiles up to COUNTED_TILE_MAX_ZOOM come
   * from the counts unless `source` is `incidents`; public tiles always group the view's rows.
   */
  async tile(
    z: number,
    x: number,
    y: number,
    filter: AnalysisFilter,
    view: AnalysisView,
    source: AnalysisSource = 'counts',
  ): Promise<Buffer> {
    if (source === 'counts' && view === 'analyst' && z <= COUNTED_TILE_MAX_ZOOM) {
      return this.counts.tile(z, x, y, filter);
    }
    const condition = filterCondition(filter, 'a', view === 'public');
    const cell = WEB_MERCATOR_WIDTH / 2 ** z / CLUSTER_CELLS_PER_TILE;
    const place = view === 'public' ? `ST_SnapToGrid(a.place, ${PUBLIC_ROUNDING_DEGREES})` : 'a.place';
    const exact = view === 'analyst' && z >= EXACT_POINTS_MIN_ZOOM;

    // Clusters group points by Web Mercator cells computed from longitude and latitude with the
    // projection's formulas, and only each cluster's centre goes through ST_Transform, because a
    // low-zoom tile can hold hundreds of thousands of points.
    const points = exact
      ? `SELECT a.id, a.type, a.category, a.occurred_at, a.age_band, a.sex, a.source,
                ST_Transform(a.place, 3857) AS geom
         FROM analysis_incidents a, tile
         WHERE a.place && tile.area AND ${condition.sql}`
      : `SELECT a.type, ST_X(${place}) AS lon, ST_Y(${place}) AS lat
         FROM analysis_incidents a, tile
         WHERE a.place && tile.area AND ${condition.sql}`;

    const features = exact
      ? `SELECT ST_AsMVTGeom(p.geom, tile.envelope, 4096, 64) AS geom, p.id::text AS id, p.type,
                p.category, extract(epoch FROM p.occurred_at)::bigint * 1000 AS occurred_at,
                p.age_band, p.sex, p.source, 1 AS count
         FROM points p, tile`
      : `SELECT ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(avg(p.lon), avg(p.lat)), 4326), 3857),
                             tile.envelope, 4096, 64) AS geom,
                count(*)::integer AS count
                ${
                  view === 'analyst'
                    ? `, count(*) FILTER (WHERE p.type = 'missing_child')::integer AS missing_child,
                       count(*) FILTER (WHERE p.type = 'sighting')::integer AS sighting,
                       count(*) FILTER (WHERE p.type = 'abuse')::integer AS abuse`
                    : ''
                }
         FROM points p, tile
         GROUP BY tile.envelope,
                  floor(${WEB_MERCATOR_RADIUS} * radians(p.lon) / ?),
                  floor(${WEB_MERCATOR_RADIUS} * ln(tan(pi() / 4 + radians(p.lat) / 2)) / ?)`;

    const { rows } = await this.db.raw(
      `WITH tile AS (${TILE_SQL}),
       points AS (${points}),
       features AS (${features})
       SELECT ST_AsMVT(features, 'incidents', 4096, 'geom') AS tile FROM features WHERE geom IS NOT NULL`,
      [z, x, y, z, x, y, ...condition.bindings, ...(exact ? [] : [cell, cell])],
    );
    return (rows[0]?.tile as Buffer | undefined) ?? Buffer.alloc(0);
  }

  /** Incident counts per live jurisdiction of `level` (codes with none are left out) and the total. */
  async countsByJurisdiction(
    level: JurisdictionLevel,
    filter: AnalysisFilter,
  ): Promise<{ total: number; outside: number; counts: { code: string; count: number }[] }> {
    const condition = filterCondition(filter, 'a', false);
    const { rows } = await this.db.raw(
      `SELECT a.${level}_code AS code, count(*)::integer AS count
       FROM analysis_incidents a
       WHERE ${condition.sql}
       GROUP BY 1
       ORDER BY 1`,
      condition.bindings,
    );
    const all = rows as { code: string | null; count: number }[];
    const counts = all.filter((row): row is { code: string; count: number } => row.code !== null);
    return {
      total: all.reduce((sum, row) => sum + row.count, 0),
      outside: all.find((row) => row.code === null)?.count ?? 0,
      counts,
    };
  }

  /**
   * Counts by calendar month, ISO day of week (1 = Monday) and hour, in Pakistan Standard Time, each
   * in key order. `counts` reads the monthly counts of incidents, the incidents of the partial months
   * at the window's ends, and the cases and sightings.
   */
  async trends(filter: AnalysisFilter, source: AnalysisSource = 'counts'): Promise<Trends> {
    if (source === 'counts') return this.counts.trends(filter);
    const condition = filterCondition(filter, 'a', false);
    const { rows } = await this.db.raw(
      `WITH local AS (
         SELECT a.occurred_at AT TIME ZONE 'Asia/Karachi' AS at FROM analysis_incidents a WHERE ${condition.sql}
       )
       SELECT 'month' AS kind, to_char(date_trunc('month', at), 'YYYY-MM') AS key, count(*)::integer AS count
       FROM local GROUP BY 2
       UNION ALL
       SELECT 'day', extract(isodow FROM at)::text, count(*)::integer FROM local GROUP BY 2
       UNION ALL
       SELECT 'hour', extract(hour FROM at)::text, count(*)::integer FROM local GROUP BY 2`,
      condition.bindings,
    );
    return trendsOf(rows);
  }

  /**
   * Returns the cells of an ST_HexagonGrid of edge `size` metres in the analysis projection that touch a
   * live district, with their outlines in WGS 84 as GeoJSON geometry text.
   */
  async hexagonCells(size: number): Promise<{ i: number; j: number; geometry: string }[]> {
    const { rows } = await this.db.raw(
      `WITH bounds AS (
         SELECT ST_Extent(analysis_projected(ST_Envelope(p.geom)))::geometry AS box
         FROM jurisdiction_pieces p
         JOIN boundary_versions v ON v.id = p.version_id AND v.status = 'live'
         WHERE p.level = 'district'
       ),
       grid AS (
         SELECT h.i, h.j, analysis_unprojected(h.geom) AS geom FROM bounds, ST_HexagonGrid(?, bounds.box) h
       )
       SELECT g.i::integer AS i, g.j::integer AS j, ST_AsGeoJSON(g.geom, 5) AS geometry
       FROM grid g
       WHERE EXISTS (
         SELECT 1 FROM jurisdiction_pieces p
         JOIN boundary_versions v ON v.id = p.version_id AND v.status = 'live'
         WHERE p.level = 'district' AND p.geom && g.geom AND ST_Intersects(p.geom, g.geom)
       )
       ORDER BY g.i, g.j`,
      [size],
    );
    return rows;
  }

  /**
   * Incident counts per hexagon of edge `size` metres, non-empty cells only. A point belongs to the
   * cell with the nearest centre, which is the hexagon that contains it: centres of ST_HexagonGrid
   * lie at x = 1.5·size·i and y = √3·size·j, plus √3/2·size in odd columns.
   */
  async hexagonCounts(
    size: number,
    filter: AnalysisFilter,
  ): Promise<{ i: number; j: number; count: number }[]> {
    if (!Number.isFinite(size) || size <= 0) throw new Error(`hexagon size ${size} is not a positive number`);
    const condition = filterCondition(filter, 'a', false);
    // Literals, not bindings, because each appears several times; size is a checked number.
    const columnWidth = 1.5 * size;
    const rowHeight = Math.sqrt(3) * size;
    const oddShift = rowHeight / 2;
    const { rows } = await this.db.raw(
      `WITH projected AS (
         SELECT ST_X(xy) AS x, ST_Y(xy) AS y
         FROM (SELECT a.projected AS xy FROM analysis_incidents a WHERE ${condition.sql}) p
       ),
       columns AS (
         SELECT x, y, floor(x / ${columnWidth})::bigint AS c0, floor(x / ${columnWidth})::bigint + 1 AS c1
         FROM projected
       ),
       candidates AS (
         SELECT x, y, c0, c1,
                round((y - CASE WHEN mod(c0, 2) <> 0 THEN ${oddShift} ELSE 0 END) / ${rowHeight})::bigint AS r0,
                round((y - CASE WHEN mod(c1, 2) <> 0 THEN ${oddShift} ELSE 0 END) / ${rowHeight})::bigint AS r1
         FROM columns
       ),
       scored AS (
         SELECT c0, c1, r0, r1,
                (x - ${columnWidth} * c0) ^ 2
                  + (y - ${rowHeight} * r0 - CASE WHEN mod(c0, 2) <> 0 THEN ${oddShift} ELSE 0 END) ^ 2 AS d0,
                (x - ${columnWidth} * c1) ^ 2
                  + (y - ${rowHeight} * r1 - CASE WHEN mod(c1, 2) <> 0 THEN ${oddShift} ELSE 0 END) ^ 2 AS d1
         FROM candidates
       )
       SELECT (CASE WHEN d0 <= d1 THEN c0 ELSE c1 END)::integer AS i,
              (CASE WHEN d0 <= d1 THEN r0 ELSE r1 END)::integer AS j,
              count(*)::integer AS count
       FROM scored
       GROUP BY 1, 2`,
      condition.bindings,
    );
    return rows;
  }

  /** Counts the incidents that match a filter. */
  async count(filter: AnalysisFilter): Promise<number> {
    const condition = filterCondition(filter, 'a', false);
    const { rows } = await this.db.raw(
      `SELECT count(*)::integer AS count FROM analysis_incidents a WHERE ${condition.sql}`,
      condition.bindings,
    );
    return rows[0].count;
  }

  /**
   * Incidents in projected metres, merged per square of `snap` metres into one weighted point at
   * the mean position of its members. Used by the kernel density, where `snap` is a tenth of a cell.
   */
  async weightedPoints(
    snap: number,
    filter: AnalysisFilter,
  ): Promise<{ x: number; y: number; weight: number }[]> {
    const condition = filterCondition(filter, 'a', false);
    const { rows } = await this.db.raw(
      `SELECT avg(ST_X(xy)) AS x, avg(ST_Y(xy)) AS y, count(*)::integer AS weight
       FROM (SELECT a.projected AS xy FROM analysis_incidents a WHERE ${condition.sql}) p
       GROUP BY floor(ST_X(xy) / ?), floor(ST_Y(xy) / ?)`,
      [...condition.bindings, snap, snap],
    );
    return rows;
  }

  /** Incidents as projected metres and epoch milliseconds, at most `limit` of them (the caller checks). */
  async spaceTimePoints(
    filter: AnalysisFilter,
    limit: number,
  ): Promise<{ x: number; y: number; t: number }[]> {
    const condition = filterCondition(filter, 'a', false);
    const { rows } = await this.db.raw(
      `SELECT ST_X(xy) AS x, ST_Y(xy) AS y, extract(epoch FROM occurred_at) * 1000 AS t
       FROM (SELECT a.projected AS xy, a.occurred_at FROM analysis_incidents a WHERE ${condition.sql}) p
       LIMIT ?`,
      [...condition.bindings, limit],
    );
    return rows.map((row: { x: number; y: number; t: string | number }) => ({
      x: row.x,
      y: row.y,
      t: Number(row.t),
    }));
  }

  /**
   * Space-time clusters in two ST_ClusterDBSCAN passes, because ST_ClusterDBSCAN measures 2D
   * distance only: first over the projected places (eps `distance` metres), then, inside each
   * spatial cluster, over the times (eps `days`). Both passes need `minPoints` points within eps.
   */
  async spaceTimeClusters(
    filter: AnalysisFilter,
    options: { distance: number; days: number; minPoints: number },
  ): Promise<
    {
      cluster: number;
      count: number;
      start: Date;
      end: Date;
      lon: number;
      lat: number;
      missingChild: number;
      sighting: number;
      abuse: number;
    }[]
  > {
    const condition = filterCondition(filter, 'a', false);
    const { rows } = await this.db.raw(
      `WITH points AS (
         SELECT a.type, a.occurred_at, a.place, a.projected AS xy
         FROM analysis_incidents a WHERE ${condition.sql}
       ),
       spatial AS (
         SELECT *, ST_ClusterDBSCAN(xy, eps => ?, minpoints => ?) OVER () AS place_cluster FROM points
       ),
       temporal AS (
         SELECT *, ST_ClusterDBSCAN(ST_MakePoint(extract(epoch FROM occurred_at) / 86400.0, 0), eps => ?, minpoints => ?)
                     OVER (PARTITION BY place_cluster) AS time_cluster
         FROM spatial WHERE place_cluster IS NOT NULL
       )
       SELECT (dense_rank() OVER (ORDER BY place_cluster, time_cluster))::integer AS cluster,
              count, start_at AS start, end_at AS "end", ST_X(centre) AS lon, ST_Y(centre) AS lat,
              missing_child AS "missingChild", sighting, abuse
       FROM (
         SELECT place_cluster, time_cluster, count(*)::integer AS count, min(occurred_at) AS start_at,
                max(occurred_at) AS end_at, analysis_unprojected(ST_Centroid(ST_Collect(xy))) AS centre,
                count(*) FILTER (WHERE type = 'missing_child')::integer AS missing_child,
                count(*) FILTER (WHERE type = 'sighting')::integer AS sighting,
                count(*) FILTER (WHERE type = 'abuse')::integer AS abuse
         FROM temporal WHERE time_cluster IS NOT NULL
         GROUP BY place_cluster, time_cluster
       ) grouped
       ORDER BY count DESC, cluster`,
      [...condition.bindings, options.distance, options.minPoints, options.days, options.minPoints],
    );
    return rows;
  }

  /**
   * Incident counts per live district with its name, area in km² and, when its boundary import
   * brought one, its population and the year of that figure. Districts without incidents have count 0.
   */
  async districtCounts(filter: AnalysisFilter): Promise<DistrictCount[]> {
    const condition = filterCondition(filter, 'a', false);
    const { rows } = await this.db.raw(
      `WITH counts AS (
         SELECT a.district_code AS code, count(*)::integer AS count
         FROM analysis_incidents a WHERE ${condition.sql} AND a.district_code IS NOT NULL
         GROUP BY 1
       )
       SELECT d.code, d.name, d.name_ur AS "nameUr", ST_Area(d.geom::geography) / 1e6 AS "areaKm2",
              d.population, d.population_year AS "populationYear", coalesce(c.count, 0)::integer AS count
       FROM jurisdictions d
       JOIN boundary_versions v ON v.id = d.version_id AND v.status = 'live'
       LEFT JOIN counts c ON c.code = d.code
       WHERE d.level = 'district'
       ORDER BY d.code`,
      condition.bindings,
    );
    return rows;
  }

  /** Returns the filtered incidents for export, oldest first, at most `limit` rows. */
  async exportRows(filter: AnalysisFilter, limit: number): Promise<ExportRow[]> {
    const condition = filterCondition(filter, 'a', false);
    const { rows } = await this.db.raw(
      `SELECT a.id, a.type, a.category, a.occurred_at AS "occurredAt", ST_Y(a.place) AS lat, ST_X(a.place) AS lon,
              a.age_band AS "ageBand", a.sex, a.district_code AS "districtCode", a.region_code AS "regionCode",
              a.province_code AS "provinceCode", a.source
       FROM analysis_incidents a WHERE ${condition.sql}
       ORDER BY a.occurred_at, a.id
       LIMIT ?`,
      [...condition.bindings, limit],
    );
    return rows;
  }

  /** Converts points of the analysis projection back to longitude and latitude, in input order. */
  async unproject(points: { x: number; y: number }[]): Promise<{ lon: number; lat: number }[]> {
    if (points.length === 0) return [];
    const { rows } = await this.db.raw(
      `SELECT ST_X(g) AS lon, ST_Y(g) AS lat
       FROM (SELECT analysis_unprojected(ST_MakePoint(t.x, t.y)) AS g, t.ordinal
             FROM unnest(?::float8[], ?::float8[]) WITH ORDINALITY AS t(x, y, ordinal)) p
       ORDER BY p.ordinal`,
      [points.map((point) => point.x), points.map((point) => point.y)],
    );
    return rows;
  }

  /** Returns the id of the live boundary version, or null when none is live. */
  async liveBoundaryVersionId(): Promise<number | null> {
    const row = await this.db('boundary_versions').where('status', 'live').first('id');
    return (row?.id as number | undefined) ?? null;
  }
}
