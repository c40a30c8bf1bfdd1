// Bulk geofencing: the in-memory BulkGeofencer against PostGIS on the same random points.
//
// (a) PostGIS joining the points with the whole district polygons (jurisdictions.geom),
// (b) PostGIS joining them with the ST_Subdivide pieces, which is what geofence_point reads,
// (c) the in-memory geofencer on one thread, and on one worker thread per core,
// (d) the number of points whose district or onBorder flag differs between (c) and (b), and
//     between (c) and (a). Both joins apply geofence_point's rule: the smallest district code among
//     the districts the point intersects, onBorder when there are several.
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import pg from 'pg';
import { createDatabase } from '../api/src/database.js';
import { BulkGeofencer } from '../api/src/geofence/bulk-geofencer.js';
import { GeofencerPool } from '../api/src/geofence/geofencer-pool.js';
import { PAKISTAN_BOX, randomPointsInBox } from '../api/src/geofence/random-points.js';
import { DistrictPieceRepository } from '../api/src/repositories/district-piece-repository.js';
import { importOsmPakistan } from '../etl/src/import-osm-pakistan.js';
import { migrateToLatest } from '../sql/migrate.js';

const BENCH_DATABASE_URL =
  process.env.TALASH_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/talash_bench';
const SEED = 20_261_204;
const LOAD_BATCH = 100_000;
const POINTS_TABLE = 'bench_geofence_points';
const ANSWERS_TABLE = 'bench_geofence_answers';

export interface GeofenceBenchOptions {
  databaseUrl: string;
  /** Number of random points; 1,000,000 by default. */
  points?: number;
}

/** PostGIS's result for every point: the winning district code (undefined outside) and the border flag. */
interface Answers {
  codes: (string | undefined)[];
  onBorder: Uint8Array;
}

export async function runGeofenceBench(options: GeofenceBenchOptions): Promise<void> {
  const count = options.points ?? 1_000_000;
  const db = await openBenchDatabase(options.databaseUrl);

  try {
    console.log(
      `\nBulk geofencing: ${count.toLocaleString('en')} random points over Pakistan (seed ${SEED})`,
    );
    console.log(`  machine: ${os.availableParallelism()} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}`);
    console.log(`  ${await serverVersions(db)}`);
    // A freshly imported database has no planner statistics yet, and without them Postgres picks a
    // nested loop that tests every piece against every point.
    await db.raw('ANALYZE boundary_versions, jurisdictions, jurisdiction_pieces');

    const coordinates = randomPointsInBox(count, SEED, PAKISTAN_BOX);
    const loadSeconds = await timeSeconds(() => loadPoints(db, coordinates));
    console.log(`  points loaded into an unlogged table in ${loadSeconds.toFixed(1)} s`);

    // Without an index on the points, Postgres probes the polygon index once per point, so consecutive
    // ST_Intersects calls see different polygons. With one, it takes each polygon in turn and probes
    // the points, so consecutive calls share a polygon and PostGIS reuses its cached edge index.
    const postgis = new Map<string, Answers>();
    for (const indexed of [false, true]) {
      if (indexed) {
        const indexSeconds = await timeSeconds(() => indexPoints(db));
        console.log(`  GiST index on the points built in ${indexSeconds.toFixed(1)} s`);
      }
      for (const join of ['whole', 'pieces'] as const) {
        const label = `(${join === 'whole' ? 'a' : 'b'}) PostGIS, ${join === 'whole' ? 'whole districts' : 'pieces'}, ${indexed ? 'points indexed' : 'no point index'}`;
        const plan = await describePlan(db, join);
        const seconds = await timeSeconds(() => runJoin(db, join));
        report(label, count, seconds, plan);
        postgis.set(label, await readAnswers(db, count));
      }
    }

    let geofencer: BulkGeofencer | undefined;
    const buildSeconds = await timeSeconds(async () => {
      geofencer = await BulkGeofencer.load(db);
    });
    const memory = geofencer as BulkGeofencer;
    const grid = memory.gridStats;
    console.log(
      `  in-memory geofencer loaded and built in ${buildSeconds.toFixed(2)} s ` +
        `(grid ${grid.columns} x ${grid.rows} cells of ${grid.cellSize}°, ${grid.mixedCells} crossed by edges)`,
    );
    let result = memory.locateMany(coordinates);
    const singleSeconds = await medianSeconds(async () => {
      result = memory.locateMany(coordinates);
    });
    report('(c) in memory, 1 thread (median of 5)', count, singleSeconds, 'after one warm-up run');

    const threads = os.availableParallelism();
    let pool: GeofencerPool | undefined;
    const poolSeconds = await timeSeconds(async () => {
      pool = await GeofencerPool.load(db, { threads });
    });
    console.log(`  pool of ${threads} worker threads loaded and started in ${poolSeconds.toFixed(2)} s`);
    try {
      const workers = pool as GeofencerPool;
      let pooled = await workers.locateMany(coordinates);
      const pooledSeconds = await medianSeconds(async () => {
        pooled = await workers.locateMany(coordinates);
      });
      report(
        `(c) in memory, ${threads} worker threads (median of 5)`,
        count,
        pooledSeconds,
        'includes copying the points to shared memory',
      );
      const pooledDifferences = pooled.districtIndexes.reduce(
        (sum, district, point) =>
          sum +
          (district !== result.districtIndexes[point] || pooled.onBorder[point] !== result.onBorder[point]
            ? 1
            : 0),
        0,
      );
      console.log(
        `  answers differing between the worker threads and 1 thread: ${pooledDifferences} (must be 0)`,
      );
    } finally {
      await pool?.close();
    }

    const memoryAnswers: Answers = {
      codes: Array.from(result.districtIndexes, (district) => memory.districts[district]?.code),
      onBorder: result.onBorder,
    };
    const inside = memoryAnswers.codes.filter((code) => code !== undefined).length;
    const onBorder = memoryAnswers.onBorder.reduce((sum, flag) => sum + flag, 0);
    console.log(`  points inside a district: ${inside.toLocaleString('en')}, on a border: ${onBorder}`);
    for (const [label, answers] of postgis) {
      const differences = countDifferences(memoryAnswers, answers);
      const required = label.startsWith('(b)') ? ' (must be 0)' : '';
      console.log(
        `(d) answers differing between (c) and ${label.slice(0, 3)} ${label.slice(4)}: ${differences}${required}`,
      );
    }

    await compareOnVertices(db, memory);
  } finally {
    await db.raw(`DROP TABLE IF EXISTS ${POINTS_TABLE}, ${ANSWERS_TABLE}`);
    await db.destroy();
  }
}

/**
 * Compares the in-memory geofencer with PostGIS on every vertex of every live district piece. Random
 * points almost never land on a boundary, and these all do: on a district border, a cut between two
 * pieces of one district, or the country's outline.
 */
async function compareOnVertices(db: Knex, memory: BulkGeofencer): Promise<void> {
  const result = await db.raw<{ rows: { lon: number; lat: number }[] }>(
    `SELECT DISTINCT ST_X(vertex.geom) AS lon, ST_Y(vertex.geom) AS lat
     FROM jurisdiction_pieces p
     CROSS JOIN LATERAL ST_DumpPoints(p.geom) vertex
     WHERE p.level = 'district' AND p.version_id = (SELECT id FROM boundary_versions WHERE status = 'live')`,
  );
  const count = result.rows.length;
  const coordinates = Float64Array.from(result.rows.flatMap((row) => [row.lon, row.lat]));
  const located = memory.locateMany(coordinates);
  const memoryAnswers: Answers = {
    codes: Array.from(located.districtIndexes, (district) => memory.districts[district]?.code),
    onBorder: located.onBorder,
  };

  const postgisAnswers: Answers = {
    codes: new Array(count).fill(undefined),
    onBorder: new Uint8Array(count),
  };
  const codeById = new Map(memory.districts.map((district) => [district.id, district.code]));
  const repository = new DistrictPieceRepository(db);
  for (let first = 0; first < count; first += LOAD_BATCH) {
    const end = Math.min(count, first + LOAD_BATCH);
    const batch = result.rows.slice(first, end);
    const matches = await repository.locateManyInPostgis(
      batch.map((row) => row.lon),
      batch.map((row) => row.lat),
    );
    for (const match of matches) {
      postgisAnswers.codes[first + match.index] = codeById.get(match.districtId);
      postgisAnswers.onBorder[first + match.index] = match.onBorder ? 1 : 0;
    }
  }

  const onBorder = postgisAnswers.onBorder.reduce((sum, flag) => sum + flag, 0);
  console.log(
    `(d) answers differing between (c) and geofence_point's rule on all ${count.toLocaleString('en')} piece ` +
      `vertices (${onBorder.toLocaleString('en')} on a border between districts): ` +
      `${countDifferences(memoryAnswers, postgisAnswers)} (must be 0)`,
  );
}

/**
 * Connects to the bench database, creating it when missing, and brings it to the latest schema with
 * the bundled boundaries live. Migrating and importing do nothing when already done.
 */
async function openBenchDatabase(databaseUrl: string): Promise<Knex> {
  const serverUrl = new URL(databaseUrl);
  const name = decodeURIComponent(serverUrl.pathname.slice(1));
  serverUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: serverUrl.toString() });
  await admin.connect();
  try {
    const existing = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (existing.rowCount === 0) await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }

  const db = createDatabase(databaseUrl, 2);
  try {
    await migrateToLatest(db);
    await importOsmPakistan(db, { publish: true, createdBy: 'geofence-bench' });
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

function report(label: string, count: number, seconds: number, note: string): void {
  const rate = Math.round(count / seconds).toLocaleString('en');
  console.log(
    `${label.padEnd(52)} ${seconds.toFixed(3).padStart(8)} s ${rate.padStart(12)} points/s  (${note})`,
  );
}

/** Runs the work 5 times and returns the median duration in seconds. */
async function medianSeconds(work: () => Promise<unknown>): Promise<number> {
  const runs: number[] = [];
  for (let run = 0; run < 5; run++) runs.push(await timeSeconds(work));
  runs.sort((a, b) => a - b);
  return runs[2] as number;
}

async function timeSeconds(work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function serverVersions(db: Knex): Promise<string> {
  const result = await db.raw<{ rows: { postgres: string; postgis: string }[] }>(
    `SELECT current_setting('server_version') AS postgres, postgis_lib_version() AS postgis`,
  );
  const row = result.rows[0];
  return `PostgreSQL ${row?.postgres}, PostGIS ${row?.postgis}`;
}

async function loadPoints(db: Knex, coordinates: Float64Array): Promise<void> {
  await db.raw(`DROP TABLE IF EXISTS ${POINTS_TABLE}, ${ANSWERS_TABLE}`);
  await db.raw(
    `CREATE UNLOGGED TABLE ${POINTS_TABLE} (index integer PRIMARY KEY, geom geometry(Point, 4326) NOT NULL)`,
  );
  const count = coordinates.length / 2;
  for (let first = 0; first < count; first += LOAD_BATCH) {
    const end = Math.min(count, first + LOAD_BATCH);
    const lons: number[] = [];
    const lats: number[] = [];
    for (let point = first; point < end; point++) {
      lons.push(coordinates[point * 2] as number);
      lats.push(coordinates[point * 2 + 1] as number);
    }
    await db.raw(
      `INSERT INTO ${POINTS_TABLE} (index, geom)
       SELECT ? + t.ordinality - 1, ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326)
       FROM unnest(?::float8[], ?::float8[]) WITH ORDINALITY AS t(lon, lat, ordinality)`,
      [first, lons, lats],
    );
  }
  await db.raw(`ANALYZE ${POINTS_TABLE}`);
}

async function indexPoints(db: Knex): Promise<void> {
  await db.raw(`CREATE INDEX ON ${POINTS_TABLE} USING gist (geom)`);
  await db.raw(`ANALYZE ${POINTS_TABLE}`);
}

const WHOLE_JOIN = `
  SELECT pt.index, min(d.code) AS code, count(*) > 1 AS on_border
  FROM ${POINTS_TABLE} pt
  JOIN jurisdictions d ON ST_Intersects(d.geom, pt.geom)
  WHERE d.level = 'district' AND d.version_id = (SELECT id FROM boundary_versions WHERE status = 'live')
  GROUP BY pt.index`;

const PIECE_JOIN = `
  SELECT pt.index, min(d.code) AS code, count(DISTINCT d.id) > 1 AS on_border
  FROM ${POINTS_TABLE} pt
  JOIN jurisdiction_pieces p ON ST_Intersects(p.geom, pt.geom)
  JOIN jurisdictions d ON d.id = p.jurisdiction_id
  WHERE p.level = 'district' AND p.version_id = (SELECT id FROM boundary_versions WHERE status = 'live')
  GROUP BY pt.index`;

/** Runs one join into the answers table, replacing the rows of the previous join. */
async function runJoin(db: Knex, join: 'whole' | 'pieces'): Promise<void> {
  await db.raw(`DROP TABLE IF EXISTS ${ANSWERS_TABLE}`);
  await db.raw(`CREATE UNLOGGED TABLE ${ANSWERS_TABLE} AS ${join === 'whole' ? WHOLE_JOIN : PIECE_JOIN}`);
}

/** Describes the plan Postgres chooses: parallel workers and the spatial index it probes. */
async function describePlan(db: Knex, join: 'whole' | 'pieces'): Promise<string> {
  const result = await db.raw<{ rows: { 'QUERY PLAN': string }[] }>(
    `EXPLAIN ${join === 'whole' ? WHOLE_JOIN : PIECE_JOIN}`,
  );
  const plan = result.rows.map((row) => row['QUERY PLAN']).join('\n');
  const workers = /Workers Planned: (\d+)/.exec(plan)?.[1] ?? '0';
  // The spatial index that the nested loop probes; the project names its GiST indexes after `geom`.
  const index = /Index Scan using (\w*geom\w*)/.exec(plan)?.[1] ?? 'no spatial index';
  return `${workers} parallel workers, probes ${index}`;
}

async function readAnswers(db: Knex, count: number): Promise<Answers> {
  const result = await db.raw<{ rows: { index: number; code: string; on_border: boolean }[] }>(
    `SELECT index, code, on_border FROM ${ANSWERS_TABLE}`,
  );
  const answers: Answers = { codes: new Array(count).fill(undefined), onBorder: new Uint8Array(count) };
  for (const row of result.rows) {
    answers.codes[row.index] = row.code;
    answers.onBorder[row.index] = row.on_border ? 1 : 0;
  }
  return answers;
}

function countDifferences(left: Answers, right: Answers): number {
  let differences = 0;
  for (let point = 0; point < left.codes.length; point++) {
    if (left.codes[point] !== right.codes[point] || left.onBorder[point] !== right.onBorder[point])
      differences++;
  }
  return differences;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const points = process.env.GEOFENCE_BENCH_POINTS ? Number(process.env.GEOFENCE_BENCH_POINTS) : undefined;
  await runGeofenceBench({ databaseUrl: BENCH_DATABASE_URL, points });
}
