import type { Knex } from 'knex';
import { type AnalysisFilter, filterCondition, type SqlCondition } from '../analysis/analysis-filter.js';

/**
 * Highest zoom whose analyst tiles are grouped from analysis_cell_counts. A tile at zoom z reads the
 * cells of level z + 6, and the counts hold levels 6 to 12 (see the analysis_counts migration).
 * Above this zoom a tile contains few incidents per cell and month, so the counts save little.
 */
export const COUNTED_TILE_MAX_ZOOM = 6;

/**
 * The CTE body `tile` of a tile query, with bindings z, x, y, z, x, y. It returns the tile's envelope
 * in Web Mercator and the area of its points in WGS 84, which adds a buffer of 64/4096 of the tile
 * width on each side. The buffer is cut at the antimeridian. PostGIS would otherwise wrap a longitude
 * past 180° to -180°, and the bounding box of the area would span the wrong side of the world.
 */
export const TILE_SQL = `SELECT ST_TileEnvelope(?, ?, ?) AS envelope,
       ST_Transform(ST_ClipByBox2D(ST_TileEnvelope(?, ?, ?, margin => 64.0 / 4096), ST_TileEnvelope(0, 0, 0)), 4326) AS area`;

// Cells of level z + 6 per tile width at zoom z: 64, twice the 32 clusters per tile width.
const CELLS_PER_TILE = 64;

/**
 * The split of a filter's time window: whole months in Pakistan Standard Time, read from the counts,
 * and the partial months at either end, read from the incidents table. Months are `YYYY-MM-DD` dates of
 * their first day; `firstMonth` is included and `endMonth` excluded, null when the window is open.
 */
export interface CountedWindow {
  counted: { firstMonth: string | null; endMonth: string | null } | null;
  edges: { from: Date | null; to: Date | null }[];
}

/** Trends by calendar month (YYYY-MM), ISO day of week (1 = Monday) and hour, in Pakistan Standard Time. */
export interface Trends {
  months: { month: string; count: number }[];
  daysOfWeek: { day: number; count: number }[];
  hours: { hour: number; count: number }[];
}

/**
 * SQL of the analysts' map over the counts of incidents that the triggers of the analysis_counts
 * migration keep per Web Mercator cell, month and filter value. A transaction's changes reach the
 * counts when it commits (see the analysis_counts_at_commit migration). Partial months of a time window are
 * read from the incidents table, and cases and sightings, which have no counts, from the
 * analysis_incidents view. So every result equals the same query over the view.
 */
export class AnalysisCountRepository {
  constructor(private readonly db: Knex) {}

  /**
   * Runs a query with PostgreSQL's JIT compiler off. The planner's cost estimate for these queries
   * crosses jit_above_cost at national scale, and compiling then takes longer than the query itself.
   */
  private async rowsWithoutJit<Row = Record<string, unknown>>(
    sql: string,
    bindings: Knex.RawBinding[],
  ): Promise<Row[]> {
    return this.db.transaction(async (trx) => {
      await trx.raw('SET LOCAL jit = off');
      const { rows } = await trx.raw(sql, bindings);
      return rows as Row[];
    });
  }

  /** Splits the time window of a filter into whole months and the partial months at its ends. */
  async window(filter: AnalysisFilter): Promise<CountedWindow> {
    if (!filter.from && !filter.to) return { counted: { firstMonth: null, endMonth: null }, edges: [] };

    // The first month that starts at or after `from`, and the month that contains `to`.
    const { rows } = await this.db.raw(
      `SELECT to_char(first_month, 'YYYY-MM-DD') AS "firstMonth", to_char(end_month, 'YYYY-MM-DD') AS "endMonth",
              first_month::timestamp AT TIME ZONE 'Asia/Karachi' AS "firstMonthAt",
              end_month::timestamp AT TIME ZONE 'Asia/Karachi' AS "endMonthAt"
       FROM (SELECT (date_trunc('month', ?::timestamptz AT TIME ZONE 'Asia/Karachi' - interval '1 microsecond')
                     + interval '1 month')::date AS first_month,
                    date_trunc('month', ?::timestamptz AT TIME ZONE 'Asia/Karachi')::date AS end_month) bounds`,
      [filter.from ?? null, filter.to ?? null],
    );
    const bounds = rows[0] as {
      firstMonth: string | null;
      endMonth: string | null;
      firstMonthAt: Date | null;
      endMonthAt: Date | null;
    };
    const from = filter.from ?? null;
    const to = filter.to ?? null;
    if (bounds.firstMonth !== null && bounds.endMonth !== null && bounds.firstMonth >= bounds.endMonth) {
      return { counted: null, edges: [{ from, to }] };
    }

    const edges: CountedWindow['edges'] = [];
    if (from && bounds.firstMonthAt && from < bounds.firstMonthAt)
      edges.push({ from, to: bounds.firstMonthAt });
    if (to && bounds.endMonthAt && bounds.endMonthAt < to) edges.push({ from: bounds.endMonthAt, to });
    return { counted: { firstMonth: bounds.firstMonth, endMonth: bounds.endMonth }, edges };
  }

  /**
   * Builds the analyst tile of zoom `z` (at most COUNTED_TILE_MAX_ZOOM) with the same clusters as
   * AnalysisRepository.tile: one per square of 1/32 of the tile width, at the mean position of its
   * incidents, with `count` and counts per type.
   */
  async tile(z: number, x: number, y: number, filter: AnalysisFilter): Promise<Buffer> {
    if (z > COUNTED_TILE_MAX_ZOOM)
      throw new Error(`zoom ${z} is above the counted zooms (0-${COUNTED_TILE_MAX_ZOOM})`);
    const window = await this.window(filter);
    const level = z + 6;

    // Cells of the tile and of its buffer of 64/4096 of the tile width, which is one cell on each side.
    // Tile rows count from the north and cell rows from the equator northwards.
    const half = 2 ** (level - 1);
    const cellX = [x * CELLS_PER_TILE - half - 1, (x + 1) * CELLS_PER_TILE - half];
    const cellY = [half - (y + 1) * CELLS_PER_TILE - 1, half - y * CELLS_PER_TILE];

    const parts: string[] = [];
    const bindings: Knex.RawBinding[] = [z, x, y, z, x, y];
    if (window.counted) {
      const months = monthCondition(window.counted, 'c');
      const values = filterCondition(withoutWindow(filter), 'c', false);
      // Without filters on category, age band or sex the counts summed over them serve the tile.
      const table =
        filter.category || filter.ageBand || filter.sex
          ? 'analysis_cell_counts'
          : 'analysis_cell_type_counts';
      parts.push(
        `SELECT c.cell_x, c.cell_y, c.type, c.count, c.sum_lon, c.sum_lat
         FROM ${table} c
         WHERE c.level = ? AND c.cell_x BETWEEN ? AND ? AND c.cell_y BETWEEN ? AND ?
           AND ${months.sql} AND ${values.sql}`,
      );
      bindings.push(level, ...cellX, ...cellY, ...months.bindings, ...values.bindings);
    }
    const uncounted = uncountedRows(window, filter, true);
    parts.push(
      `SELECT analysis_cell_x(ST_X(a.place), ?), analysis_cell_y(ST_Y(a.place), ?), a.type, 1,
              ST_X(a.place), ST_Y(a.place)
       FROM (${uncounted.sql}) a`,
    );
    bindings.push(level, level, ...uncounted.bindings);

    const rows = await this.rowsWithoutJit(
      `WITH tile AS (${TILE_SQL}),
       cells (cell_x, cell_y, type, count, sum_lon, sum_lat) AS (${parts.join(' UNION ALL ')}),
       features AS (
         SELECT ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(sum(c.sum_lon) / sum(c.count),
                                                                  sum(c.sum_lat) / sum(c.count)), 4326), 3857),
                             tile.envelope, 4096, 64) AS geom,
                sum(c.count)::integer AS count,
                coalesce(sum(c.count) FILTER (WHERE c.type = 'missing_child'), 0)::integer AS missing_child,
                coalesce(sum(c.count) FILTER (WHERE c.type = 'sighting'), 0)::integer AS sighting,
                coalesce(sum(c.count) FILTER (WHERE c.type = 'abuse'), 0)::integer AS abuse
         FROM cells c, tile
         GROUP BY tile.envelope, c.cell_x >> 1, c.cell_y >> 1
       )
       SELECT ST_AsMVT(features, 'incidents', 4096, 'geom') AS tile FROM features WHERE geom IS NOT NULL`,
      bindings,
    );
    return (rows[0] as { tile?: Buffer } | undefined)?.tile ?? Buffer.alloc(0);
  }

  /**
   * Counts by month, ISO day of week and hour, from the counts of incidents, the incidents of the
   * partial months at the window's ends, and the cases and sightings.
   */
  async trends(filter: AnalysisFilter): Promise<Trends> {
    const window = await this.window(filter);
    const uncounted = uncountedRows(window, filter, false);
    const weekdayParts = [
      `SELECT date_trunc('month', at)::date, extract(isodow FROM at)::smallint, 1 FROM uncounted`,
    ];
    const hourParts = ['SELECT extract(hour FROM at)::smallint, 1 FROM uncounted'];
    const weekdayBindings: Knex.RawBinding[] = [];
    const hourBindings: Knex.RawBinding[] = [];

    if (window.counted) {
      const months = monthCondition(window.counted, 'c');
      const values = filterCondition(withoutWindow(filter), 'c', false);
      weekdayParts.push(
        `SELECT c.month, c.day_of_week, c.count FROM analysis_weekday_counts c WHERE ${months.sql} AND ${values.sql}`,
      );
      hourParts.push(
        `SELECT c.hour, c.count FROM analysis_hour_counts c WHERE ${months.sql} AND ${values.sql}`,
      );
      weekdayBindings.push(...months.bindings, ...values.bindings);
      hourBindings.push(...months.bindings, ...values.bindings);
    }

    const rows = await this.rowsWithoutJit<{ kind: string; key: string; count: number }>(
      `WITH uncounted AS (SELECT a.occurred_at AT TIME ZONE 'Asia/Karachi' AS at FROM (${uncounted.sql}) a),
       weekdays (month, day_of_week, count) AS (${weekdayParts.join(' UNION ALL ')}),
       hours (hour, count) AS (${hourParts.join(' UNION ALL ')})
       SELECT 'month' AS kind, to_char(month, 'YYYY-MM') AS key, sum(count)::integer AS count
       FROM weekdays GROUP BY 2
       UNION ALL
       SELECT 'day', day_of_week::text, sum(count)::integer FROM weekdays GROUP BY 2
       UNION ALL
       SELECT 'hour', hour::text, sum(count)::integer FROM hours GROUP BY 2`,
      [...uncounted.bindings, ...weekdayBindings, ...hourBindings],
    );
    return trendsOf(rows);
  }
}

/** Splits rows of (kind, key, count) into the three trends, each in key order. */
export function trendsOf(rows: { kind: string; key: string; count: number }[]): Trends {
  const of = (kind: string) => rows.filter((row) => row.kind === kind);
  return {
    months: of('month')
      .map((row) => ({ month: row.key, count: row.count }))
      .sort((left, right) => left.month.localeCompare(right.month)),
    daysOfWeek: of('day')
      .map((row) => ({ day: Number(row.key), count: row.count }))
      .sort((left, right) => left.day - right.day),
    hours: of('hour')
      .map((row) => ({ hour: Number(row.key), count: row.count }))
      .sort((left, right) => left.hour - right.hour),
  };
}

/**
 * Builds the query of the rows that the counts leave out, with the columns type, occurred_at and
 * place: the incidents of the window's partial months, and every case and sighting of the filter.
 * With `inTile` it keeps the rows in the area of the CTE `tile` of a tile query. Cases and sightings stay out of the
 * counts so that the public report intake runs no trigger and waits for no incident load. There
 * are thousands of them against millions of incidents, so reading them costs little.
 */
function uncountedRows(window: CountedWindow, filter: AnalysisFilter, inTile: boolean): SqlCondition {
  const from = inTile ? ', tile' : '';
  const where = inTile ? 'a.place && tile.area' : 'true';
  const reports = filterCondition(filter, 'a', false);
  // With constraint_exclusion = partition (PostgreSQL's default), the CHECK on incidents.source lets
  // the planner skip the view's incidents branch.
  const parts = [
    `SELECT a.type, a.occurred_at, a.place FROM analysis_incidents a${from}
     WHERE a.source IN ('case', 'sighting') AND ${where} AND ${reports.sql}`,
  ];
  const bindings: Knex.RawBinding[] = [...reports.bindings];
  if (window.edges.length > 0) {
    const edges = edgeCondition(window.edges, 'a');
    const values = filterCondition(withoutWindow(filter), 'a', false);
    parts.push(
      `SELECT a.type, a.occurred_at, a.place FROM incidents a${from}
       WHERE ${where} AND ${edges.sql} AND ${values.sql}`,
    );
    bindings.push(...edges.bindings, ...values.bindings);
  }
  return { sql: parts.join(' UNION ALL '), bindings };
}

function withoutWindow(filter: AnalysisFilter): AnalysisFilter {
  const { from: _from, to: _to, ...values } = filter;
  return values;
}

function monthCondition(counted: NonNullable<CountedWindow['counted']>, alias: string): SqlCondition {
  const parts: string[] = [];
  const bindings: Knex.RawBinding[] = [];
  if (counted.firstMonth !== null) {
    parts.push(`${alias}.month >= ?::date`);
    bindings.push(counted.firstMonth);
  }
  if (counted.endMonth !== null) {
    parts.push(`${alias}.month < ?::date`);
    bindings.push(counted.endMonth);
  }
  return { sql: parts.length > 0 ? parts.join(' AND ') : 'true', bindings };
}

function edgeCondition(edges: CountedWindow['edges'], alias: string): SqlCondition {
  const parts: string[] = [];
  const bindings: Knex.RawBinding[] = [];
  for (const edge of edges) {
    const bounds: string[] = [];
    if (edge.from) {
      bounds.push(`${alias}.occurred_at >= ?`);
      bindings.push(edge.from);
    }
    if (edge.to) {
      bounds.push(`${alias}.occurred_at < ?`);
      bindings.push(edge.to);
    }
    parts.push(`(${bounds.length > 0 ? bounds.join(' AND ') : 'true'})`);
  }
  return { sql: `(${parts.join(' OR ')})`, bindings };
}
