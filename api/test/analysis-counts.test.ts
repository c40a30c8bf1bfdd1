// The counts behind low-zoom tiles and the trends, checked against the same queries over the
// analysis_incidents view after a bulk load, updates and deletes of incidents, cases and sightings.
// The rows lie in 1997, a year no other test uses. The counts hold incidents only, so a report
// must not wait for an incident load that has not committed.
import { VectorTile } from '@mapbox/vector-tile';
import type { Knex } from 'knex';
import { PbfReader } from 'pbf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisFilter } from '../src/analysis/analysis-filter.js';
import type { IncidentDraft } from '../src/analysis/incident-fields.js';
import { seededRandom } from '../src/analysis/seeded-random.js';
import { tileOf } from '../src/analysis/tile-coordinates.js';
import { createDatabase } from '../src/database.js';
import { COUNTED_TILE_MAX_ZOOM } from '../src/repositories/analysis-count-repository.js';
import { AnalysisRepository } from '../src/repositories/analysis-repository.js';
import { IncidentRepository, type StoredIncident } from '../src/repositories/incident-repository.js';
import { lahoreReport } from './support/duty-officers.js';
import { startTestPlatform } from './support/platform.js';

const PLACES = [
  { name: 'Lahore', lat: 31.52, lon: 74.35 },
  { name: 'Karachi', lat: 24.89, lon: 67.06 },
  { name: 'Quetta', lat: 30.18, lon: 66.99 },
];
const CATEGORIES = ['abduction', 'sexual_abuse', 'trafficking', 'child_labour', 'other'] as const;
const AGE_BANDS = ['0-4', '5-9', '10-13', '14-17', 'unknown'] as const;
const SEXES = ['female', 'male', 'other', 'unknown'] as const;
const YEAR_START = Date.parse('1997-01-01T00:00:00+05:00');
const YEAR_END = Date.parse('1998-01-01T00:00:00+05:00');

// Windows that start and end on month boundaries in Pakistan Standard Time, cut through months,
// lie inside one month, or are open at one end.
const FILTERS: { name: string; filter: AnalysisFilter }[] = [
  { name: 'no filter', filter: {} },
  { name: '1997 in PKT', filter: { from: new Date(YEAR_START), to: new Date(YEAR_END) } },
  {
    name: '1997 in UTC',
    filter: { from: new Date('1997-01-01T00:00:00Z'), to: new Date('1998-01-01T00:00:00Z') },
  },
  {
    name: 'mid-March to mid-August',
    filter: { from: new Date('1997-03-10T07:30:00Z'), to: new Date('1997-08-20T12:00:00Z') },
  },
  {
    name: 'inside June',
    filter: { from: new Date('1997-06-03T00:00:00Z'), to: new Date('1997-06-25T00:00:00Z') },
  },
  { name: 'open start', filter: { to: new Date('1997-05-15T00:00:00Z') } },
  { name: 'open end', filter: { from: new Date('1997-10-15T00:00:00Z') } },
  {
    name: 'abuse girls under 10',
    filter: {
      from: new Date('1997-02-14T00:00:00Z'),
      to: new Date(YEAR_END),
      type: ['abuse'],
      category: ['trafficking', 'sexual_abuse'],
      ageBand: ['0-4', '5-9'],
      sex: ['female'],
    },
  },
  {
    name: 'cases and sightings',
    filter: { from: new Date(YEAR_START), to: new Date(YEAR_END), type: ['missing_child', 'sighting'] },
  },
];

let db: Knex;
let analysis: AnalysisRepository;
let incidents: IncidentRepository;
let importId: string;
let caseIds: string[];
let sightingIds: string[];

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)] as T;
}

// Incidents around the three cities, spread over 1997 and over every filter value.
function generatedIncidents(count: number): StoredIncident[] {
  const random = seededRandom(1997);
  return Array.from({ length: count }, () => {
    const place = pick(random, PLACES);
    const roll = random();
    let type: IncidentDraft['type'] = 'sighting';
    if (roll < 0.5) type = 'abuse';
    else if (roll < 0.8) type = 'missing_child';
    return {
      type,
      category: type === 'abuse' ? pick(random, CATEGORIES) : null,
      occurredAt: new Date(YEAR_START + random() * (YEAR_END - YEAR_START)),
      lat: place.lat + (random() - 0.5) * 0.6,
      lon: place.lon + (random() - 0.5) * 0.6,
      ageBand: pick(random, AGE_BANDS),
      sex: pick(random, SEXES),
      districtCode: 'PK-TEST',
      regionCode: 'PK-TEST',
      provinceCode: 'PK-TEST',
    };
  });
}

interface Cluster {
  x: number;
  y: number;
  count: number;
  missingChild: number;
  sighting: number;
  abuse: number;
}

function clustersOf(buffer: Buffer): Cluster[] {
  const layer = new VectorTile(new PbfReader(new Uint8Array(buffer))).layers.incidents;
  if (!layer) return [];
  return Array.from({ length: layer.length }, (_, index) => {
    const feature = layer.feature(index);
    const point = feature.loadGeometry()[0]?.[0];
    return {
      x: point?.x ?? Number.NaN,
      y: point?.y ?? Number.NaN,
      count: feature.properties.count as number,
      missingChild: feature.properties.missing_child as number,
      sighting: feature.properties.sighting as number,
      abuse: feature.properties.abuse as number,
    };
  }).sort((left, right) => left.x - right.x || left.y - right.y);
}

/**
 * Checks every counted zoom's tiles around the three cities and the trends against the view, for
 * every filter. Returns the number of incidents in the compared clusters, so a caller can tell
 * that the comparison was not between two empty tiles.
 */
async function expectCountsEqualView(): Promise<number> {
  let compared = 0;
  for (const { name, filter } of FILTERS) {
    for (let z = 0; z <= COUNTED_TILE_MAX_ZOOM; z += 1) {
      for (const place of PLACES) {
        const { x, y } = tileOf(place.lon, place.lat, z);
        const counted = clustersOf(await analysis.tile(z, x, y, filter, 'analyst', 'counts'));
        const exact = clustersOf(await analysis.tile(z, x, y, filter, 'analyst', 'incidents'));
        const where = `${name}, ${place.name} at zoom ${z}`;
        expect(
          counted.map(({ x, y, ...counts }) => counts),
          where,
        ).toEqual(exact.map(({ x, y, ...counts }) => counts));
        // The mean positions differ only by rounding in the last bits, at most one tile unit.
        for (const [index, cluster] of counted.entries()) {
          expect(Math.abs(cluster.x - (exact[index]?.x ?? Number.NaN)), where).toBeLessThanOrEqual(1);
          expect(Math.abs(cluster.y - (exact[index]?.y ?? Number.NaN)), where).toBeLessThanOrEqual(1);
        }
        compared += exact.reduce((sum, cluster) => sum + cluster.count, 0);
      }
    }
    expect(await analysis.trends(filter, 'counts'), `trends, ${name}`).toEqual(
      await analysis.trends(filter, 'incidents'),
    );
  }
  return compared;
}

/** Rows of the cell counts for 1997 that a recount of the incidents table would not give, both ways. */
async function countsDifferingFromRecount(): Promise<number> {
  const { rows } = await db.raw(
    `WITH recount AS (
       SELECT l.level, analysis_cell_x(ST_X(a.place), l.level) AS cell_x, analysis_cell_y(ST_Y(a.place), l.level) AS cell_y,
              date_trunc('month', a.occurred_at AT TIME ZONE 'Asia/Karachi')::date AS month,
              a.type, a.category, a.age_band, a.sex, count(*)::integer AS count
       FROM incidents a CROSS JOIN generate_series(6, 12) AS l(level)
       WHERE a.occurred_at >= ? AND a.occurred_at < ?
       GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
     ),
     stored AS (
       SELECT level::integer, cell_x, cell_y, month, type, category, age_band, sex, count
       FROM analysis_cell_counts WHERE month >= '1997-01-01' AND month < '1998-01-01'
     ),
     type_recount AS (
       SELECT level, cell_x, cell_y, month, type, sum(count)::integer AS count FROM recount GROUP BY 1, 2, 3, 4, 5
     ),
     type_stored AS (
       SELECT level::integer, cell_x, cell_y, month, type, count
       FROM analysis_cell_type_counts WHERE month >= '1997-01-01' AND month < '1998-01-01'
     )
     SELECT (SELECT count(*) FROM (SELECT * FROM recount EXCEPT SELECT * FROM stored) missing)
          + (SELECT count(*) FROM (SELECT * FROM stored EXCEPT SELECT * FROM recount) extra)
          + (SELECT count(*) FROM (SELECT * FROM type_recount EXCEPT SELECT * FROM type_stored) missing)
          + (SELECT count(*) FROM (SELECT * FROM type_stored EXCEPT SELECT * FROM type_recount) extra) AS differing`,
    [new Date(YEAR_START), new Date(YEAR_END)],
  );
  return Number(rows[0].differing);
}

beforeAll(async () => {
  const databaseUrl = process.env.TEST_DATABASE_URL;
  if (!databaseUrl)
    throw new Error('TEST_DATABASE_URL is not set; run the tests through vitest (test/global-setup.ts)');
  db = createDatabase(databaseUrl, 2);
  analysis = new AnalysisRepository(db);
  incidents = new IncidentRepository(db);
});

afterAll(async () => {
  await db.destroy();
});

describe('analysis counts', () => {
  it('match the view after a bulk load', async () => {
    importId = await db.transaction(async (trx) => {
      const id = await incidents.createImport(
        trx,
        {
          fileName: 'counts-1997.csv',
          fileSha256: '-',
          format: 'csv',
          importedBy: 'analysis-counts test',
          rowCount: 600,
          skippedRows: [],
        },
        600,
      );
      await incidents.insertMany(trx, generatedIncidents(600), { source: 'import', importId: id });
      return id;
    });

    expect(await countsDifferingFromRecount()).toBe(0);
    expect(await expectCountsEqualView()).toBeGreaterThan(1000);
  });

  it('match the view after cases and sightings', async () => {
    // Cases in a whole month, in the partial month at the start of 'mid-March to mid-August' and
    // inside 'inside June'; sightings likewise.
    const cases = [
      { at: '1997-04-30T20:00:00Z', lon: 74.36, lat: 31.53, age: 6 },
      { at: '1997-03-12T08:00:00Z', lon: 74.3, lat: 31.4, age: 12 },
      { at: '1997-06-10T15:00:00Z', lon: 67.1, lat: 24.95, age: 3 },
    ];
    const created = await db('cases')
      .insert(
        cases.map((row, index) => ({
          tracking_code: `COUNTS-1997-${index + 1}`,
          child_name: 'Test Child',
          child_age: row.age,
          child_sex: 'female',
          last_seen_at: new Date(row.at),
          last_seen: db.raw('ST_SetSRID(ST_MakePoint(?, ?), 4326)', [row.lon, row.lat]),
          reporter_name: 'Test Reporter',
          reporter_phone: '+923000000000',
        })),
      )
      .returning('id');
    caseIds = created.map((row: { id: string }) => row.id);
    const sightings = [
      { at: '1997-09-30T19:30:00Z', lon: 67.07, lat: 24.9 },
      { at: '1997-03-11T09:00:00Z', lon: 66.95, lat: 30.2 },
      { at: '1997-06-20T22:00:00Z', lon: 74.4, lat: 31.6 },
    ];
    const seen = await db('sightings')
      .insert(
        sightings.map((row) => ({
          seen_at: new Date(row.at),
          place: db.raw('ST_SetSRID(ST_MakePoint(?, ?), 4326)', [row.lon, row.lat]),
        })),
      )
      .returning('id');
    sightingIds = seen.map((row: { id: string }) => row.id);
    // 20:00 UTC on 30 April is 1 May in Pakistan, so the case belongs to May.
    const may = await analysis.trends({
      from: new Date(YEAR_START),
      to: new Date(YEAR_END),
      ageBand: ['5-9'],
    });
    const exactMay = await analysis.trends(
      { from: new Date(YEAR_START), to: new Date(YEAR_END), ageBand: ['5-9'] },
      'incidents',
    );
    expect(may.months.find((row) => row.month === '1997-05')).toEqual(
      exactMay.months.find((row) => row.month === '1997-05'),
    );

    expect(await countsDifferingFromRecount()).toBe(0);
    await expectCountsEqualView();
  });

  it('match the view after updates', async () => {
    // Moves incidents to other months and places, and changes filtered fields.
    await db.raw(
      `UPDATE incidents SET occurred_at = occurred_at + interval '40 days',
              place = ST_SetSRID(ST_MakePoint(ST_X(place) + 0.7, ST_Y(place) - 0.4), 4326)
       WHERE import_id = ? AND type = 'missing_child'`,
      [importId],
    );
    await db.raw(
      `UPDATE incidents SET category = 'child_labour', sex = 'female', age_band = '0-4'
       WHERE import_id = ? AND type = 'abuse' AND category = 'other'`,
      [importId],
    );
    await db('cases')
      .whereIn('id', caseIds.slice(0, 2))
      .update({ child_age: 15, last_seen_at: new Date('1997-11-02T10:00:00Z') });
    await db('sightings')
      .where({ id: sightingIds[1] })
      .update({ place: db.raw('ST_SetSRID(ST_MakePoint(74.2, 31.45), 4326)') });
    await db('cases').whereIn('id', caseIds).update({ status: 'acknowledged' });

    expect(await countsDifferingFromRecount()).toBe(0);
    await expectCountsEqualView();
  });

  it('match the view after deletes', async () => {
    await db.raw(`DELETE FROM incidents WHERE import_id = ? AND sex = 'male'`, [importId]);
    await db('sightings').where({ id: sightingIds[0] }).delete();
    await db('cases').where({ id: caseIds[2] }).delete();

    expect(await countsDifferingFromRecount()).toBe(0);
    await expectCountsEqualView();

    // Deleting the import deletes its incidents (ON DELETE CASCADE), and the cases and sightings
    // go too. No count row of 1997 may be left behind.
    await db('incident_imports').where({ id: importId }).delete();
    await db('cases').whereIn('id', caseIds).delete();
    await db('sightings').whereIn('id', sightingIds).delete();
    const { rows } = await db.raw(
      `SELECT (SELECT count(*) FROM analysis_cell_counts WHERE month >= '1997-01-01' AND month < '1998-01-01')
            + (SELECT count(*) FROM analysis_cell_type_counts WHERE month >= '1997-01-01' AND month < '1998-01-01')
            + (SELECT count(*) FROM analysis_weekday_counts WHERE month >= '1997-01-01' AND month < '1998-01-01')
            + (SELECT count(*) FROM analysis_hour_counts WHERE month >= '1997-01-01' AND month < '1998-01-01') AS left_over`,
    );
    expect(Number(rows[0].left_over)).toBe(0);
  });
});

describe('report intake', () => {
  it('fires no analysis trigger on cases or sightings', async () => {
    const { rows } = await db.raw(
      `SELECT t.tgname FROM pg_trigger t
       WHERE t.tgrelid IN ('cases'::regclass, 'sightings'::regclass) AND t.tgname LIKE '%analysis%'`,
    );
    expect(rows).toEqual([]);
  });

  it('answers during an incident load', async () => {
    const test = await startTestPlatform({}, { worker: false });
    const report = lahoreReport();
    // A load of incidents with the report's type, place, month, age band and sex, held open. It
    // writes the count rows that the report's case would write if cases were counted.
    const load = await db.transaction();
    try {
      const loadId = await incidents.createImport(
        load,
        {
          fileName: 'counts-held-open.csv',
          fileSha256: '-',
          format: 'csv',
          importedBy: 'analysis-counts test',
          rowCount: 50,
          skippedRows: [],
        },
        50,
      );
      const loadRows: StoredIncident[] = Array.from({ length: 50 }, () => ({
        type: 'missing_child',
        category: null,
        occurredAt: new Date(report.lastSeen.at),
        lat: report.lastSeen.lat,
        lon: report.lastSeen.lon,
        ageBand: '5-9',
        sex: 'female',
        districtCode: 'PK-TEST',
        regionCode: 'PK-TEST',
        provinceCode: 'PK-TEST',
      }));
      await incidents.insertMany(load, loadRows, { source: 'import', importId: loadId });

      const response = await fetch(`${test.baseUrl}/api/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(report),
        signal: AbortSignal.timeout(5_000),
      });
      expect(response.status).toBe(201);
    } finally {
      await load.rollback();
      await test.stop();
    }
  });
});
