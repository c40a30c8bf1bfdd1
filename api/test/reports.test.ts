import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBoundaryFile } from '../../etl/src/boundary-import.js';
import { publishBoundaryVersion, rollbackBoundaryVersion } from '../../etl/src/boundary-publishing.js';
import { BUNDLED_BOUNDARY_FILE } from '../../etl/src/import-osm-pakistan.js';
import {
  LAHORE_DPO_PHONE,
  LAHORE_RPO_PHONE,
  lahoreReport,
  seedLahoreOfficers,
} from './support/duty-officers.js';
import { openEventStream } from './support/event-stream.js';
import { FakeSmsGateway } from './support/fake-sms-gateway.js';
import { signIn, startTestPlatform, type TestPlatform, waitFor } from './support/platform.js';

let gateway: FakeSmsGateway;
let test: TestPlatform;
let cookie: string;

beforeAll(async () => {
  gateway = new FakeSmsGateway();
  await gateway.start();
  test = await startTestPlatform({ SMS_DRIVER: 'http', SMS_HTTP_URL: gateway.url });
  await seedLahoreOfficers(test.platform.db);
  cookie = await signIn(test);
});

afterAll(async () => {
  await test.stop();
  await gateway.stop();
});

async function postJson(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${test.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function countCases(): Promise<number> {
  const [row] = await test.platform.db('cases').count<{ count: number }[]>('* as count');
  return Number(row?.count);
}

describe('report intake end to end', () => {
  it('alerts Lahore DPO and RPO', async () => {
    const stream = await openEventStream(`${test.baseUrl}/api/events?district=PK-PB-LAHORE`, cookie);
    try {
      const { status, body } = await postJson('/api/reports', lahoreReport());
      expect(status).toBe(201);
      expect(body.trackingCode).toMatch(/^TL-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      expect(body.district).toEqual({ code: 'PK-PB-LAHORE', name: 'Lahore', nameUr: expect.any(String) });
      expect(body.region.code).toBe('PK-PB-LAHORE-DIV');
      expect(body.alerted.sort()).toEqual(['DPO', 'RPO']);

      const event = await stream.next(
        (received) => received.event === 'alert' && received.data.includes(body.id),
      );
      const alert = JSON.parse(event.data);
      expect(alert.post).toBe('DPO');
      expect(alert.case.child.name).toBe('Test Child');
      expect(alert.case.lastSeen.lat).toBeCloseTo(31.49352, 5);

      const messages = await waitFor(
        async () => {
          const found = gateway.delivered.filter((message) => message.body.includes(body.trackingCode));
          return found.length >= 3 ? found : undefined;
        },
        10_000,
        'three SMS for the report',
      );
      expect(messages.map((message) => message.to).sort()).toEqual(
        [LAHORE_DPO_PHONE, LAHORE_RPO_PHONE, '+923001234567'].sort(),
      );
      const dpoMessage = messages.find((message) => message.to === LAHORE_DPO_PHONE);
      expect(dpoMessage?.body).toContain('FIR within 2 hours');
      expect(dpoMessage?.body).not.toContain('Test Child');

      const outbox = await test.platform.db('outbox').where({ case_id: body.id }).select('kind', 'status');
      expect(outbox).toHaveLength(4);
      await waitFor(async () => {
        const pending = await test.platform
          .db('outbox')
          .where({ case_id: body.id })
          .whereNot('status', 'sent');
        return pending.length === 0 ? true : undefined;
      });
      const alerts = await test.platform.db('alerts').where({ case_id: body.id }).select('post');
      expect(alerts.map((row: { post: string }) => row.post).sort()).toEqual(['DPO', 'RPO']);
    } finally {
      stream.close();
    }
  });

  it('lists the alert for the district dashboard', async () => {
    const { body } = await postJson('/api/reports', lahoreReport());
    const response = await fetch(`${test.baseUrl}/api/alerts?district=PK-PB-LAHORE`, { headers: { cookie } });
    expect(response.status).toBe(200);
    const { alerts } = (await response.json()) as { alerts: any[] };
    const mine = alerts.filter((alert) => alert.case.id === body.id);
    expect(mine).toHaveLength(1);
    expect(mine[0].case.trackingCode).toBe(body.trackingCode);
  });

  it('keeps a report outside every district in the unassigned queue', async () => {
    const stream = await openEventStream(`${test.baseUrl}/api/events?unassigned=1`, cookie);
    try {
      const { status, body } = await postJson(
        '/api/reports',
        lahoreReport({ lastSeen: { lat: 23.9, lon: 64.9, at: new Date().toISOString() } }),
      );
      expect(status).toBe(201);
      expect(body.district).toBeNull();
      expect(body.alerted).toEqual([]);

      const event = await stream.next(
        (received) => received.event === 'case-unassigned' && received.data.includes(body.id),
      );
      expect(JSON.parse(event.data).district).toBeNull();

      const response = await fetch(`${test.baseUrl}/api/cases/unassigned`, { headers: { cookie } });
      const { cases } = (await response.json()) as { cases: { id: string }[] };
      expect(cases.map((item) => item.id)).toContain(body.id);
      const reporterSms = await waitFor(async () =>
        gateway.delivered.find((message) => message.body.includes(body.trackingCode)),
      );
      expect(reporterSms.to).toBe('+923001234567');
    } finally {
      stream.close();
    }
  });

  it('normalises a Pakistani phone number written locally', async () => {
    const { status, body } = await postJson(
      '/api/reports',
      lahoreReport({ reporter: { name: 'Local Format', phone: '0300-765 4321' } }),
    );
    expect(status).toBe(201);
    const row = await test.platform.db('cases').where({ id: body.id }).first('reporter_phone');
    expect(row.reporter_phone).toBe('+923007654321');
  });
});

describe('repeated reports with an Idempotency-Key', () => {
  it('stores a retried report once', async () => {
    const key = `retry-${randomUUID()}`;
    const report = lahoreReport();
    const first = await postJson('/api/reports', report, { 'idempotency-key': key });
    const casesAfterFirst = await countCases();
    const again = await fetch(`${test.baseUrl}/api/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(report),
    });

    expect(first.status).toBe(201);
    expect(first.body.replayed).toBe(false);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const replayed = (await again.json()) as any;
    expect(replayed).toEqual({ ...first.body, replayed: true });
    expect(await countCases()).toBe(casesAfterFirst);
  });

  it('stores concurrent retries once', async () => {
    const key = `concurrent-${randomUUID()}`;
    const report = lahoreReport();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => postJson('/api/reports', report, { 'idempotency-key': key })),
    );

    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201, 201, 201]);
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
    const stored = await test.platform.db('cases').where({ idempotency_key: key });
    expect(stored).toHaveLength(1);
    const outbox = await test.platform.db('outbox').where({ case_id: stored[0].id });
    expect(outbox).toHaveLength(4);
  });

  it('rejects the key reused for another report', async () => {
    const key = `reused-${randomUUID()}`;
    await postJson('/api/reports', lahoreReport(), { 'idempotency-key': key });
    const before = await countCases();
    const other = lahoreReport({ child: { name: 'Another Child', age: 4, sex: 'male', description: null } });
    const { status, body } = await postJson('/api/reports', other, { 'idempotency-key': key });

    expect(status).toBe(422);
    expect(body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(body.error.field).toBe('Idempotency-Key');
    expect(await countCases()).toBe(before);
  });

  it('rejects a malformed key', async () => {
    const before = await countCases();
    const { status, body } = await postJson('/api/reports', lahoreReport(), { 'idempotency-key': 'short' });

    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_IDEMPOTENCY_KEY');
    expect(await countCases()).toBe(before);
  });
});

describe('report validation', () => {
  const base = lahoreReport();
  const cases: [string, unknown, string][] = [
    ['missing child name', { ...base, child: { ...base.child, name: undefined } }, 'child.name'],
    ['blank child name', { ...base, child: { ...base.child, name: '   ' } }, 'child.name'],
    ['adult age', { ...base, child: { ...base.child, age: 19 } }, 'child.age'],
    ['fractional age', { ...base, child: { ...base.child, age: 7.5 } }, 'child.age'],
    ['age as text', { ...base, child: { ...base.child, age: 'seven' } }, 'child.age'],
    ['unknown sex', { ...base, child: { ...base.child, sex: 'x' } }, 'child.sex'],
    ['missing latitude', { ...base, lastSeen: { ...base.lastSeen, lat: undefined } }, 'lastSeen.lat'],
    ['latitude out of range', { ...base, lastSeen: { ...base.lastSeen, lat: 123 } }, 'lastSeen.lat'],
    ['longitude as text', { ...base, lastSeen: { ...base.lastSeen, lon: '74.39' } }, 'lastSeen.lon'],
    [
      'time in the future',
      { ...base, lastSeen: { ...base.lastSeen, at: new Date(Date.now() + 86_400_000).toISOString() } },
      'lastSeen.at',
    ],
    ['time without zone', { ...base, lastSeen: { ...base.lastSeen, at: '2026-12-01 10:00' } }, 'lastSeen.at'],
    ['bad phone', { ...base, reporter: { ...base.reporter, phone: '12345' } }, 'reporter.phone'],
    ['missing reporter', { child: base.child, lastSeen: base.lastSeen }, 'reporter'],
    ['NUL byte in a name', { ...base, child: { ...base.child, name: 'Ali\u0000' } }, 'child.name'],
    ['unknown field', { ...base, child: { ...base.child, shoeSize: 3 } }, 'child.shoeSize'],
  ];

  it.each(cases)('rejects %s naming the field', async (_name, body, field) => {
    const before = await countCases();
    const { status, body: answer } = await postJson('/api/reports', body);
    expect(status).toBe(400);
    expect(answer.error.code).toBe('INVALID_REPORT');
    expect(answer.error.field).toBe(field);
    expect(answer.error.message).toContain(field);
    expect(await countCases()).toBe(before);
  });

  it('rejects malformed JSON', async () => {
    const { status, body } = await postJson('/api/reports', '{"child": ');
    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_JSON');
  });

  it('rejects a body that is neither JSON nor multipart', async () => {
    const response = await fetch(`${test.baseUrl}/api/reports`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(response.status).toBe(415);
    expect(((await response.json()) as any).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('multipart reports with a photo', () => {
  function form(
    fields: Record<string, string>,
    photo?: { bytes: Buffer; type: string; name: string },
  ): FormData {
    const data = new FormData();
    for (const [name, value] of Object.entries(fields)) data.append(name, value);
    if (photo)
      data.append('photo', new Blob([new Uint8Array(photo.bytes)], { type: photo.type }), photo.name);
    return data;
  }
  const fields = {
    'child.name': 'Photo Child',
    'child.age': '6',
    'child.sex': 'male',
    'child.description': 'green jacket',
    'lastSeen.lat': '31.49352',
    'lastSeen.lon': '74.3917',
    'lastSeen.at': new Date(Date.now() - 60_000).toISOString(),
    'reporter.name': 'Photo Reporter',
    'reporter.phone': '+923001234568',
  };

  it('stores the photo re-encoded as JPEG and serves it to dispatchers only', async () => {
    const png = await sharp({
      create: { width: 120, height: 90, channels: 4, background: { r: 200, g: 40, b: 40, alpha: 0.5 } },
    })
      .png()
      .toBuffer();
    const response = await fetch(`${test.baseUrl}/api/reports`, {
      method: 'POST',
      body: form(fields, { bytes: png, type: 'image/png', name: 'child.png' }),
    });
    expect(response.status).toBe(201);
    const receipt = (await response.json()) as any;
    expect(receipt.district.code).toBe('PK-PB-LAHORE');

    const list = await fetch(`${test.baseUrl}/api/cases/${receipt.id}/photos`, { headers: { cookie } });
    const { photos } = (await list.json()) as { photos: { url: string }[] };
    expect(photos).toHaveLength(1);
    const image = await fetch(`${test.baseUrl}${photos[0]?.url}`, { headers: { cookie } });
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    const metadata = await sharp(Buffer.from(await image.arrayBuffer())).metadata();
    expect([metadata.width, metadata.height]).toEqual([120, 90]);

    const anonymous = await fetch(`${test.baseUrl}${photos[0]?.url}`);
    expect(anonymous.status).toBe(401);
  });

  it('accepts the whole report as one JSON field', async () => {
    const data = new FormData();
    data.append('report', JSON.stringify(lahoreReport()));
    const response = await fetch(`${test.baseUrl}/api/reports`, { method: 'POST', body: data });
    expect(response.status).toBe(201);
  });

  it('rejects a file that is not an image and stores nothing', async () => {
    const before = await countCases();
    const response = await fetch(`${test.baseUrl}/api/reports`, {
      method: 'POST',
      body: form(fields, { bytes: Buffer.from('test'), type: 'image/png', name: 'fake.png' }),
    });
    expect(response.status).toBe(400);
    const answer = (await response.json()) as any;
    expect(answer.error.code).toBe('PHOTO_UNREADABLE');
    expect(answer.error.field).toBe('photo');
    expect(await countCases()).toBe(before);
  });

  it('rejects an SVG format', async () => {
    const before = await countCases();
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40"/></svg>';
    const response = await fetch(`${test.baseUrl}/api/reports`, {
      method: 'POST',
      body: form(fields, { bytes: Buffer.from(svg), type: 'image/svg+xml', name: 'drawing.svg' }),
    });
    expect(response.status).toBe(400);
    const answer = (await response.json()) as any;
    expect(answer.error.code).toBe('PHOTO_FORMAT_UNSUPPORTED');
    expect(answer.error.field).toBe('photo');
    expect(answer.error.message).toContain('JPEG, PNG, WEBP, GIF, TIFF or AVIF');
    expect(await countCases()).toBe(before);
  });

  it('rejects a photo over the size limit', async () => {
    const big = Buffer.alloc(11 * 1024 * 1024, 1);
    const response = await fetch(`${test.baseUrl}/api/reports`, {
      method: 'POST',
      body: form(fields, { bytes: big, type: 'image/jpeg', name: 'big.jpg' }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as any).error.code).toBe('PHOTO_TOO_LARGE');
  });

  it('rejects a second file', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    const data = form(fields, { bytes: png, type: 'image/png', name: 'a.png' });
    data.append('photo', new Blob([png], { type: 'image/png' }), 'b.png');
    const response = await fetch(`${test.baseUrl}/api/reports`, { method: 'POST', body: data });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error.code).toBe('INVALID_UPLOAD');
  });

  it('rejects a __proto__ field without polluting objects', async () => {
    const data = form({ ...fields, '__proto__.json spaces': '8', 'constructor.prototype': 'x' });
    const response = await fetch(`${test.baseUrl}/api/reports`, { method: 'POST', body: data });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error.code).toBe('INVALID_REPORT');
    expect(({} as Record<string, unknown>)['json spaces']).toBeUndefined();

    const valid = await postJson('/api/reports', lahoreReport());
    expect(valid.status).toBe(201);
    expect((await fetch(`${test.baseUrl}/api/jurisdictions?level=province`)).status).toBe(200);
  });

  it('rejects an invalid report JSON field naming it', async () => {
    const data = new FormData();
    data.append('report', '{"child":');
    const response = await fetch(`${test.baseUrl}/api/reports`, { method: 'POST', body: data });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error.field).toBe('report');
  });

  it('rejects a field sent twice', async () => {
    const data = form(fields);
    data.append('child.name', 'Second Name');
    const response = await fetch(`${test.baseUrl}/api/reports`, { method: 'POST', body: data });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error.field).toBe('child.name');
  });

  it('names the bad field of a multipart report', async () => {
    const response = await fetch(`${test.baseUrl}/api/reports`, {
      method: 'POST',
      body: form({ ...fields, 'lastSeen.lat': 'north' }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error.field).toBe('lastSeen.lat');
  });
});

describe('public tracking', () => {
  it('shows status and district without the reporter', async () => {
    const { body: receipt } = await postJson(
      '/api/reports',
      lahoreReport({ reporter: { name: 'Private Person', phone: '+923005550000' } }),
    );
    const response = await fetch(`${test.baseUrl}/api/track/${receipt.trackingCode.toLowerCase()}`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain('Private Person');
    expect(text).not.toContain('5550000');
    expect(text).not.toContain('Test Child');
    const status = JSON.parse(text);
    expect(status.trackingCode).toBe(receipt.trackingCode);
    expect(status.status).toBe('reported');
    expect(status.district.name).toBe('Lahore');
    expect(status.timeline.map((entry: { event: string }) => entry.event)).toEqual([
      'reported',
      expect.stringMatching(/^alerted-/),
      expect.stringMatching(/^alerted-/),
    ]);
  });

  it('returns 404 for an unknown code and 400 for a malformed one', async () => {
    expect((await fetch(`${test.baseUrl}/api/track/TL-0000-0000-0000`)).status).toBe(404);
    const malformed = await fetch(`${test.baseUrl}/api/track/hello`);
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as any).error.code).toBe('INVALID_TRACKING_CODE');
  });
});

describe('dispatcher access', () => {
  it('requires a session for alerts, the queue and the event stream', async () => {
    for (const path of [
      '/api/alerts?district=PK-PB-LAHORE',
      '/api/cases/unassigned',
      '/api/events?district=PK-PB-LAHORE',
    ]) {
      const response = await fetch(`${test.baseUrl}${path}`);
      expect(response.status, path).toBe(401);
      expect(((await response.json()) as any).error.code).toBe('AUTH_REQUIRED');
    }
  });

  it('rejects a wrong password', async () => {
    const { status, body } = await postJson('/api/auth/login', {
      username: 'nobody.here',
      password: 'not-the-password',
    });
    expect(status).toBe(401);
    expect(body.error.code).toBe('INVALID_CREDENTIALS');
  });

  it('rejects a forged session cookie', async () => {
    const forged = `talash_session=${Date.now() + 3_600_000}.AAAA`;
    const response = await fetch(`${test.baseUrl}/api/auth/me`, { headers: { cookie: forged } });
    expect(response.status).toBe(401);
  });
});

describe('health', () => {
  it('reports the database and Redis reachable', async () => {
    const response = await fetch(`${test.baseUrl}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', database: 'ok', redis: 'ok' });
  });
});

describe('malformed requests', () => {
  it.each([
    ['an unsupported charset', { 'content-type': 'application/json; charset=latin1' }, '{}', 415],
    [
      'an unknown content encoding',
      { 'content-type': 'application/json', 'content-encoding': 'xyz' },
      '{}',
      415,
    ],
    ['multipart without a boundary', { 'content-type': 'multipart/form-data' }, 'x', 400],
  ])('answers %s with a 4xx code', async (_name, headers, body, status) => {
    const response = await fetch(`${test.baseUrl}/api/reports`, { method: 'POST', headers, body });
    expect(response.status).toBe(status);
    const answer = (await response.json()) as any;
    expect(answer.error.code).toMatch(/^(INVALID_REQUEST_BODY|INVALID_UPLOAD)$/);
  });

  it('treats a malformed session cookie as no session', async () => {
    const response = await fetch(`${test.baseUrl}/api/auth/me`, {
      headers: { cookie: 'talash_session=%E0%A4%A' },
    });
    expect(response.status).toBe(401);
  });
});

describe('in-memory geofencing at intake', () => {
  it('routes by the new boundaries after a publish', async () => {
    const locator = test.platform.districtLocator;
    const before = locator.current()?.versionId;
    expect(before).toBeDefined();

    // A draft of the same districts, published while the API still has the old version in memory.
    const draft = await importBoundaryFile(test.platform.db, BUNDLED_BOUNDARY_FILE, {
      createdBy: 'test-gis',
      level: 'district',
      layer: 'districts',
    });
    await publishBoundaryVersion(test.platform.db, draft.versionId, { by: 'test-gis' });
    try {
      expect(locator.current()?.versionId).toBe(before);
      const { status, body } = await postJson('/api/reports', lahoreReport());
      expect(status).toBe(201);
      expect(body.district.code).toBe('PK-PB-LAHORE');
      const row = await test.platform.db('cases').where({ id: body.id }).first('boundary_version_id');
      expect(row.boundary_version_id).toBe(draft.versionId);

      await waitFor(async () => (locator.current()?.versionId === draft.versionId ? true : undefined));
      const next = await postJson('/api/reports', lahoreReport());
      const nextRow = await test.platform
        .db('cases')
        .where({ id: next.body.id })
        .first('boundary_version_id');
      expect(nextRow.boundary_version_id).toBe(draft.versionId);
    } finally {
      await rollbackBoundaryVersion(test.platform.db, { by: 'test-gis' });
    }
  });
});
