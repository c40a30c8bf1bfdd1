// The counts behind low-zoom tiles and the trends, checked against the same queries over the
// analysis_incidents view after a bulk load, updates and deletes of incidents, cases and sightings,
// and against a recount with GROUP BY after every kind of change, concurrent ones included. The rows
// lie in 1996 and 1997, years no other test uses. The counts hold incidents only, so a report
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

// Incidents around the three cities, spread over one year (1997 unless given) and over every filter
// value. `spread` is the side in degrees of the square around each city.
function generatedIncidents(count: number, year = 1997, spread = 0.6): StoredIncident[] {
  const random = seededRandom(year);
  const start = Date.parse(`${year}-01-01T00:00:00+05:00`);
  const end = Date.parse(`${year + 1}-01-01T00:00:00+05:00`);
  return Array.from({ length: count }, () => {
    const place = pick(random, PLACES);
    const roll = random();
    let type: IncidentDraft['type'] = 'sighting';
    if (roll < 0.5) type = 'abuse';
    else if (roll < 0.8) type = 'missing_child';
    return {
      type,
      category: type === 'abuse' ? pick(random, CATEGORIES) : null,
      occurredAt: new Date(start + random() * (end - start)),
      lat: place.lat + (random() - 0.5) * spread,
      lon: place.lon + (random() - 0.5) * spread,
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

/**
 * Counts the rows of the four count tables for one year (in Pakistan Standard Time) that differ from
 * a recount of the incidents table with GROUP BY: missing, left over, or with another count or
 * coordinate sum. `connection` may be a transaction, to check the counts visible inside it.
 */
async function countsDifferingFromRecount(
  year = 1997,
  connection: Knex | Knex.Transaction = db,
): Promise<number> {
  const from = new Date(`${year}-01-01T00:00:00+05:00`);
  const to = new Date(`${year + 1}-01-01T00:00:00+05:00`);
  const months = [`${year}-01-01`, `${year + 1}-01-01`];
  // The sums of coordinates are kept by adding and subtracting, so they may differ from a fresh sum
  // in the last bits.
  const sumsDiffer = (left: string, right: string) =>
    `abs(${left}.sum_lon - ${right}.sum_lon) > 1e-6 OR abs(${left}.sum_lat - ${right}.sum_lat) > 1e-6`;
  const { rows } = await connection.raw(
    `WITH rows AS (
       SELECT a.type, coalesce(a.category, '-') AS category, a.age_band, a.sex, ST_X(a.place) AS lon,
              ST_Y(a.place) AS lat, a.occurred_at AT TIME ZONE 'Asia/Karachi' AS at
       FROM incidents a WHERE a.occurred_at >= ? AND a.occurred_at < ?
     ),
     cells AS (
       SELECT l.level, analysis_cell_x(r.lon, l.level) AS cell_x, analysis_cell_y(r.lat, l.level) AS cell_y,
              date_trunc('month', r.at)::date AS month, r.type, r.category, r.age_band, r.sex,
              count(*)::integer AS count, sum(r.lon) AS sum_lon, sum(r.lat) AS sum_lat
       FROM rows r CROSS JOIN generate_series(6, 12) AS l(level)
       GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
     ),
     stored_cells AS (
       SELECT level::integer, cell_x, cell_y, month, type, coalesce(category, '-') AS category, age_band, sex,
              count, sum_lon, sum_lat
       FROM analysis_cell_counts WHERE month >= ?::date AND month < ?::date
     ),
     type_cells AS (
       SELECT level, cell_x, cell_y, month, type, sum(count)::integer AS count, sum(sum_lon) AS sum_lon,
              sum(sum_lat) AS sum_lat
       FROM cells GROUP BY 1, 2, 3, 4, 5
     ),
     stored_type_cells AS (
       SELECT level::integer, cell_x, cell_y, month, type, count, sum_lon, sum_lat
       FROM analysis_cell_type_counts WHERE month >= ?::date AND month < ?::date
     ),
     weekdays AS (
       SELECT date_trunc('month', at)::date AS month, extract(isodow FROM at)::integer AS day_of_week,
              type, category, age_band, sex, count(*)::integer AS count
       FROM rows GROUP BY 1, 2, 3, 4, 5, 6
     ),
     stored_weekdays AS (
       SELECT month, day_of_week::integer, type, coalesce(category, '-') AS category, age_band, sex, count
       FROM analysis_weekday_counts WHERE month >= ?::date AND month < ?::date
     ),
     hours AS (
       SELECT date_trunc('month', at)::date AS month, extract(hour FROM at)::integer AS hour,
              type, category, age_band, sex, count(*)::integer AS count
       FROM rows GROUP BY 1, 2, 3, 4, 5, 6
     ),
     stored_hours AS (
       SELECT month, hour::integer, type, coalesce(category, '-') AS category, age_band, sex, count
       FROM analysis_hour_counts WHERE month >= ?::date AND month < ?::date
     )
     SELECT
       (SELECT count(*) FROM cells r FULL JOIN stored_cells s USING (level, cell_x, cell_y, month, type, category, age_band, sex)
        WHERE r.count IS DISTINCT FROM s.count OR ${sumsDiffer('r', 's')})
     + (SELECT count(*) FROM type_cells r FULL JOIN stored_type_cells s USING (level, cell_x, cell_y, month, type)
        WHERE r.count IS DISTINCT FROM s.count OR ${sumsDiffer('r', 's')})
     + (SELECT count(*) FROM weekdays r FULL JOIN stored_weekdays s USING (month, day_of_week, type, category, age_band, sex)
        WHERE r.count IS DISTINCT FROM s.count)
     + (SELECT count(*) FROM hours r FULL JOIN stored_hours s USING (month, hour, type, category, age_band, sex)
        WHERE r.count IS DISTINCT FROM s.count) AS differing`,
    [from, to, ...months, ...months, ...months, ...months],
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

// The counts of 1996 against a recount after each kind of change to incidents: single rows, mixed
// statements in one transaction, a load of several INSERT statements, and transactions that change
// the same count rows at the same time.
describe('analysis counts against a recount', () => {
  let loadId: string;

  async function createImport(connection: Knex.Transaction, fileName: string, rows: number): Promise<string> {
    return incidents.createImport(
      connection,
      {
        fileName,
        fileSha256: '-',
        format: 'csv',
        importedBy: 'analysis-counts test',
        rowCount: rows,
        skippedRows: [],
      },
      rows,
    );
  }

  // One abuse incident in Lahore with the given time, place and category, stored by the statement itself.
  async function insertOne(at: string, lon: number, lat: number, category = 'abduction'): Promise<string> {
    const { rows } = await db.raw(
      `INSERT INTO incidents (type, category, occurred_at, place, age_band, sex, source, import_id)
       VALUES ('abuse', ?, ?, ST_SetSRID(ST_MakePoint(?, ?), 4326), '5-9', 'female', 'import', ?)
       RETURNING id`,
      [category, at, lon, lat, loadId],
    );
    return rows[0].id as string;
  }

  it('match after a load of several statements', async () => {
    // 12,000 rows are three INSERT statements of IncidentRepository.insertMany.
    loadId = await db.transaction(async (trx) => {
      const id = await createImport(trx, 'counts-1996.csv', 12_000);
      await incidents.insertMany(trx, generatedIncidents(12_000, 1996), { source: 'import', importId: id });
      return id;
    });

    expect(await countsDifferingFromRecount(1996)).toBe(0);
    const { rows } = await db.raw(
      `SELECT sum(count)::integer AS counted FROM analysis_cell_type_counts
       WHERE level = 6 AND month >= '1996-01-01' AND month < '1997-01-01'`,
    );
    expect(rows[0].counted).toBe(12_000);
  });

  it('match after single-row changes', async () => {
    const id = await insertOne('1996-05-10T10:00:00Z', 74.3, 31.5);
    expect(await countsDifferingFromRecount(1996)).toBe(0);

    // To another month, place and category.
    await db('incidents')
      .where({ id })
      .update({
        occurred_at: new Date('1996-09-01T03:00:00Z'),
        place: db.raw('ST_SetSRID(ST_MakePoint(67.1, 24.9), 4326)'),
        category: 'trafficking',
      });
    expect(await countsDifferingFromRecount(1996)).toBe(0);

    // Inside its cell at every level: the sums change and the counts do not.
    await db('incidents')
      .where({ id })
      .update({ place: db.raw('ST_SetSRID(ST_MakePoint(67.1001, 24.9001), 4326)') });
    expect(await countsDifferingFromRecount(1996)).toBe(0);

    // A column that the counts leave out.
    await db('incidents').where({ id }).update({ district_code: 'PK-OTHER' });
    expect(await countsDifferingFromRecount(1996)).toBe(0);

    await db('incidents').where({ id }).delete();
    expect(await countsDifferingFromRecount(1996)).toBe(0);
  });

  it('match after mixed statements in one transaction', async () => {
    await db.transaction(async (trx) => {
      const ids = await incidents.insertMany(trx, generatedIncidents(300, 1996, 0.05), {
        source: 'import',
        importId: loadId,
      });
      // Rows inserted by this transaction are moved and deleted again before it commits.
      await trx('incidents')
        .whereIn('id', ids.slice(0, 100))
        .update({ occurred_at: trx.raw(`occurred_at + interval '31 days'`), sex: 'unknown' });
      await trx('incidents').whereIn('id', ids.slice(50, 150)).delete();
      // Rows of the earlier load go to another month and back, which leaves their counts as they were.
      await trx.raw(
        `UPDATE incidents SET occurred_at = occurred_at - interval '62 days' WHERE import_id = ? AND age_band = '0-4'`,
        [loadId],
      );
      await trx.raw(
        `UPDATE incidents SET occurred_at = occurred_at + interval '62 days' WHERE import_id = ? AND age_band = '0-4'`,
        [loadId],
      );
      await trx.raw(
        `UPDATE incidents SET category = 'other', place = ST_SetSRID(ST_MakePoint(ST_X(place) + 0.2, ST_Y(place)), 4326)
         WHERE import_id = ? AND type = 'abuse' AND age_band = '14-17'`,
        [loadId],
      );
      await trx.raw(`DELETE FROM incidents WHERE import_id = ? AND sex = 'other'`, [loadId]);
    });

    expect(await countsDifferingFromRecount(1996)).toBe(0);
  });

  it('match inside a transaction after analysis_counts_flush', async () => {
    const trx = await db.transaction();
    try {
      await incidents.insertMany(trx, generatedIncidents(50, 1996), { source: 'import', importId: loadId });
      await trx.raw(`DELETE FROM incidents WHERE import_id = ? AND age_band = '10-13'`, [loadId]);
      // Before the flush, the counts read in the transaction do not include its own changes.
      expect(await countsDifferingFromRecount(1996, trx)).toBeGreaterThan(0);
      await trx.raw('SELECT analysis_counts_flush()');
      expect(await countsDifferingFromRecount(1996, trx)).toBe(0);
    } finally {
      await trx.rollback();
    }
    expect(await countsDifferingFromRecount(1996)).toBe(0);
  });

  it('match after concurrent transactions on the same rows', async () => {
    // Rows within 0.02 degrees of the three cities share their count rows at most levels. In each
    // round one transaction deletes rows of the other's earlier rounds, so some count rows fall to
    // 0 while the other transaction adds to them.
    const rounds = 4;
    for (let round = 0; round < rounds; round += 1) {
      const first = await db.transaction();
      const second = await db.transaction();
      try {
        const firstImport = await createImport(first, `counts-1996-first-${round}.csv`, 200);
        const secondImport = await createImport(second, `counts-1996-second-${round}.csv`, 200);
        await incidents.insertMany(first, generatedIncidents(200, 1996, 0.02), {
          source: 'import',
          importId: firstImport,
        });
        await incidents.insertMany(second, generatedIncidents(200, 1996, 0.02), {
          source: 'import',
          importId: secondImport,
        });
        await first.raw(
          `DELETE FROM incidents WHERE import_id IN
             (SELECT id FROM incident_imports WHERE file_name LIKE 'counts-1996-second-%')`,
        );
        await second.raw(
          `UPDATE incidents SET occurred_at = occurred_at + interval '1 hour'
           WHERE import_id IN (SELECT id FROM incident_imports WHERE file_name LIKE 'counts-1996-first-%')
             AND sex = 'female'`,
        );
        await Promise.all([first.commit(), second.commit()]);
      } finally {
        if (!first.isCompleted()) await first.rollback();
        if (!second.isCompleted()) await second.rollback();
      }
      expect(await countsDifferingFromRecount(1996), `round ${round}`).toBe(0);
    }
  });

  it('leave no row after deleting every incident', async () => {
    await db('incident_imports').where('file_name', 'like', 'counts-1996%').delete();
    expect(await countsDifferingFromRecount(1996)).toBe(0);
    const { rows } = await db.raw(
      `SELECT (SELECT count(*) FROM analysis_cell_counts WHERE month >= '1996-01-01' AND month < '1997-01-01')
            + (SELECT count(*) FROM analysis_cell_type_counts WHERE month >= '1996-01-01' AND month < '1997-01-01')
            + (SELECT count(*) FROM analysis_weekday_counts WHERE month >= '1996-01-01' AND month < '1997-01-01')
            + (SELECT count(*) FROM analysis_hour_counts WHERE month >= '1996-01-01' AND month < '1997-01-01') AS left_over`,
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
