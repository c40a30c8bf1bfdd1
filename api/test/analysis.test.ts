// The analysts' map and statistics over incidents imported for 2001, a year no other test uses,
// against the real API, PostGIS and its vector tiles.
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tileOf } from '../src/analysis/tile-coordinates.js';
import { signIn, startTestPlatform, type TestPlatform } from './support/platform.js';

let test: TestPlatform;
let analyst: string;
let dpo: string;

const WINDOW = 'from=2001-01-01T00:00:00Z&to=2002-01-01T00:00:00Z';

interface RateRow {
  code: string;
  count: number;
  areaKm2: number;
  population: number | null;
  populationYear: number | null;
  rateBasis: 'population' | 'area';
  rate: number;
  per100kResidents: number | null;
  per1000Km2: number;
  perMonth: number;
}
const LAHORE = { lat: 31.5497, lon: 74.3436 };
const QUETTA = { lat: 30.1798, lon: 66.975 };

// 30 trafficking incidents within 200 m of one place in Lahore, over three days (Monday 4 June 2001
// to Wednesday 6 June, 08:00 PKT = 03:00 UTC), ten a day; girls and boys alternate.
function lahoreRows(): string[] {
  return Array.from({ length: 30 }, (_, index) => {
    const day = 4 + (index % 3);
    const lat = LAHORE.lat + ((index % 5) - 2) * 0.0004;
    const lon = LAHORE.lon + (Math.floor(index / 5) - 2.5) * 0.0004;
    return `abuse,trafficking,2001-06-0${day}T03:00:00Z,${lat.toFixed(6)},${lon.toFixed(6)},8,${index % 2 === 0 ? 'female' : 'male'}`;
  });
}

// 5 missing children in Karachi, each 2 km from the next, on Sunday 15 July 2001 at 15:00 PKT.
function karachiRows(): string[] {
  return Array.from(
    { length: 5 },
    (_, index) => `missing_child,,2001-07-15T10:00:00Z,${(24.9 + index * 0.018).toFixed(4)},67.08,4,female`,
  );
}

// 3 sightings in Quetta 5 km apart on Wednesday 1 August 2001, 23:00 PKT (18:00 UTC).
function quettaRows(): string[] {
  return Array.from(
    { length: 3 },
    (_, index) =>
      `sighting,,2001-08-01T18:00:00Z,${QUETTA.lat},${(QUETTA.lon + index * 0.05).toFixed(4)},,unknown`,
  );
}

// `cookie` '' sends the request anonymously.
async function getJson<T>(path: string, cookie: string = analyst): Promise<{ status: number; body: T }> {
  const response = await fetch(`${test.baseUrl}${path}`, { headers: cookie ? { cookie } : {} });
  return { status: response.status, body: (await response.json()) as T };
}

async function fetchTile(z: number, lon: number, lat: number, query: string, cookie?: string) {
  const { x, y } = tileOf(lon, lat, z);
  const response = await fetch(`${test.baseUrl}/api/analysis/tiles/${z}/${x}/${y}.mvt?${query}`, {
    headers: cookie ? { cookie } : {},
  });
  expect(response.status).toBe(200);
  const tile = new VectorTile(new PbfReader(new Uint8Array(await response.arrayBuffer())));
  const layer = tile.layers.incidents;
  const features = layer ? Array.from({ length: layer.length }, (_, index) => layer.feature(index)) : [];
  return { features, x, y, z, cacheControl: response.headers.get('cache-control') };
}

beforeAll(async () => {
  test = await startTestPlatform({ FACE_DETECTOR_PRELOAD: 'false' }, { worker: false });
  analyst = await signIn(test, 'analyst');
  dpo = await signIn(test, 'dpo', 'PK-PB-LAHORE');
  const csv = [
    'type,category,occurred_at,lat,lon,age,sex',
    ...lahoreRows(),
    ...karachiRows(),
    ...quettaRows(),
  ].join('\n');
  const response = await fetch(`${test.baseUrl}/api/incidents/imports?name=analysis-2001.csv`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', cookie: analyst },
    body: csv,
  });
  const body = await response.json();
  if (response.status !== 201) throw new Error(`test import failed: ${JSON.stringify(body)}`);
});

afterAll(async () => {
  await test.stop();
});

describe('vector tiles', () => {
  it('gives analysts exact points at zoom 13', async () => {
    const { features, cacheControl } = await fetchTile(
      13,
      LAHORE.lon,
      LAHORE.lat,
      `${WINDOW}&type=abuse`,
      analyst,
    );
    const abuse = features.filter((feature) => feature.properties.type === 'abuse');
    expect(abuse).toHaveLength(30);
    expect(abuse[0]?.properties.category).toBe('trafficking');
    expect(typeof abuse[0]?.properties.id).toBe('string');
    expect(cacheControl).toContain('no-store');
  });

  it('clusters points at low zoom', async () => {
    const { features } = await fetchTile(5, LAHORE.lon, LAHORE.lat, WINDOW, analyst);
    const total = features.reduce((sum, feature) => sum + Number(feature.properties.count), 0);
    expect(total).toBe(30);
    expect(features.length).toBeLessThan(30);
    expect(features.every((feature) => feature.properties.id === undefined)).toBe(true);
  });

  it('hides abuse incidents from the public', async () => {
    const { features } = await fetchTile(13, LAHORE.lon, LAHORE.lat, `${WINDOW}&type=abuse`);
    expect(features).toHaveLength(0);
    const low = await fetchTile(5, LAHORE.lon, LAHORE.lat, WINDOW);
    expect(low.features).toHaveLength(0);
  });

  it('rounds public missing-child points', async () => {
    const z = 12;
    const { features, x, y } = await fetchTile(z, 67.08, 24.918, WINDOW);
    expect(features.length).toBeGreaterThan(0);
    for (const feature of features) {
      expect(Object.keys(feature.properties)).toEqual(['count']);
      const geojson = feature.toGeoJSON(x, y, z).geometry as unknown as { coordinates: [number, number] };
      const [lon, lat] = geojson.coordinates;
      // Snapped to 0.01°; one tile unit at z12 is 2.1e-5° of longitude.
      expect(Math.abs(lon * 100 - Math.round(lon * 100))).toBeLessThan(0.005);
      expect(Math.abs(lat * 100 - Math.round(lat * 100))).toBeLessThan(0.005);
    }
    // Four of the five input latitudes (24.918, 24.936, …) lie off the 0.01° grid, so the loop above
    // fails without rounding. Analysts get the exact place at zoom 13.
    const analystTile = await fetchTile(13, 67.08, 24.918, `${WINDOW}&type=missing_child`, analyst);
    const latitudes = analystTile.features.map((feature) => {
      const geometry = feature.toGeoJSON(analystTile.x, analystTile.y, 13).geometry as unknown as {
        coordinates: [number, number];
      };
      return geometry.coordinates[1];
    });
    expect(latitudes.some((latitude) => Math.abs(latitude - 24.918) < 0.0001)).toBe(true);
  });

  it('limits public tiles per address', async () => {
    const limited = await startTestPlatform(
      { FACE_DETECTOR_PRELOAD: 'false', PUBLIC_TILES_PER_MINUTE: '2' },
      { worker: false },
    );
    try {
      const analystThere = await signIn(limited, 'analyst');
      const tileUrl = `${limited.baseUrl}/api/analysis/tiles/5/22/13.mvt`;
      expect((await fetch(tileUrl)).status).toBe(200);
      expect((await fetch(tileUrl)).status).toBe(200);
      const third = await fetch(tileUrl);
      expect(third.status).toBe(429);
      expect(((await third.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
      // Analysts are not limited: their map loads many tiles while they work.
      for (let request = 0; request < 3; request += 1) {
        expect((await fetch(tileUrl, { headers: { cookie: analystThere } })).status).toBe(200);
      }
    } finally {
      await limited.stop();
    }
  });

  it('rejects a tile outside the zoom level', async () => {
    const response = await fetch(`${test.baseUrl}/api/analysis/tiles/2/4/0.mvt`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('INVALID_TILE');
  });
});

describe('counts and trends', () => {
  it('counts per district with filters', async () => {
    const all = await getJson<{ total: number; counts: { code: string; count: number }[] }>(
      `/api/analysis/counts?level=district&${WINDOW}`,
    );
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(38);
    expect(all.body.counts.find((row) => row.code === 'PK-PB-LAHORE')?.count).toBe(30);
    expect(all.body.counts.find((row) => row.code === 'PK-BA-QUETTA')?.count).toBe(3);

    const girls = await getJson<{ total: number }>(
      `/api/analysis/counts?level=province&${WINDOW}&sex=female`,
    );
    expect(girls.body.total).toBe(15 + 5);
  });

  it('counts by month, weekday and hour', async () => {
    const { body } = await getJson<{
      months: { month: string; count: number }[];
      daysOfWeek: { day: number; count: number }[];
      hours: { hour: number; count: number }[];
      method: { en: string; ur: string };
    }>(`/api/analysis/trends?${WINDOW}`);
    expect(body.months).toEqual([
      { month: '2001-06', count: 30 },
      { month: '2001-07', count: 5 },
      { month: '2001-08', count: 3 },
    ]);
    // Monday, Tuesday and Wednesday have 10 Lahore incidents each, Wednesday also the 3 sightings,
    // and Sunday (7) the 5 missing children.
    expect(body.daysOfWeek.map((row) => row.count)).toEqual([10, 10, 13, 0, 0, 0, 5]);
    expect(body.hours.find((row) => row.hour === 8)?.count).toBe(30);
    expect(body.hours.find((row) => row.hour === 15)?.count).toBe(5);
    expect(body.hours.find((row) => row.hour === 23)?.count).toBe(3);
    expect(body.method.en).toContain('Pakistan Standard Time');
  });

  it('rates per district by area and month', async () => {
    const { body } = await getJson<{
      months: number;
      districts: RateRow[];
      method: { en: string; ur: string };
    }>(`/api/analysis/rates?${WINDOW}`);
    const lahore = body.districts.find((row) => row.code === 'PK-PB-LAHORE');
    if (!lahore) throw new Error('no rate for Lahore');
    const area = await test.platform.db.raw(
      `SELECT ST_Area(geom::geography) / 1e6 AS km2 FROM jurisdictions d JOIN boundary_versions v
       ON v.id = d.version_id AND v.status = 'live' WHERE d.code = 'PK-PB-LAHORE'`,
    );
    expect(lahore.per1000Km2).toBeCloseTo((30 / area.rows[0].km2) * 1000, 9);
    // The window is one year: 365 days over 30.44-day months.
    expect(body.months).toBeCloseTo(365 / (365.25 / 12), 9);
    expect(lahore.perMonth).toBeCloseTo(30 / body.months, 9);
    // The bundled boundaries bring no population, so every rate is per area.
    expect(lahore.rateBasis).toBe('area');
    expect(lahore.rate).toBe(lahore.per1000Km2);
    expect(lahore.per100kResidents).toBeNull();
    expect(body.districts.every((row) => row.rateBasis === 'area')).toBe(true);
    expect(body.method.en).toContain('per 1,000 km²');
    expect(body.method.en).not.toContain('100,000 residents');
  });

  it('rates per district per 100,000 residents', async () => {
    const db = test.platform.db;
    const live = db('jurisdictions')
      .whereIn('version_id', db('boundary_versions').select('id').where({ status: 'live' }))
      .where({ level: 'district', code: 'PK-PB-LAHORE' });
    // A made-up population for the test: 30 incidents in 1,500,000 residents are 2 per 100,000.
    await live.clone().update({ population: 1_500_000, population_year: 2023 });
    try {
      const { body } = await getJson<{ districts: RateRow[]; method: { en: string; ur: string } }>(
        `/api/analysis/rates?${WINDOW}`,
      );
      const lahore = body.districts.find((row) => row.code === 'PK-PB-LAHORE');
      if (!lahore) throw new Error('no rate for Lahore');
      expect(lahore.count).toBe(30);
      expect(lahore.population).toBe(1_500_000);
      expect(lahore.populationYear).toBe(2023);
      expect(lahore.rateBasis).toBe('population');
      expect(lahore.per100kResidents).toBeCloseTo(2, 12);
      expect(lahore.rate).toBeCloseTo(2, 12);
      // The response keeps the rate per area for comparison.
      expect(lahore.per1000Km2).toBeGreaterThan(0);

      const others = body.districts.filter((row) => row.code !== 'PK-PB-LAHORE');
      expect(others.every((row) => row.rateBasis === 'area' && row.rate === row.per1000Km2)).toBe(true);
      expect(body.method.en).toContain(
        `per 100,000 residents for the districts whose boundary import gave a population (1 of ${body.districts.length}; population figures of 2023)`,
      );
      expect(body.method.en).toContain('per 1,000 km² of area for the others');
      expect(body.method.ur).toContain('فی ایک لاکھ');
    } finally {
      await live.clone().update({ population: null, population_year: null });
    }
  });

  it('rejects a density grid that is too large', async () => {
    const { status, body } = await getJson<{ error: { code: string } }>(
      `/api/analysis/density?${WINDOW}&bandwidth=5000&cellSize=500`,
    );
    expect(status).toBe(400);
    expect(body.error.code).toBe('DENSITY_GRID_TOO_LARGE');
  });

  it('rejects a window that ends first', async () => {
    const { status, body } = await getJson<{ error: { code: string; field: string } }>(
      '/api/analysis/counts?from=2002-01-01T00:00:00Z&to=2001-01-01T00:00:00Z',
    );
    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_FILTER');
    expect(body.error.field).toBe('to');
  });

  it('rejects an unknown filter value', async () => {
    const { status, body } = await getJson<{ error: { code: string; field: string } }>(
      '/api/analysis/trends?sex=girl',
    );
    expect(status).toBe(400);
    expect(body.error.field).toBe('sex');
  });
});

describe('statistics', () => {
  it('finds the Lahore hotspot at 99%', async () => {
    const { status, body } = await getJson<{
      cells: { i: number; j: number; count: number; z: number; confidence: number; class: string }[];
      method: { en: string };
    }>(`/api/analysis/hotspots?${WINDOW}&cellSize=10000`);
    expect(status).toBe(200);
    expect(body.cells.reduce((sum, cell) => sum + cell.count, 0)).toBe(38);

    // The cell that ST_HexagonGrid itself draws around the Lahore place.
    const { rows } = await test.platform.db.raw(
      `SELECT h.i, h.j FROM ST_HexagonGrid(10000, ST_Expand(analysis_projected(ST_SetSRID(ST_MakePoint(?, ?), 4326)), 20000)) h
       WHERE ST_Intersects(h.geom, analysis_projected(ST_SetSRID(ST_MakePoint(?, ?), 4326)))`,
      [LAHORE.lon, LAHORE.lat, LAHORE.lon, LAHORE.lat],
    );
    const lahore = body.cells.find((cell) => cell.i === rows[0].i && cell.j === rows[0].j);
    expect(lahore?.count).toBe(30);
    expect(lahore?.class).toBe('hot');
    expect(lahore?.confidence).toBe(99);
    expect(body.cells.filter((cell) => cell.class === 'cold')).toHaveLength(0);
    expect(body.method.en).toContain('Benjamini-Hochberg');
  });

  it('integrates the density to the count', async () => {
    const { body } = await getJson<{
      bandwidth: number;
      cells: { density: number }[];
      method: { en: string };
    }>(`/api/analysis/density?${WINDOW}&bandwidth=10000&cellSize=2000`);
    // Cells of 4 km² in the analysis projection, whose scale error in Pakistan is below 0.5%.
    const total = body.cells.reduce((sum, cell) => sum + cell.density * 4, 0);
    expect(total).toBeGreaterThan(38 * 0.97);
    expect(total).toBeLessThan(38 * 1.03);
    expect(body.method.en).toContain('bandwidth of 10 km');
  });

  it('clusters the Lahore incidents in space and time', async () => {
    const { body } = await getJson<{
      clusters: { count: number; lat: number; lon: number; abuse: number }[];
    }>(`/api/analysis/clusters?${WINDOW}&distance=1000&days=7&minPoints=3`);
    expect(body.clusters).toHaveLength(1);
    expect(body.clusters[0]?.count).toBe(30);
    expect(body.clusters[0]?.abuse).toBe(30);
    expect(body.clusters[0]?.lat).toBeCloseTo(LAHORE.lat, 2);
  });

  it('splits a spatial cluster by time', async () => {
    // In 2002, in Multan: four incidents within 300 m of each other on days 1, 2, 3 and 40, and two
    // more 20 km away on day 1. With eps 1,000 m, 7 days and 3 points, DBSCAN over place finds the
    // four (the two are too few); over time it keeps days 1-3 and leaves day 40 as noise.
    const rows = [
      ['2002-03-01', 30.157, 71.5249],
      ['2002-03-02', 30.158, 71.5259],
      ['2002-03-03', 30.159, 71.5249],
      ['2002-04-09', 30.158, 71.5239],
      ['2002-03-01', 30.337, 71.5249],
      ['2002-03-01', 30.338, 71.5249],
    ].map(([day, lat, lon]) => `abuse,other,${day}T05:00:00Z,${lat},${lon},10,male`);
    const response = await fetch(`${test.baseUrl}/api/incidents/imports?name=dbscan-2002.csv`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', cookie: analyst },
      body: ['type,category,occurred_at,lat,lon,age,sex', ...rows].join('\n'),
    });
    expect(response.status).toBe(201);

    const { body } = await getJson<{ clusters: { count: number; start: string; end: string }[] }>(
      '/api/analysis/clusters?from=2002-01-01T00:00:00Z&to=2003-01-01T00:00:00Z&distance=1000&days=7&minPoints=3',
    );
    expect(body.clusters).toHaveLength(1);
    expect(body.clusters[0]?.count).toBe(3);
    expect(body.clusters[0]?.start).toBe('2002-03-01T05:00:00.000Z');
    expect(body.clusters[0]?.end).toBe('2002-03-03T05:00:00.000Z');
  });

  it('finds near-repeats with the Knox test', async () => {
    const { body } = await getJson<{
      pointCount: number;
      closeInSpace: number;
      closeInBoth: number;
      expectedCloseInBoth: number;
      pValue: number;
    }>(`/api/analysis/knox?${WINDOW}&distance=1000&days=7&permutations=199&seed=3`);
    expect(body.pointCount).toBe(38);
    // All 30 Lahore incidents lie within 1,000 m and 2 days of each other: C(30, 2) = 435 pairs.
    expect(body.closeInBoth).toBe(435);
    expect(body.expectedCloseInBoth).toBeLessThan(435);
    expect(body.pValue).toBeCloseTo(1 / 200, 9);
  });

  it('keeps statistics from other roles', async () => {
    expect((await getJson('/api/analysis/hotspots', '')).status).toBe(401);
    expect((await getJson('/api/analysis/knox', dpo)).status).toBe(403);
    expect((await getJson('/api/analysis/counts', dpo)).status).toBe(403);
  });
});

describe('case timings', () => {
  // Cases of 16-year-olds of sex "other" in Multan, a combination no other test files.
  const filter = 'ageBand=14-17&sex=other';
  let supervisor: string;

  async function fileCase(hoursAgo: number): Promise<string> {
    const response = await fetch(`${test.baseUrl}/api/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        child: { name: 'Timing Child', age: 16, sex: 'other' },
        lastSeen: { lat: 30.1575, lon: 71.5249, at: new Date().toISOString() },
        reporter: { name: 'Timing Reporter', phone: '+923001234567' },
      }),
    });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    await test.platform
      .db('cases')
      .where('id', id)
      .update({ created_at: new Date(Date.now() - hoursAgo * 3_600_000) });
    return id;
  }

  async function move(caseId: string, body: Record<string, string>): Promise<void> {
    const response = await fetch(`${test.baseUrl}/api/cases/${caseId}/transitions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: supervisor },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
  }

  beforeAll(async () => {
    supervisor = await signIn(test, 'national_supervisor');
    // Reported 4 h ago: FIR now (late), then recovered, 4 h after the report.
    const late = await fileCase(4);
    await move(late, { to: 'acknowledged' });
    await move(late, { to: 'fir_registered', firNumber: 'FIR-1', policeStation: 'Cantt' });
    await move(late, { to: 'recovered' });
    // Reported 1 h ago: FIR on time, recovered 1 h after the report.
    const onTime = await fileCase(1);
    await move(onTime, { to: 'acknowledged' });
    await move(onTime, { to: 'fir_registered', firNumber: 'FIR-2', policeStation: 'Cantt' });
    await move(onTime, { to: 'recovered' });
    // Reported 3 h ago, no FIR: missing. Reported now, no FIR: pending.
    await fileCase(3);
    await fileCase(0);
  });

  it('judges the FIR deadline per district', async () => {
    const { body } = await getJson<{
      districts: {
        code: string;
        cases: number;
        firOnTime: number;
        firLate: number;
        firMissing: number;
        firPending: number;
      }[];
    }>(`/api/analysis/compliance?${filter}`);
    const multan = body.districts.find((row) => row.code === 'PK-PB-MULTAN');
    expect(multan).toMatchObject({ cases: 4, firOnTime: 1, firLate: 1, firMissing: 1, firPending: 1 });
    // The 24-hour contact deadline has passed for none of them, and none was contacted.
    expect(multan).toMatchObject({ contactPending: 4 });
  });

  it('takes the median time to recovery', async () => {
    const { body } = await getJson<{ districts: { code: string; recovered: number; medianHours: number }[] }>(
      `/api/analysis/recovery?${filter}`,
    );
    const multan = body.districts.find((row) => row.code === 'PK-PB-MULTAN');
    expect(multan?.recovered).toBe(2);
    // The median of about 4 h and about 1 h: 2.5 h, plus the seconds the moves took.
    expect(multan?.medianHours).toBeGreaterThan(2.5);
    expect(multan?.medianHours).toBeLessThan(2.6);
  });
});

describe('exports', () => {
  it('exports the filtered view as CSV and audits it', async () => {
    const response = await fetch(`${test.baseUrl}/api/analysis/export?${WINDOW}&format=csv&type=sighting`, {
      headers: { cookie: analyst },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toContain('talash-incidents.csv');
    const lines = (await response.text()).trim().split('\r\n');
    expect(lines[0]).toBe(
      'id,type,category,occurred_at,lat,lon,age_band,sex,district_code,region_code,province_code,source',
    );
    expect(lines).toHaveLength(4);
    const audit = await test.platform
      .db('audit_log')
      .where('action', 'analysis.export')
      .orderBy('id', 'desc')
      .first();
    expect(audit.details).toMatchObject({ kind: 'incidents', format: 'csv', rows: 3 });
    expect(audit.details.filter).toMatchObject({ type: 'sighting' });
  });

  it('exports GeoJSON and the hotspot grid', async () => {
    const geojson = await fetch(
      `${test.baseUrl}/api/analysis/export?${WINDOW}&format=geojson&category=trafficking`,
      {
        headers: { cookie: analyst },
      },
    );
    const collection = (await geojson.json()) as { features: { properties: { category: string } }[] };
    expect(collection.features).toHaveLength(30);

    const grid = await fetch(`${test.baseUrl}/api/analysis/hotspots?${WINDOW}&format=csv`, {
      headers: { cookie: analyst },
    });
    expect(grid.status).toBe(200);
    expect((await grid.text()).split('\r\n')[0]).toBe('i,j,count,z,p,confidence,class');
    const audit = await test.platform
      .db('audit_log')
      .where('action', 'analysis.export')
      .orderBy('id', 'desc')
      .first();
    expect(audit.details).toMatchObject({ kind: 'hotspots', format: 'csv' });
  });

  it('refuses exports to other roles', async () => {
    expect((await fetch(`${test.baseUrl}/api/analysis/export?format=csv`)).status).toBe(401);
    expect(
      (await fetch(`${test.baseUrl}/api/analysis/export?format=csv`, { headers: { cookie: dpo } })).status,
    ).toBe(403);
  });
});
