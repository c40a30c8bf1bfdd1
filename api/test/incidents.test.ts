// Recording abuse incidents and importing historical ones, against the real API and PostGIS.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startTestPlatform, type TestPlatform } from './support/platform.js';

let test: TestPlatform;
let analyst: string;
let dpoLahore: string;

// Inside Lahore district, and the same place written as degrees-minutes-seconds.
const LAHORE = { lat: 31.5497, lon: 74.3436 };
const LAHORE_DMS = { lat: `31°32'58.92"N`, lon: `74°20'36.96"E` };
// Inside Karachi South, far outside Lahore.
const KARACHI = { lat: 24.8607, lon: 67.0011 };

beforeAll(async () => {
  test = await startTestPlatform({ FACE_DETECTOR_PRELOAD: 'false' }, { worker: false });
  analyst = await signIn(test, 'analyst');
  dpoLahore = await signIn(test, 'dpo', 'PK-PB-LAHORE');
});

afterAll(async () => {
  await test.stop();
});

async function postImport(
  body: string,
  options: { cookie?: string; type?: string; query?: string } = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${test.baseUrl}/api/incidents/imports?${options.query ?? 'name=test.csv'}`, {
    method: 'POST',
    headers: {
      'content-type': options.type ?? 'text/csv',
      ...(options.cookie === '' ? {} : { cookie: options.cookie ?? analyst }),
    },
    body,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function countImported(importId: string): Promise<number> {
  const row = await test.platform
    .db('incidents')
    .where('import_id', importId)
    .count<{ count: string }[]>('* as count');
  return Number(row[0]?.count);
}

const HEADER = 'type,category,occurred_at,lat,lon,age,sex';

// A CSV field in quotes, with its quote characters doubled (the seconds sign of a DMS value).
function csvQuoted(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

describe('POST /api/incidents', () => {
  const body = {
    category: 'child_labour',
    occurredAt: '2025-03-05T14:30:00+05:00',
    place: LAHORE,
    ageBand: '10-13',
    sex: 'male',
  };

  async function record(cookie: string | undefined, payload: unknown) {
    return fetch(`${test.baseUrl}/api/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(payload),
    });
  }

  it('stores an abuse incident in the district', async () => {
    const response = await record(dpoLahore, body);
    expect(response.status).toBe(201);
    const stored = (await response.json()) as { id: string; district: string };
    expect(stored.district).toBe('PK-PB-LAHORE');
    const row = await test.platform.db('incidents').where('id', stored.id).first();
    expect(row.type).toBe('abuse');
    expect(row.category).toBe('child_labour');
    expect(row.source).toBe('officer');
    const audit = await test.platform
      .db('audit_log')
      .where('action', 'incident.record')
      .orderBy('id', 'desc')
      .first();
    expect(audit.details.incidentId).toBe(stored.id);
  });

  it('rejects anonymous and analyst callers', async () => {
    expect((await record(undefined, body)).status).toBe(401);
    expect((await record(analyst, body)).status).toBe(403);
  });

  it('rejects a place outside the officer district', async () => {
    const response = await record(dpoLahore, { ...body, place: KARACHI });
    expect(response.status).toBe(403);
  });

  it('names the invalid field', async () => {
    const response = await record(dpoLahore, { ...body, category: 'theft' });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; field: string } };
    expect(error.code).toBe('INVALID_INCIDENT');
    expect(error.field).toBe('category');
  });

  it('rejects a point at sea', async () => {
    const response = await record(dpoLahore, { ...body, place: { lat: 20, lon: 62 } });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('OUTSIDE_JURISDICTION');
  });
});

describe('POST /api/incidents/imports', () => {
  it('loads a valid CSV with commas, DMS and ages', async () => {
    const csv = [
      HEADER,
      `abuse,trafficking,2019-01-10T08:00:00Z,${LAHORE.lat},${LAHORE.lon},6,female`,
      `missing_child,,2019-01-11 09:30,${csvQuoted(LAHORE_DMS.lat)},${csvQuoted(LAHORE_DMS.lon)},12,male`,
      `sighting,,2019-01-12T10:00:00+05:00,${KARACHI.lat},${KARACHI.lon},,unknown`,
    ].join('\n');
    const { status, json } = await postImport(csv);
    expect(status).toBe(201);
    expect(json.loaded).toBe(3);
    expect(json.invalid).toEqual([]);

    const rows = await test.platform
      .db('incidents')
      .where('import_id', json.importId as string)
      .orderBy('occurred_at');
    expect(rows.map((row) => row.district_code)).toEqual([
      'PK-PB-LAHORE',
      'PK-PB-LAHORE',
      expect.stringMatching(/^PK-SD-/),
    ]);
    expect(rows.map((row) => row.age_band)).toEqual(['5-9', '10-13', 'unknown']);
    // A time without an offset is Pakistan Standard Time (UTC+5).
    expect(new Date(rows[1].occurred_at).toISOString()).toBe('2019-01-11T04:30:00.000Z');
  });

  it('reads a semicolon file with decimal commas', async () => {
    const csv = [
      'type;category;occurred_at;lat;lon;age_band;sex',
      'abuse;other;2019-02-01T10:00:00Z;31,5497;74,3436;0-4;female',
    ].join('\n');
    const { status, json } = await postImport(csv);
    expect(status).toBe(201);
    const row = await test.platform
      .db('incidents')
      .where('import_id', json.importId as string)
      .first();
    expect(row.district_code).toBe('PK-PB-LAHORE');
  });

  it('reports swapped coordinates with the row', async () => {
    const csv = [
      HEADER,
      `abuse,abduction,2019-01-10T08:00:00Z,${LAHORE.lat},${LAHORE.lon},6,female`,
      `abuse,abduction,2019-01-10T09:00:00Z,${LAHORE.lon},${LAHORE.lat},6,female`,
    ].join('\n');
    const before = await test.platform.db('incidents').count<{ count: string }[]>('* as count');
    const { status, json } = await postImport(csv);
    expect(status).toBe(422);
    expect((json.error as { code: string }).code).toBe('INVALID_ROWS');
    expect(json.invalid).toEqual([{ row: 3, swapped: true, problems: [expect.stringContaining('swap')] }]);
    const after = await test.platform.db('incidents').count<{ count: string }[]>('* as count');
    expect(after[0]?.count).toBe(before[0]?.count);
  });

  it('lists every bad row and loads nothing', async () => {
    const csv = [
      HEADER,
      `abuse,abduction,2019-01-10T08:00:00Z,${LAHORE.lat},${LAHORE.lon},6,female`,
      `abuse,,2019-01-10T08:00:00Z,${LAHORE.lat},${LAHORE.lon},6,female`,
      `abuse,abduction,2019-01-10,${LAHORE.lat},${LAHORE.lon},6,female`,
      `abuse,abduction,2019-01-10T08:00:00Z,"31°75'00""N",${LAHORE.lon},6,female`,
      `abuse,abduction,2019-01-10T08:00:00Z,${LAHORE.lat},${LAHORE.lon},19,female`,
      `abuse,abduction,2019-01-10T08:00:00Z,12.0,40.0,6,female`,
    ].join('\n');
    const { status, json } = await postImport(csv);
    expect(status).toBe(422);
    const invalid = json.invalid as { row: number; problems: string[] }[];
    expect(invalid.map((row) => row.row)).toEqual([3, 4, 5, 6, 7]);
    expect(invalid[0]?.problems[0]).toContain('category is missing');
    expect(invalid[1]?.problems[0]).toContain('occurred_at');
    expect(invalid[2]?.problems[0]).toContain('75 minutes');
    expect(invalid[3]?.problems[0]).toContain('age "19"');
    expect(invalid[4]?.problems[0]).toContain('outside every district');
    expect(json.loaded).toBe(0);
    expect(json.importId).toBeNull();
  });

  it('loads the valid rows with skipInvalid', async () => {
    const csv = [
      HEADER,
      `abuse,abduction,2019-03-10T08:00:00Z,${LAHORE.lat},${LAHORE.lon},6,female`,
      `abuse,kidnap,2019-03-10T08:00:00Z,${LAHORE.lat},${LAHORE.lon},6,female`,
    ].join('\n');
    const { status, json } = await postImport(csv, { query: 'name=partial.csv&skipInvalid=true' });
    expect(status).toBe(201);
    expect(json.loaded).toBe(1);
    expect((json.invalid as { row: number }[]).map((row) => row.row)).toEqual([3]);
    expect(await countImported(json.importId as string)).toBe(1);
    const record = await test.platform
      .db('incident_imports')
      .where('id', json.importId as string)
      .first();
    expect(record.skipped_rows).toHaveLength(1);
  });

  it('loads GeoJSON and detects a swap', async () => {
    const feature = (coordinates: [number, number]) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates },
      properties: {
        type: 'abuse',
        category: 'sexual_abuse',
        occurred_at: '2019-04-01T12:00:00Z',
        age_band: '14-17',
        sex: 'female',
      },
    });
    const good = JSON.stringify({ type: 'FeatureCollection', features: [feature([LAHORE.lon, LAHORE.lat])] });
    const loaded = await postImport(good, { type: 'application/geo+json', query: 'name=a.geojson' });
    expect(loaded.status).toBe(201);
    expect(loaded.json.loaded).toBe(1);

    const swapped = JSON.stringify({
      type: 'FeatureCollection',
      features: [feature([LAHORE.lon, LAHORE.lat]), feature([LAHORE.lat, LAHORE.lon])],
    });
    const rejected = await postImport(swapped, { type: 'application/geo+json', query: 'name=b.geojson' });
    expect(rejected.status).toBe(422);
    expect(rejected.json.invalid).toEqual([{ row: 2, swapped: true, problems: [expect.any(String)] }]);
  });

  it('rejects an unreadable file', async () => {
    const { status, json } = await postImport('{"type": "Feature"}', { type: 'application/geo+json' });
    expect(status).toBe(400);
    expect((json.error as { code: string }).code).toBe('UNREADABLE_FILE');
    const missing = await postImport('type,lat,lon\nabuse,31,74\n');
    expect(missing.status).toBe(400);
    expect((missing.json.error as { message: string }).message).toContain('occurred_at');
  });

  it('rejects other roles and media types', async () => {
    expect((await postImport(HEADER, { cookie: '' })).status).toBe(401);
    expect((await postImport(HEADER, { cookie: dpoLahore })).status).toBe(403);
    expect((await postImport(HEADER, { type: 'text/plain' })).status).toBe(415);
  });
});

describe('npm run import:incidents', () => {
  const run = promisify(execFile);

  async function importFile(csv: string, ...options: string[]) {
    const directory = await mkdtemp(path.join(tmpdir(), 'talash-incidents-'));
    const file = path.join(directory, 'incidents.csv');
    await writeFile(file, csv);
    return run('npx', ['tsx', 'scripts/import-incidents.ts', file, ...options], {
      env: { ...process.env, DATABASE_URL: process.env.TEST_DATABASE_URL, LOG_LEVEL: 'error' },
    }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
  }

  it('lists the bad rows and exits 1', async () => {
    const csv = [
      HEADER,
      `abuse,other,2018-05-01T10:00:00Z,${LAHORE.lat},${LAHORE.lon},6,female`,
      `abuse,other,2018-05-01T10:00:00Z,${LAHORE.lon},${LAHORE.lat},6,female`,
    ].join('\n');
    const result = await importFile(csv);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('line 3: lat 74.3436 and lon 31.5497');
    expect(result.stdout).toContain('nothing was loaded');
  });

  it('loads the valid rows with --skip-invalid', async () => {
    const csv = [
      HEADER,
      `abuse,other,2018-06-01T10:00:00Z,${LAHORE.lat},${LAHORE.lon},6,female`,
      `abuse,other,2018-06-01T10:00:00Z,${LAHORE.lon},${LAHORE.lat},6,female`,
    ].join('\n');
    const result = await importFile(csv, '--skip-invalid', '--by', 'test-cli');
    expect(result.code).toBe(0);
    const importId = /as import ([0-9a-f-]{36})/.exec(result.stdout)?.[1];
    if (!importId) throw new Error(`no import id in: ${result.stdout}`);
    expect(await countImported(importId)).toBe(1);
    const record = await test.platform.db('incident_imports').where('id', importId).first();
    expect(record.imported_by).toBe('test-cli');
  });
});
