// The analysts' map at national scale, over generated incidents spread like Pakistan's population.
// It measures vector tiles at zoom 5, 9 and 13 against the whole view as one GeoJSON, Gi* over the
// whole country against a naive per-cell scan, and the trend query. Tiles up to zoom 6 and the
// trends are read from the kept counts, each next to the same query over the rows of the view.
//
// ANALYSIS_BENCH_INCIDENTS sets the count (default 1,000,000). The incidents are loaded once per
// count into the benchmark database and kept, so a second run measures without generating again.
// ANALYSIS_BENCH_SKIP_NAIVE_HOTSPOTS=1 leaves out the naive Gi* scan, about 10 minutes at 1,000,000.
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import type { AnalysisFilter } from '../api/src/analysis/analysis-filter.js';
import { getisOrdGiStar } from '../api/src/analysis/getis-ord.js';
import type { IncidentDraft } from '../api/src/analysis/incident-fields.js';
import { seededRandom } from '../api/src/analysis/seeded-random.js';
import { tileOf } from '../api/src/analysis/tile-coordinates.js';
import { createDatabase } from '../api/src/database.js';
import { BulkGeofencer } from '../api/src/geofence/bulk-geofencer.js';
import { COUNTED_TILE_MAX_ZOOM } from '../api/src/repositories/analysis-count-repository.js';
import { AnalysisRepository, type AnalysisSource } from '../api/src/repositories/analysis-repository.js';
import { CaseTimingRepository } from '../api/src/repositories/case-timing-repository.js';
import { IncidentRepository, type StoredIncident } from '../api/src/repositories/incident-repository.js';
import { AnalysisService } from '../api/src/services/analysis-service.js';
import { BENCH_DATABASE_URL, prepareBenchDatabase } from './bench-database.js';
import { percentileOfSorted } from './percentile.js';

const SEED = 20261204;
const TILE_SAMPLES = 60;
// Time windows of the map: everything, the map's default of 12 months and one month of the time
// slider, in Pakistan Standard Time as the map sends them.
const BENCH_WINDOWS: Record<string, AnalysisFilter> = {
  'whole range': {},
  '12 months': { from: new Date('2025-01-01T00:00:00+05:00'), to: new Date('2026-01-01T00:00:00+05:00') },
  'one month': { from: new Date('2025-06-01T00:00:00+05:00'), to: new Date('2025-07-01T00:00:00+05:00') },
};
const HOTSPOT_CELL_SIZE = 10_000;

// Cities with their population in millions (2017 census, rounded) and how far their built-up area
// spreads, in km (a rough figure, for the Gaussian spread of the points).
const CITIES: { name: string; lat: number; lon: number; millions: number; spreadKm: number }[] = [
  { name: 'Karachi', lat: 24.89, lon: 67.06, millions: 14.9, spreadKm: 14 },
  { name: 'Lahore', lat: 31.52, lon: 74.35, millions: 11.1, spreadKm: 12 },
  { name: 'Faisalabad', lat: 31.42, lon: 73.08, millions: 3.2, spreadKm: 8 },
  { name: 'Rawalpindi', lat: 33.6, lon: 73.05, millions: 2.1, spreadKm: 7 },
  { name: 'Gujranwala', lat: 32.16, lon: 74.19, millions: 2.0, spreadKm: 6 },
  { name: 'Peshawar', lat: 34.01, lon: 71.54, millions: 1.97, spreadKm: 7 },
  { name: 'Multan', lat: 30.2, lon: 71.47, millions: 1.87, spreadKm: 6 },
  { name: 'Hyderabad', lat: 25.39, lon: 68.37, millions: 1.73, spreadKm: 6 },
  { name: 'Islamabad', lat: 33.69, lon: 73.05, millions: 1.01, spreadKm: 8 },
  { name: 'Quetta', lat: 30.18, lon: 66.99, millions: 1.0, spreadKm: 5 },
  { name: 'Bahawalpur', lat: 29.4, lon: 71.68, millions: 0.76, spreadKm: 4 },
  { name: 'Sargodha', lat: 32.08, lon: 72.67, millions: 0.66, spreadKm: 4 },
  { name: 'Sialkot', lat: 32.49, lon: 74.52, millions: 0.66, spreadKm: 4 },
  { name: 'Sukkur', lat: 27.71, lon: 68.85, millions: 0.5, spreadKm: 4 },
  { name: 'Larkana', lat: 27.56, lon: 68.21, millions: 0.49, spreadKm: 4 },
];
// Shares of the incidents: around the cities, along the Indus plain (rural Punjab and Sindh, where
// most of the rest live), and anywhere in the country (deserts and mountains, sparse).
const CITY_SHARE = 0.55;
const PLAIN_SHARE = 0.4;
// The Indus plain as a band from Karachi to Peshawar, as (lat, lon) of its ends and its half-width.
const PLAIN = { from: [25.0, 68.0], to: [33.8, 72.5], halfWidthDegrees: 1.6 } as const;
const COUNTRY = { lat: [23.6, 37.1], lon: [60.8, 77.9] } as const;

const CATEGORIES = ['abduction', 'sexual_abuse', 'trafficking', 'child_labour', 'other'] as const;
const AGE_BANDS = ['0-4', '5-9', '10-13', '14-17', 'unknown'] as const;
const SEXES = ['female', 'male', 'unknown'] as const;
const FIRST_MONTH = Date.UTC(2023, 0, 1);
const LAST_MONTH_END = Date.UTC(2026, 0, 1);

function gaussian(random: () => number): number {
  // Box-Muller; 1 - random() keeps the logarithm's argument above 0.
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)] as T;
}

/** Draws a random place: near a city by population, on the Indus plain, or anywhere in the box. */
function randomPlace(random: () => number): { lat: number; lon: number } {
  const roll = random();
  if (roll < CITY_SHARE) {
    const total = CITIES.reduce((sum, city) => sum + city.millions, 0);
    let target = random() * total;
    let city = CITIES[0] as (typeof CITIES)[number];
    for (const candidate of CITIES) {
      target -= candidate.millions;
      city = candidate;
      if (target <= 0) break;
    }
    const spreadDegrees = city.spreadKm / 111;
    return {
      lat: city.lat + gaussian(random) * spreadDegrees,
      lon: city.lon + (gaussian(random) * spreadDegrees) / Math.cos((city.lat * Math.PI) / 180),
    };
  }
  if (roll < CITY_SHARE + PLAIN_SHARE) {
    const along = random();
    const lat = PLAIN.from[0] + (PLAIN.to[0] - PLAIN.from[0]) * along;
    const lon = PLAIN.from[1] + (PLAIN.to[1] - PLAIN.from[1]) * along;
    return { lat: lat + gaussian(random) * 0.3, lon: lon + (random() * 2 - 1) * PLAIN.halfWidthDegrees };
  }
  return {
    lat: COUNTRY.lat[0] + random() * (COUNTRY.lat[1] - COUNTRY.lat[0]),
    lon: COUNTRY.lon[0] + random() * (COUNTRY.lon[1] - COUNTRY.lon[0]),
  };
}

function randomIncident(random: () => number, place: { lat: number; lon: number }): IncidentDraft {
  const roll = random();
  let type: IncidentDraft['type'] = 'abuse';
  if (roll < 0.6) type = 'missing_child';
  else if (roll < 0.75) type = 'sighting';
  return {
    type,
    category: type === 'abuse' ? pick(random, CATEGORIES) : null,
    occurredAt: new Date(FIRST_MONTH + random() * (LAST_MONTH_END - FIRST_MONTH)),
    lat: place.lat,
    lon: place.lon,
    ageBand: type === 'sighting' ? 'unknown' : pick(random, AGE_BANDS),
    sex: type === 'sighting' ? 'unknown' : pick(random, SEXES),
  };
}

/** Loads `count` generated incidents unless an earlier run left exactly that set. Returns the import id. */
async function loadIncidents(db: Knex, count: number): Promise<string> {
  const fileName = `bench-analysis-${count}-seed-${SEED}`;
  const existing = await db('incident_imports').where('file_name', fileName).first();
  if (existing) {
    console.log(`  reusing ${count} generated incidents (import ${existing.id})`);
    return existing.id as string;
  }

  const started = performance.now();
  const incidents = await generateIncidents(db, count);
  const generated = performance.now();

  const repository = new IncidentRepository(db);
  const importId = await db.transaction(async (trx) => {
    const id = await repository.createImport(
      trx,
      { fileName, fileSha256: '-', format: 'csv', importedBy: 'bench', rowCount: count, skippedRows: [] },
      count,
    );
    await repository.insertMany(trx, incidents, { source: 'import', importId: id });
    return id;
  });
  await db.raw('ANALYZE incidents');
  console.log(
    `  generated ${count} incidents in ${((generated - started) / 1000).toFixed(1)} s, stored in ${((performance.now() - generated) / 1000).toFixed(1)} s`,
  );
  return importId;
}

/**
 * Generates `count` incidents with the bench's fixed seed, each with the district, region and
 * province codes of the live boundary version. The same count always gives the same incidents.
 */
export async function generateIncidents(db: Knex, count: number): Promise<StoredIncident[]> {
  const geofencer = await BulkGeofencer.load(db);
  const { rows } = await db.raw(
    `SELECT d.code AS district, r.code AS region, p.code AS province
     FROM jurisdictions d
     JOIN boundary_versions v ON v.id = d.version_id AND v.status = 'live'
     JOIN jurisdictions r ON r.id = d.parent_id
     JOIN jurisdictions p ON p.id = r.parent_id
     WHERE d.level = 'district'`,
  );
  const chains = new Map<string, { region: string; province: string }>(
    rows.map((row: { district: string; region: string; province: string }) => [row.district, row]),
  );

  const random = seededRandom(SEED);
  const incidents: StoredIncident[] = [];
  while (incidents.length < count) {
    // Places outside every district (sea, neighbouring countries) are drawn again.
    const place = randomPlace(random);
    const match = geofencer.locate(place.lon, place.lat);
    const chain = match ? chains.get(match.districtCode) : undefined;
    if (!match || !chain) continue;
    incidents.push({
      ...randomIncident(random, place),
      districtCode: match.districtCode,
      regionCode: chain.region,
      provinceCode: chain.province,
    });
  }
  return incidents;
}

async function timeEach(runs: number, work: (run: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    await work(run);
    times.push(performance.now() - started);
  }
  return times.sort((left, right) => left - right);
}

function formatMs(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

/**
 * Computes Gi* the naive way that the hexagon arithmetic replaces: counts by a spatial join of every hexagon polygon
 * with the incidents (GiST on incidents.place), and neighbours by comparing every pair of cell centres.
 */
async function naiveHotspots(
  db: Knex,
  cells: { i: number; j: number; geometry: string }[],
): Promise<number[]> {
  const { rows } = await db.raw(
    `SELECT c.ordinal::integer AS ordinal, count(a.id)::integer AS count
     FROM unnest(?::text[]) WITH ORDINALITY AS c(geometry, ordinal)
     LEFT JOIN analysis_incidents a ON ST_Intersects(ST_SetSRID(ST_GeomFromGeoJSON(c.geometry), 4326), a.place)
     GROUP BY c.ordinal ORDER BY c.ordinal`,
    [cells.map((cell) => cell.geometry)],
  );
  const values = rows.map((row: { count: number }) => row.count);
  const centres = cells.map((cell) => ({
    x: 1.5 * HOTSPOT_CELL_SIZE * cell.i,
    y: Math.sqrt(3) * HOTSPOT_CELL_SIZE * (cell.j + (Math.abs(cell.i % 2) === 1 ? 0.5 : 0)),
  }));
  // Touching hexagons have centres √3·size apart; the next ring starts at 3·size.
  const limit = Math.sqrt(3) * HOTSPOT_CELL_SIZE * 1.01;
  const neighbours = centres.map((centre, index) =>
    centres.flatMap((other, otherIndex) =>
      otherIndex !== index && Math.hypot(other.x - centre.x, other.y - centre.y) <= limit ? [otherIndex] : [],
    ),
  );
  return getisOrdGiStar(values, neighbours);
}

export async function runAnalysisBench(
  options: { databaseUrl?: string; incidents?: number } = {},
): Promise<void> {
  const databaseUrl = await prepareBenchDatabase(options.databaseUrl ?? BENCH_DATABASE_URL);
  const count = options.incidents ?? Number(process.env.ANALYSIS_BENCH_INCIDENTS ?? 1_000_000);
  const db = createDatabase(databaseUrl, 4);
  try {
    console.log(`\nAnalysts' map over ${count.toLocaleString('en')} generated incidents`);
    await loadIncidents(db, count);
    const analysis = new AnalysisRepository(db);
    const service = new AnalysisService({ analysis, caseTiming: new CaseTimingRepository(db) });
    const total = await analysis.count({});

    // Tiles where incidents are: the tile of a random generated place, at each zoom.
    const random = seededRandom(SEED + 1);
    const places = Array.from({ length: TILE_SAMPLES }, () => randomPlace(random));
    console.log(
      `  vector tiles (analyst view, ${TILE_SAMPLES} tiles per zoom around generated places, SQL only); zoom 0-${COUNTED_TILE_MAX_ZOOM}`,
    );
    console.log('  from the counts, next to the baseline that groups the rows of the view, as served before');
    console.log('  zoom  window        served p50 / p99 ms   baseline p50 / p99 ms   mean KB');
    for (const z of [5, 9, 13]) {
      const counted = z <= COUNTED_TILE_MAX_ZOOM;
      for (const [name, window] of counted ? Object.entries(BENCH_WINDOWS) : [['whole range', {}] as const]) {
        const timeTiles = async (source: AnalysisSource) => {
          let bytes = 0;
          const times = await timeEach(places.length, async (run) => {
            const place = places[run] as { lat: number; lon: number };
            const { x, y } = tileOf(place.lon, place.lat, z);
            bytes += (await analysis.tile(z, x, y, window, 'analyst', source)).length;
          });
          return { times, bytes };
        };
        const served = await timeTiles('counts');
        // Above the counted zooms the served tile is the baseline query itself.
        const baseline = counted ? (await timeTiles('incidents')).times : null;
        const pair = (times: number[] | null) =>
          times
            ? `${formatMs(percentileOfSorted(times, 0.5))} / ${formatMs(percentileOfSorted(times, 0.99))}`
            : 'same query';
        console.log(
          `  ${String(z).padStart(4)}  ${name.padEnd(12)}  ${pair(served.times).padStart(19)}   ${pair(baseline).padStart(21)}   ${(served.bytes / places.length / 1024).toFixed(1).padStart(7)}`,
        );
      }
    }

    // The baseline: every incident of the view as one GeoJSON document, built by PostGIS.
    let geojsonBytes = 0;
    const geojsonTimes = await timeEach(3, async () => {
      const { rows } = await db.raw(
        `SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg(json_build_object(
           'type', 'Feature', 'geometry', ST_AsGeoJSON(a.place, 6)::json,
           'properties', json_build_object('type', a.type, 'category', a.category, 'occurred_at', a.occurred_at))))::text AS body
         FROM analysis_incidents a`,
      );
      geojsonBytes = (rows[0].body as string).length;
    });
    console.log(
      `  baseline: whole view as one GeoJSON (${total.toLocaleString('en')} features, ${(geojsonBytes / 2 ** 20).toFixed(0)} MB): p50 ${formatMs(percentileOfSorted(geojsonTimes, 0.5))} ms of 3 runs, before any transfer or parsing`,
    );

    // Gi* over the whole country. The first call also builds and caches the hexagon grid.
    const first = await timeEach(1, () => service.hotspots({}, HOTSPOT_CELL_SIZE));
    let grid = await service.hotspots({}, HOTSPOT_CELL_SIZE);
    const warm = await timeEach(3, async () => {
      grid = await service.hotspots({}, HOTSPOT_CELL_SIZE);
    });
    console.log(
      `  Gi* hotspots, ${grid.cells.length} hexagons of ${HOTSPOT_CELL_SIZE / 1000} km over the country`,
    );
    console.log(
      `    hexagon arithmetic: first ${formatMs(first[0] as number)} ms (grid built), then p50 ${formatMs(percentileOfSorted(warm, 0.5))} ms of 3`,
    );
    if (process.env.ANALYSIS_BENCH_SKIP_NAIVE_HOTSPOTS === '1') {
      console.log(
        '    baseline, polygon join and per-cell neighbour scan: skipped (ANALYSIS_BENCH_SKIP_NAIVE_HOTSPOTS=1)',
      );
    } else {
      const naiveStarted = performance.now();
      const naive = await naiveHotspots(db, grid.cells);
      const naiveMs = performance.now() - naiveStarted;
      const largestDifference = Math.max(
        ...grid.cells.map((cell, index) => Math.abs(cell.z - (naive[index] ?? 0))),
      );
      console.log(
        `    baseline, polygon join and per-cell neighbour scan: ${formatMs(naiveMs)} ms; largest z-score difference ${largestDifference.toExponential(1)}`,
      );
    }

    const countTimes = await timeEach(5, () => analysis.count({}));
    console.log('  trend (months, weekdays, hours), p50 of 5, from the counts next to the rows of the view');
    for (const [name, window] of Object.entries(BENCH_WINDOWS)) {
      const served = await timeEach(5, () => analysis.trends(window, 'counts'));
      const baseline = await timeEach(5, () => analysis.trends(window, 'incidents'));
      console.log(
        `    ${name.padEnd(12)}  ${formatMs(percentileOfSorted(served, 0.5)).padStart(7)} ms   baseline ${formatMs(percentileOfSorted(baseline, 0.5)).padStart(7)} ms`,
      );
    }
    console.log(
      `    count(*) of the view, the floor of the baseline: ${formatMs(percentileOfSorted(countTimes, 0.5))} ms`,
    );
  } finally {
    await db.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runAnalysisBench();
