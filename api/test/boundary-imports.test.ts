import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishInTransaction } from '../../etl/src/boundary-publishing.js';
import { createScratchDatabase } from '../../etl/test/support/database.js';
import { writeTestShapefile } from '../../etl/test/support/shapefile-writer.js';
import { deadlinePromptJobId } from '../src/jobs/deadline-queue.js';
import { CaseRepository } from '../src/repositories/case-repository.js';
import { JurisdictionRepository } from '../src/repositories/jurisdiction-repository.js';
import { rerouteAfterSwitch } from '../src/services/boundary-switch.js';
import { type ReportInput, type ReportReceipt, ReportService } from '../src/services/report-service.js';
import { extendLahoreAcrossBorder, redrawLahoreKasurBorder } from './support/boundary-files.js';
import { lahoreReport } from './support/duty-officers.js';
import { FakeSmsGateway } from './support/fake-sms-gateway.js';
import { signIn, startTestPlatform, type TestPlatform, waitFor } from './support/platform.js';

// Uploads above this many bytes are rejected; small, so that the limit can be tested cheaply.
const MAX_UPLOAD_BYTES = 1024 * 1024;
// Deadline lengths other than the defaults, so a test can tell that the configured ones were used.
const FIR_DEADLINE_MINUTES = 95;
const CONTACT_DEADLINE_MINUTES = 47;
const KASUR_DPO_PHONE = '+923001110011';
const LAHORE_DPO_PHONE = '+923001110012';
const LAHORE_RPO_PHONE = '+923001110013';

const directory = mkdtempSync(join(tmpdir(), 'talash-boundary-api-'));
let db: Knex;
let drop: () => Promise<void>;
let gateway: FakeSmsGateway;
let test: TestPlatform;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  ({ db, drop } = await createScratchDatabase('boundary_api').then(async (scratch) => {
    gateway = new FakeSmsGateway();
    await gateway.start();
    test = await startTestPlatform({
      DATABASE_URL: scratch.url,
      SMS_DRIVER: 'http',
      SMS_HTTP_URL: gateway.url,
      MAX_BOUNDARY_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
      FIR_DEADLINE_MINUTES: String(FIR_DEADLINE_MINUTES),
      CONTACT_DEADLINE_MINUTES: String(CONTACT_DEADLINE_MINUTES),
    });
    return scratch;
  }));
  await db('duty_officers').insert([
    { jurisdiction_code: 'PK-PB-KASUR', post: 'DPO', name: 'Test DPO Kasur', phone: KASUR_DPO_PHONE },
    { jurisdiction_code: 'PK-PB-LAHORE', post: 'DPO', name: 'Test DPO Lahore', phone: LAHORE_DPO_PHONE },
    { jurisdiction_code: 'PK-PB-LAHORE-DIV', post: 'RPO', name: 'Test RPO Lahore', phone: LAHORE_RPO_PHONE },
  ]);
  cookies.gisPunjab = await signIn(test, 'gis_officer', 'PK-PB');
  cookies.gisSindh = await signIn(test, 'gis_officer', 'PK-SD');
  cookies.admin = await signIn(test, 'administrator');
  cookies.dpo = await signIn(test, 'dpo', 'PK-PB-LAHORE');
  cookies.supervisor = await signIn(test, 'national_supervisor');
}, 180_000);

afterAll(async () => {
  await test?.stop();
  await gateway?.stop();
  await drop?.();
  rmSync(directory, { recursive: true, force: true });
});

/** Reads the live Urdu name and geometry of a district. */
async function liveDistrict(code: string): Promise<{ nameUr: string; geometry: object }> {
  const result = await db.raw(
    `SELECT j.name_ur AS "nameUr", ST_AsGeoJSON(j.geom)::json AS geometry FROM jurisdictions j
     JOIN boundary_versions v ON v.id = j.version_id AND v.status = 'live'
     WHERE j.level = 'district' AND j.code = ?`,
    [code],
  );
  return result.rows[0];
}

function writeCollection(name: string, features: { properties: object; geometry: object }[]): string {
  const path = join(directory, name);
  writeFileSync(
    path,
    JSON.stringify({
      type: 'FeatureCollection',
      features: features.map((feature) => ({ type: 'Feature', ...feature })),
    }),
  );
  return path;
}

/** Sends files and text fields as multipart to POST /api/boundary-imports. */
async function upload(
  cookie: string | undefined,
  files: string[],
  fields: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, any> }> {
  const form = new FormData();
  for (const file of files) form.append('file', new Blob([readFileSync(file)]), basename(file));
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  const response = await fetch(`${test.baseUrl}/api/boundary-imports`, {
    method: 'POST',
    headers: cookie ? { cookie } : {},
    body: form,
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function call(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  cookie: string | undefined,
  body?: object,
): Promise<{ status: number; body: Record<string, any> }> {
  const headers: Record<string, string> = cookie ? { cookie } : {};
  if (body) headers['content-type'] = 'application/json';
  const response = await fetch(`${test.baseUrl}${path}`, {
    method,
    headers,
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, any> };
}

async function versionCount(): Promise<number> {
  const [row] = await db('boundary_versions').count<{ count: number }[]>('* as count');
  return row?.count ?? 0;
}

/** Lahore exactly as it is live, under its own code: a draft that changes nothing. */
async function lahoreFile(): Promise<string> {
  const lahore = await liveDistrict('PK-PB-LAHORE');
  return writeCollection('lahore.geojson', [
    {
      properties: { code: 'PK-PB-LAHORE', name: 'Lahore', name_ur: lahore.nameUr },
      geometry: lahore.geometry,
    },
  ]);
}

describe('POST /api/boundary-imports', () => {
  it('requires a GIS officer or administrator', async () => {
    const file = await lahoreFile();
    const anonymous = await upload(undefined, [file], { replace: 'same-code' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('AUTH_REQUIRED');

    const dpo = await upload(cookies.dpo, [file], { replace: 'same-code' });
    expect(dpo.status).toBe(403);
    expect(dpo.body.error.code).toBe('FORBIDDEN');
  });

  it('creates a draft for a GIS officer of the province', async () => {
    const before = await versionCount();
    const created = await upload(cookies.gisPunjab, [await lahoreFile()], { replace: 'same-code' });

    expect(created.status).toBe(201);
    expect(created.body.report.status).toBe('draft');
    expect(created.body.report.counts.stored).toBe(1);
    expect(created.body.report.source.file).toBe('lahore.geojson');
    expect(created.body.report.mapping.code).toBe('code');
    expect(created.body.report.mapping.nameUr).toBe('name_ur');
    expect(created.body.report.attributes).toEqual(['code', 'name', 'name_ur']);
    // The file declares no CRS; the note names the request field, not the CLI option.
    expect(created.body.report.warnings.join(' ')).toContain('import it again with srid');
    expect(created.body.report.warnings.join(' ')).not.toContain('--srid');
    expect(await versionCount()).toBe(before + 1);
    const version = await db('boundary_versions').where({ id: created.body.versionId }).first();
    expect(version.status).toBe('draft');
    expect(version.created_by).toMatch(/^test\.gis-officer\./);
  });

  it('lets an administrator import for any province', async () => {
    const created = await upload(cookies.admin, [await lahoreFile()], { replace: 'same-code' });
    expect(created.status).toBe(201);
  });

  it('rejects another province with 403 and keeps no draft', async () => {
    const before = await versionCount();
    const rejected = await upload(cookies.gisSindh, [await lahoreFile()], { replace: 'same-code' });

    expect(rejected.status).toBe(403);
    expect(rejected.body.error.code).toBe('BOUNDARY_OUTSIDE_PROVINCE');
    // The file changes nothing, but its feature lies in Punjab.
    expect(rejected.body.error.message).toContain('district features in PK-PB');
    expect(rejected.body.error.message).toContain('outside PK-SD');
    expect(await versionCount()).toBe(before);
  });

  it('rejects a district reaching into another province', async () => {
    const result = await db.raw(
      `WITH live AS (
         SELECT j.code, j.name_ur, j.geom FROM jurisdictions j
         JOIN boundary_versions v ON v.id = j.version_id AND v.status = 'live'
         WHERE j.level = 'district' AND j.code IN ('PK-PB-RAHIM-YAR-KHAN', 'PK-SD-GHOTKI')
       )
       SELECT r.name_ur, ST_AsGeoJSON(ST_Union(r.geom, ST_Intersection(g.geom, ST_Buffer(r.geom, 0.05))))::json AS geometry
       FROM live r, live g WHERE r.code = 'PK-PB-RAHIM-YAR-KHAN' AND g.code = 'PK-SD-GHOTKI'`,
    );
    const file = writeCollection('rahim-yar-khan.geojson', [
      {
        properties: { code: 'PK-PB-RAHIM-YAR-KHAN', name: 'Rahim Yar Khan', name_ur: result.rows[0].name_ur },
        geometry: result.rows[0].geometry,
      },
    ]);
    const before = await versionCount();

    const rejected = await upload(cookies.gisPunjab, [file], { replace: 'same-code' });
    expect(rejected.status).toBe(403);
    expect(rejected.body.error.code).toBe('BOUNDARY_OUTSIDE_PROVINCE');
    expect(rejected.body.error.message).toMatch(
      /district PK-PB-RAHIM-YAR-KHAN \([\d.]+ km² of it in PK-SD\)/,
    );
    expect(await versionCount()).toBe(before);

    const admin = await upload(cookies.admin, [file], { replace: 'same-code' });
    expect(admin.status).toBe(201);
    expect(admin.body.report.overlaps.items.map((item: any) => item.b.code)).toContain('PK-SD-GHOTKI');
  });

  it('asks for the EPSG code of projected coordinates', async () => {
    const projected = await db.raw(
      `SELECT ST_AsGeoJSON(ST_Transform(ST_Buffer(ST_SetSRID(ST_MakePoint(74.3917, 31.49352), 4326), 0.005), 32643))::json AS geometry`,
    );
    const file = writeCollection('stations-utm.geojson', [
      { properties: { name: 'Race Course' }, geometry: projected.rows[0].geometry },
    ]);

    const missing = await upload(cookies.gisPunjab, [file], { level: 'station' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('SRID_REQUIRED');
    expect(missing.body.error.field).toBe('srid');
    expect(missing.body.error.message).not.toContain('--srid');
    expect(missing.body.error.message).not.toContain(directory);

    const given = await upload(cookies.gisPunjab, [file], { level: 'station', srid: '32643' });
    expect(given.status).toBe(201);
    expect(given.body.report.source.crs).toBe('EPSG:32643');
  });

  it('asks for the layer of a file with several', async () => {
    const file = join(directory, 'two-layers.topojson');
    const square = [
      [74.3, 31.5],
      [74.31, 31.5],
      [74.31, 31.51],
      [74.3, 31.51],
      [74.3, 31.5],
    ];
    writeFileSync(
      file,
      JSON.stringify({
        type: 'Topology',
        arcs: [square],
        objects: {
          stations: {
            type: 'GeometryCollection',
            geometries: [{ type: 'Polygon', arcs: [[0]], properties: { name: 'Gulberg' } }],
          },
          beats: {
            type: 'GeometryCollection',
            geometries: [{ type: 'Polygon', arcs: [[0]], properties: { name: 'Beat 1' } }],
          },
        },
      }),
    );

    const missing = await upload(cookies.gisPunjab, [file], { level: 'station' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('LAYER_REQUIRED');
    expect(missing.body.error.field).toBe('layer');
    expect(missing.body.error.message).toContain('"beats"');

    const chosen = await upload(cookies.gisPunjab, [file], { level: 'station', layer: 'stations' });
    expect(chosen.status).toBe(201);
    expect(chosen.body.report.source.layer).toBe('stations');
  });

  it('reads the loose parts of a shapefile', async () => {
    const shp = writeTestShapefile({
      directory,
      name: 'thanas',
      shapes: [
        [
          [
            [74.34, 31.54],
            [74.35, 31.55],
            [74.36, 31.54],
            [74.34, 31.54],
          ],
        ],
      ],
      fields: [{ name: 'NAME', length: 20, values: [Buffer.from('Qila Gujar Singh')] }],
      prj: 'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]]',
    });
    const parts = ['.shp', '.shx', '.dbf', '.prj'].map((extension) => shp.replace(/\.shp$/, extension));

    const created = await upload(cookies.gisPunjab, parts, { level: 'station' });
    expect(created.status).toBe(201);
    expect(created.body.report.source.format).toBe('shapefile');
    expect(created.body.report.counts.stored).toBe(1);

    const mixed = await upload(cookies.gisPunjab, [parts[0] as string, await lahoreFile()], {
      level: 'station',
    });
    expect(mixed.status).toBe(400);
    expect(mixed.body.error.code).toBe('BOUNDARY_FILES_MISMATCH');
  });

  it('validates the fields', async () => {
    const file = await lahoreFile();
    const cases: [Record<string, string>, string][] = [
      [{ level: 'county' }, 'level'],
      [{ srid: 'utm' }, 'srid'],
      [{ encoding: 'klingon-1' }, 'encoding'],
      [{ mapping: '{"code":"PCODE","colour":"x"}' }, 'mapping.colour'],
      [{ owner: 'me' }, 'owner'],
    ];
    for (const [fields, field] of cases) {
      const rejected = await upload(cookies.gisPunjab, [file], fields);
      expect(rejected.status, JSON.stringify(fields)).toBe(400);
      expect(rejected.body.error.code).toBe('INVALID_BOUNDARY_IMPORT');
      expect(rejected.body.error.field).toBe(field);
    }
    const unmapped = await upload(cookies.gisPunjab, [file], { mapping: '{"name":"title"}' });
    expect(unmapped.status).toBe(400);
    expect(unmapped.body.error.code).toBe('ATTRIBUTE_NOT_FOUND');

    const none = await upload(cookies.gisPunjab, []);
    expect(none.status).toBe(400);
    expect(none.body.error.code).toBe('BOUNDARY_FILE_MISSING');
  });

  it('rejects a file over the size limit', async () => {
    const file = join(directory, 'large.geojson');
    writeFileSync(
      file,
      `{"type":"FeatureCollection","features":[],"padding":"${'x'.repeat(MAX_UPLOAD_BYTES)}"}`,
    );
    const before = await versionCount();

    const rejected = await upload(cookies.gisPunjab, [file]);
    expect(rejected.status).toBe(413);
    expect(rejected.body.error.code).toBe('BOUNDARY_FILE_TOO_LARGE');
    expect(await versionCount()).toBe(before);
  });
});

describe('GET /api/boundary-imports/:id and its preview', () => {
  let versionId: number;

  beforeAll(async () => {
    const created = await upload(cookies.gisPunjab, [await lahoreFile()], { replace: 'same-code' });
    versionId = created.body.versionId;
  });

  it('returns the report to the province and administrators', async () => {
    const own = await call('GET', `/api/boundary-imports/${versionId}`, cookies.gisPunjab);
    expect(own.status).toBe(200);
    expect(own.body.version.status).toBe('draft');
    expect(own.body.report.versionId).toBe(versionId);
    expect(own.body.report.warnings.join(' ')).not.toContain('--srid');

    expect((await call('GET', `/api/boundary-imports/${versionId}`, cookies.admin)).status).toBe(200);
  });

  it('refuses other roles, provinces and ids', async () => {
    expect((await call('GET', `/api/boundary-imports/${versionId}`, undefined)).status).toBe(401);
    expect((await call('GET', `/api/boundary-imports/${versionId}`, cookies.dpo)).status).toBe(403);

    const sindh = await call('GET', `/api/boundary-imports/${versionId}`, cookies.gisSindh);
    expect(sindh.status).toBe(403);
    expect(sindh.body.error.code).toBe('BOUNDARY_OUTSIDE_PROVINCE');

    const unknown = await call('GET', '/api/boundary-imports/999999', cookies.admin);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('BOUNDARY_VERSION_NOT_FOUND');

    const invalid = await call('GET', '/api/boundary-imports/abc', cookies.admin);
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('INVALID_VERSION_ID');
  });

  it('previews the draft beside the live districts of the province', async () => {
    const preview = await call('GET', `/api/boundary-imports/${versionId}/preview`, cookies.gisPunjab);

    expect(preview.status).toBe(200);
    expect(preview.body.provinces).toEqual(['PK-PB']);
    const draftCodes = preview.body.draft.features.map((feature: any) => feature.properties.code);
    const liveCodes = preview.body.live.features.map((feature: any) => feature.properties.code);
    expect(draftCodes).toContain('PK-PB-LAHORE');
    expect(liveCodes).toContain('PK-PB-LAHORE');
    expect(draftCodes.every((code: string) => code.startsWith('PK-PB-'))).toBe(true);
    expect(liveCodes.every((code: string) => code.startsWith('PK-PB-'))).toBe(true);
    // The draft repeats Lahore, rounded to GeoJSON's precision, so no district differs from the live one.
    expect(preview.body.draft.features.filter((feature: any) => feature.properties.changed)).toEqual([]);
    expect(preview.body.draft.features[0].geometry.type).toMatch(/Polygon/);

    const sindh = await call('GET', `/api/boundary-imports/${versionId}/preview`, cookies.gisSindh);
    expect(sindh.status).toBe(403);
  });
});

describe('DELETE /api/boundary-imports/:id', () => {
  it('discards a draft of the province', async () => {
    const created = await upload(cookies.gisPunjab, [await lahoreFile()], { replace: 'same-code' });
    const path = `/api/boundary-imports/${created.body.versionId}`;

    expect((await call('DELETE', path, cookies.gisSindh)).status).toBe(403);
    expect((await call('DELETE', path, cookies.dpo)).status).toBe(403);
    expect((await call('DELETE', path, undefined)).status).toBe(401);

    expect((await call('DELETE', path, cookies.gisPunjab)).status).toBe(204);
    expect(await db('boundary_versions').where({ id: created.body.versionId }).first()).toBeUndefined();
    expect((await call('GET', path, cookies.gisPunjab)).status).toBe(404);
  });

  it('refuses to discard the live version', async () => {
    const live = await db('boundary_versions').where({ status: 'live' }).first('id');
    const response = await call('DELETE', `/api/boundary-imports/${live.id}`, cookies.admin);
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('BOUNDARY_VERSION_NOT_DRAFT');
  });
});

describe('publishing and rolling back', () => {
  // A strip of Kasur along the Lahore border, which the draft moves to Lahore.
  let strip: { lon: number; lat: number };
  let draftFile: string;

  beforeAll(async () => {
    const redraw = await redrawLahoreKasurBorder(db);
    strip = redraw.movedPoint;
    draftFile = join(directory, 'lahore-kasur.geojson');
    writeFileSync(draftFile, JSON.stringify(redraw.collection));
  });

  async function report(
    lon: number,
    lat: number,
  ): Promise<{ id: string; trackingCode: string; district: string }> {
    const response = await call(
      'POST',
      '/api/reports',
      undefined,
      lahoreReport({ lastSeen: { lon, lat, at: new Date(Date.now() - 60_000).toISOString() } }),
    );
    expect(response.status).toBe(201);
    return {
      id: response.body.id,
      trackingCode: response.body.trackingCode,
      district: response.body.district?.code,
    };
  }

  async function caseDistrict(caseId: string): Promise<string | null> {
    const row = await db('cases as c')
      .leftJoin('jurisdictions as d', 'd.id', 'c.district_id')
      .where('c.id', caseId)
      .first('d.code');
    return row?.code ?? null;
  }

  async function events(caseId: string, kind: string) {
    return db('case_events').where({ case_id: caseId, kind }).orderBy('id');
  }

  /** Waits for the two SMS that tell the Lahore DPO and RPO that a version moved a case to them. */
  async function lahoreReroutingSms(trackingCode: string, versionId: number) {
    return waitFor(
      async () => {
        const sms = gateway.delivered.filter(
          (message) =>
            message.body.includes(trackingCode) && message.body.includes(`boundary version ${versionId}`),
        );
        return sms.length >= 2 ? sms : undefined;
      },
      15_000,
      'the re-routing SMS to the Lahore DPO and RPO',
    );
  }

  it('re-routes open cases on publish and back on rollback', async () => {
    const moving = await report(strip.lon, strip.lat);
    expect(moving.district).toBe('PK-PB-KASUR');
    const transferred = await report(strip.lon, strip.lat);
    const transfer = await call('POST', `/api/cases/${transferred.id}/transitions`, cookies.supervisor, {
      to: 'transferred',
      toDistrict: 'PK-PB-SHEIKHUPURA',
      reason: 'the family lives there',
    });
    expect(transfer.status).toBe(201);
    const closed = await report(strip.lon, strip.lat);
    await db('cases').where({ id: closed.id }).update({ status: 'closed' });
    const staying = await report(74.3917, 31.49352);
    expect(staying.district).toBe('PK-PB-LAHORE');

    const created = await upload(cookies.gisPunjab, [draftFile], { replace: 'same-code' });
    expect(created.status).toBe(201);
    const versionId = created.body.versionId as number;
    const liveBefore = (await db('boundary_versions').where({ status: 'live' }).first('id')).id;

    const foreign = await call('POST', `/api/boundary-imports/${versionId}/publish`, cookies.gisSindh, {});
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('BOUNDARY_OUTSIDE_PROVINCE');
    expect((await call('POST', `/api/boundary-imports/${versionId}/publish`, cookies.dpo, {})).status).toBe(
      403,
    );

    const published = await call('POST', `/api/boundary-imports/${versionId}/publish`, cookies.gisPunjab, {});
    expect(published.status).toBe(200);
    expect(published.body.versionId).toBe(versionId);
    expect(published.body.retiredVersionId).toBe(liveBefore);
    expect(published.body.rerouted).toEqual([
      { caseId: moving.id, fromDistrict: 'PK-PB-KASUR', toDistrict: 'PK-PB-LAHORE' },
    ]);

    const version = await db('boundary_versions').where({ id: versionId }).first();
    expect(version.status).toBe('live');
    expect(version.published_by).toMatch(/^test\.gis-officer\./);
    expect(await caseDistrict(moving.id)).toBe('PK-PB-LAHORE');
    expect(await caseDistrict(transferred.id)).toBe('PK-PB-SHEIKHUPURA');
    expect(await caseDistrict(closed.id)).toBe('PK-PB-KASUR');
    expect(await caseDistrict(staying.id)).toBe('PK-PB-LAHORE');

    const [rerouted] = await events(moving.id, 'rerouted');
    expect(rerouted?.details.reason).toBe(`boundary version ${versionId} re-drew the districts`);
    expect(rerouted?.details.fromDistrict).toBe('PK-PB-KASUR');
    expect(rerouted?.details.toDistrict).toBe('PK-PB-LAHORE');
    expect(await events(transferred.id, 'rerouted')).toEqual([]);
    expect(await events(staying.id, 'rerouted')).toEqual([]);

    const alerted = await lahoreReroutingSms(moving.trackingCode, versionId);
    expect(alerted.map((message) => message.to).sort()).toEqual([LAHORE_DPO_PHONE, LAHORE_RPO_PHONE].sort());
    expect(alerted.every((message) => !message.body.includes('Test Child'))).toBe(true);

    // Intake uses the new version, in memory and in PostGIS.
    expect(test.platform.districtLocator.current()?.versionId).toBe(versionId);
    const geofence = await call('GET', `/api/geofence?lat=${strip.lat}&lon=${strip.lon}`, undefined);
    expect(geofence.body.district.code).toBe('PK-PB-LAHORE');
    expect((await report(strip.lon, strip.lat)).district).toBe('PK-PB-LAHORE');

    const outdated = await upload(cookies.gisPunjab, [await lahoreFile()], { replace: 'same-code' });
    const foreignRollback = await call('POST', '/api/boundary-versions/rollback', cookies.gisSindh, {});
    expect(foreignRollback.status).toBe(403);

    const rolledBack = await call('POST', '/api/boundary-versions/rollback', cookies.gisPunjab, {});
    expect(rolledBack.status).toBe(200);
    expect(rolledBack.body.versionId).toBe(liveBefore);
    expect(rolledBack.body.rerouted).toContainEqual({
      caseId: moving.id,
      fromDistrict: 'PK-PB-LAHORE',
      toDistrict: 'PK-PB-KASUR',
    });
    expect(await caseDistrict(moving.id)).toBe('PK-PB-KASUR');
    const backEvents = await events(moving.id, 'rerouted');
    expect(backEvents).toHaveLength(2);
    expect(backEvents[1]?.details.reason).toBe(`the boundaries were rolled back to version ${liveBefore}`);
    await waitFor(
      async () =>
        gateway.delivered.find(
          (message) =>
            message.to === KASUR_DPO_PHONE &&
            message.body.includes(moving.trackingCode) &&
            message.body.includes(`boundary version ${liveBefore}`),
        ),
      15_000,
      'the re-routing SMS to the Kasur DPO',
    );
    expect(test.platform.districtLocator.current()?.versionId).toBe(liveBefore);

    // A draft made while the Lahore-Kasur version was live would undo the rollback.
    const stale = await call(
      'POST',
      `/api/boundary-imports/${outdated.body.versionId}/publish`,
      cookies.gisPunjab,
      {},
    );
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('BOUNDARY_DRAFT_OUTDATED');
  });

  it('starts the clocks of a case leaving the unassigned queue', async () => {
    const extension = await extendLahoreAcrossBorder(db);
    const { lon, lat } = extension.newPoint;
    const unassigned = async () =>
      (await call('GET', '/api/cases/unassigned', cookies.supervisor)).body.cases.map((item: any) => item.id);
    const clocks = async (caseId: string) =>
      db('case_deadlines')
        .where({ case_id: caseId })
        .orderBy('duty')
        .select('duty', 'started_at', 'due_at', 'done_at');

    const outside = await report(lon, lat);
    expect(outside.district).toBeUndefined();
    expect(await unassigned()).toContain(outside.id);
    expect(await clocks(outside.id)).toEqual([]);

    const draftPath = join(directory, 'lahore-across-border.geojson');
    writeFileSync(draftPath, JSON.stringify(extension.collection));
    const created = await upload(cookies.gisPunjab, [draftPath], { replace: 'same-code' });
    expect(created.status).toBe(201);
    const versionId = created.body.versionId as number;
    const liveBefore = (await db('boundary_versions').where({ status: 'live' }).first('id')).id;

    const published = await call('POST', `/api/boundary-imports/${versionId}/publish`, cookies.gisPunjab, {});
    expect(published.status).toBe(200);
    expect(published.body.rerouted).toEqual([
      { caseId: outside.id, fromDistrict: null, toDistrict: 'PK-PB-LAHORE' },
    ]);
    expect(await caseDistrict(outside.id)).toBe('PK-PB-LAHORE');
    expect(await unassigned()).not.toContain(outside.id);
    const [moved] = await events(outside.id, 'rerouted');
    expect(moved?.details).toMatchObject({
      fromDistrict: null,
      toDistrict: 'PK-PB-LAHORE',
      action: 'publish',
    });

    // Alerted like a report routed at intake: the DPO and RPO of Lahore, on the dashboard and by SMS.
    const alerts = await db('alerts as a')
      .join('jurisdictions as j', 'j.id', 'a.jurisdiction_id')
      .where({ 'a.case_id': outside.id })
      .orderBy('a.post')
      .select('a.post', 'j.code');
    expect(alerts).toEqual([
      { post: 'DPO', code: 'PK-PB-LAHORE' },
      { post: 'RPO', code: 'PK-PB-LAHORE-DIV' },
    ]);
    const alerted = await lahoreReroutingSms(outside.trackingCode, versionId);
    expect(alerted.map((message) => message.to).sort()).toEqual([LAHORE_DPO_PHONE, LAHORE_RPO_PHONE].sort());

    // Both clocks start at the publish time and run for the configured lengths.
    const version = await db('boundary_versions').where({ id: versionId }).first('published_at');
    const started = await clocks(outside.id);
    expect(started.map((clock) => clock.duty)).toEqual(['contact', 'fir']);
    for (const clock of started) {
      expect(clock.started_at.getTime()).toBe(version.published_at.getTime());
      expect(clock.done_at).toBeNull();
    }
    const minutes = (clock: { started_at: Date; due_at: Date }) =>
      (clock.due_at.getTime() - clock.started_at.getTime()) / 60_000;
    expect(minutes(started[0])).toBe(CONTACT_DEADLINE_MINUTES);
    expect(minutes(started[1])).toBe(FIR_DEADLINE_MINUTES);
    // Each due time has its delayed sweep waiting.
    // The API queues prompts at most every 250 ms, so they may still be on their way.
    for (const clock of started) {
      const prompt = await waitFor(
        async () =>
          (await test.platform.deadlineQueue.getJob(deadlinePromptJobId(clock.due_at))) ?? undefined,
        5_000,
        `the deadline prompt due at ${clock.due_at.toISOString()}`,
      );
      expect(prompt).toBeDefined();
    }

    // The Lahore DPO registers the FIR, which finishes the FIR clock.
    for (const transition of [
      { to: 'acknowledged' },
      { to: 'fir_registered', firNumber: '412/26', policeStation: 'Wahga' },
    ]) {
      const moved = await call('POST', `/api/cases/${outside.id}/transitions`, cookies.dpo, transition);
      expect(moved.status).toBe(201);
    }

    // Rolling back puts the case in the unassigned queue again. The finished FIR clock stays; the
    // running contact clock is removed, because no district owns the case any more.
    const rolledBack = await call('POST', '/api/boundary-versions/rollback', cookies.gisPunjab, {});
    expect(rolledBack.status).toBe(200);
    expect(rolledBack.body.versionId).toBe(liveBefore);
    expect(rolledBack.body.rerouted).toEqual([
      { caseId: outside.id, fromDistrict: 'PK-PB-LAHORE', toDistrict: null },
    ]);
    expect(await caseDistrict(outside.id)).toBeNull();
    expect(await unassigned()).toContain(outside.id);
    const back = await events(outside.id, 'rerouted');
    expect(back[1]?.details).toMatchObject({
      fromDistrict: 'PK-PB-LAHORE',
      toDistrict: null,
      action: 'rollback',
    });
    const left = await clocks(outside.id);
    expect(left.map((clock) => clock.duty)).toEqual(['fir']);
    expect(left[0]?.done_at).not.toBeNull();
  });

  it('stores a report sent during a switch with the new version', async () => {
    const created = await upload(cookies.gisPunjab, [draftFile], { replace: 'same-code' });
    expect(created.status).toBe(201);
    const versionId = created.body.versionId as number;
    const input: ReportInput = {
      child: { name: 'Test Child', age: 7, sex: 'female', description: null },
      lastSeen: { lon: strip.lon, lat: strip.lat, at: new Date(Date.now() - 60_000) },
      reporter: { name: 'Test Reporter', phone: '+923001234567' },
    };
    // One service geofences in PostGIS only; the platform's geofences in memory, with the old version.
    const postgisOnly = new ReportService(
      { cases: new CaseRepository(db), jurisdictions: new JurisdictionRepository(db) },
      async () => undefined,
    );
    const inMemory = test.platform.services.reports;
    expect(test.platform.districtLocator.current()?.versionId).not.toBe(versionId);

    // The switch holds its lock on cases while both reports are geofenced and reach their insert.
    const trx = await db.transaction();
    let submitted: Promise<ReportReceipt>[];
    try {
      const published = await publishInTransaction(trx, versionId, 'test');
      await rerouteAfterSwitch(trx, published, { action: 'publish', by: 'test' });
      submitted = [postgisOnly.submit(input), inMemory.submit(input)];
      await waitFor(
        async () => {
          const waiting = await db.raw(
            `SELECT count(*)::int AS count FROM pg_locks
             WHERE database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND relation = 'cases'::regclass AND mode = 'RowExclusiveLock' AND NOT granted`,
          );
          return waiting.rows[0].count >= 2 ? true : undefined;
        },
        15_000,
        'both reports to wait for the lock on cases',
      );
      await trx.commit();
    } catch (error) {
      await trx.rollback();
      throw error;
    }

    for (const receipt of await Promise.all(submitted)) {
      expect(receipt.district?.code).toBe('PK-PB-LAHORE');
      expect(await caseDistrict(receipt.id)).toBe('PK-PB-LAHORE');
      const stored = await db('cases').where({ id: receipt.id }).first('boundary_version_id');
      expect(stored.boundary_version_id).toBe(versionId);
    }

    const rolledBack = await call('POST', '/api/boundary-versions/rollback', cookies.gisPunjab, {});
    expect(rolledBack.status).toBe(200);
  });

  it('refuses to publish a version that is not a draft', async () => {
    const live = await db('boundary_versions').where({ status: 'live' }).first('id');
    const again = await call('POST', `/api/boundary-imports/${live.id}/publish`, cookies.admin, {});
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('BOUNDARY_VERSION_NOT_DRAFT');

    const invalid = await call('POST', `/api/boundary-imports/${live.id}/publish`, cookies.admin, {
      allowRemovals: 'yes',
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.field).toBe('allowRemovals');
  });
});
