// The public register, the reporter's own routes (timeline, additions, takedown), the proof-of-work
// challenge and the routing of sightings to two districts, against real PostGIS and Redis.
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadingZeroBits, solveChallenge } from '../src/services/submission-challenge.js';
import { lahoreReport } from './support/duty-officers.js';
import { signIn, startTestPlatform, type TestPlatform } from './support/platform.js';

// A point near Islamabad, in another district than Lahore; the tests read its code from the geofence.
const OTHER_PLACE = { lat: 33.6, lon: 73.05 };

let test: TestPlatform;
let supervisor: string;
let lahoreDpo: string;
const suffix = Date.now().toString(36);

beforeAll(async () => {
  test = await startTestPlatform({ FACE_DETECTOR_PRELOAD: 'false', REPORTER_REQUESTS_PER_MINUTE: '1000' });
  supervisor = await signIn(test);
  lahoreDpo = await signIn(test, 'dpo', 'PK-PB-LAHORE');
});

afterAll(async () => {
  await test?.stop();
});

async function call(method: string, path: string, options: { cookie?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (options.cookie) headers.cookie = options.cookie;
  let body: BodyInit | undefined;
  if (options.body instanceof FormData) body = options.body;
  else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${test.baseUrl}${path}`, { method, headers, body });
  const type = response.headers.get('content-type') ?? '';
  return {
    status: response.status,
    type,
    body: type.includes('json')
      ? ((await response.json()) as any)
      : Buffer.from(await response.arrayBuffer()),
  };
}

async function photo(color: string): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 64, channels: 3, background: color } })
    .jpeg()
    .toBuffer();
}

interface Filed {
  id: string;
  trackingCode: string;
  publicId: string;
}

/** Files a report with a photo, publishes it and returns its ids, the public id read from the database. */
async function fileAndPublish(
  child: { name: string; age: number; sex: string },
  options: { lastSeen?: { lat: number; lon: number; at: string }; phone?: string; publish?: boolean } = {},
): Promise<Filed> {
  const report = lahoreReport({
    child: { ...child, description: 'lives at House 12, Street 4' },
    ...(options.lastSeen ? { lastSeen: options.lastSeen } : {}),
    reporter: { name: 'Reporter Privatename', phone: options.phone ?? '+923001234567' },
  });
  const form = new FormData();
  form.append('report', JSON.stringify(report));
  form.append('photo', new Blob([new Uint8Array(await photo('#884422'))]), 'child.jpg');
  const filed = await call('POST', '/api/reports', { body: form });
  expect(filed.status).toBe(201);
  if (options.publish !== false) {
    expect((await call('POST', `/api/cases/${filed.body.id}/publish`, { cookie: supervisor })).status).toBe(
      200,
    );
  }
  const row = await test.platform.db('cases').where({ id: filed.body.id }).first('public_id');
  return { id: filed.body.id, trackingCode: filed.body.trackingCode, publicId: row.public_id };
}

async function moveCase(caseId: string, ...steps: Record<string, string>[]) {
  for (const step of steps) {
    const moved = await call('POST', `/api/cases/${caseId}/transitions`, { cookie: lahoreDpo, body: step });
    expect(moved.status).toBe(201);
  }
}

describe('public register', () => {
  let ayesha: Filed;
  let bilal: Filed;
  let hidden: Filed;

  beforeAll(async () => {
    ayesha = await fileAndPublish(
      { name: `Ayesha${suffix} Khan`, age: 7, sex: 'female' },
      { lastSeen: { lat: 31.49352, lon: 74.3917, at: '2026-11-20T06:00:00Z' } },
    );
    bilal = await fileAndPublish(
      { name: `Bilal${suffix} Ahmed`, age: 12, sex: 'male' },
      { lastSeen: { lat: 31.52, lon: 74.35, at: '2026-11-25T20:30:00Z' } },
    );
    hidden = await fileAndPublish({ name: `Hidden${suffix}`, age: 5, sex: 'male' }, { publish: false });
  });

  it('lists published cases without personal data', async () => {
    const listed = await call('GET', `/api/register?name=${suffix}&pageSize=50`);
    expect(listed.status).toBe(200);
    const names = listed.body.children.map((child: { name: string }) => child.name);
    expect(names).toContain(`Ayesha${suffix}`);
    expect(names).toContain(`Bilal${suffix}`);
    expect(names).not.toContain(`Hidden${suffix}`);

    const text = JSON.stringify(listed.body);
    for (const secret of [
      'Privatename',
      '+923001234567',
      'Khan',
      'House 12',
      ayesha.id,
      ayesha.trackingCode,
      '31.49352',
      '74.3917',
    ]) {
      expect(text).not.toContain(secret);
    }
    const card = listed.body.children.find((child: { name: string }) => child.name === `Ayesha${suffix}`);
    expect(card).toMatchObject({
      publicId: ayesha.publicId,
      age: 7,
      sex: 'female',
      district: { code: 'PK-PB-LAHORE', name: 'Lahore' },
      lastSeenOn: '2026-11-20',
      lastSeenArea: { lat: 31.495, lon: 74.395, bounds: [74.39, 31.49, 74.4, 31.5] },
    });
    expect(card.photos).toHaveLength(1);
    expect(listed.body.districts).toContainEqual({
      code: 'PK-PB-LAHORE',
      name: 'Lahore',
      nameUr: expect.any(String),
      children: expect.any(Number),
    });
    expect(card.photos[0].url).toMatch(new RegExp(`^/api/register/${ayesha.publicId}/photos/[0-9a-f-]{36}$`));
  });

  it('filters by age, sex, district and date', async () => {
    const names = async (query: string) =>
      (await call('GET', `/api/register?name=${suffix}&${query}`)).body.children.map(
        (child: { name: string }) => child.name,
      );
    expect(await names('ageMin=10&ageMax=17')).toEqual([`Bilal${suffix}`]);
    expect(await names('sex=female')).toEqual([`Ayesha${suffix}`]);
    expect(await names('district=PK-PB-LAHORE')).toHaveLength(2);
    expect(await names('district=PK-IS-ISLAMABAD')).toEqual([]);
    // 20:30 UTC on 25 November is 01:30 on 26 November in Pakistan.
    expect(await names('seenFrom=2026-11-26&seenTo=2026-11-26')).toEqual([`Bilal${suffix}`]);
    expect(await names('seenTo=2026-11-21')).toEqual([`Ayesha${suffix}`]);
  });

  it('pages through results', async () => {
    const first = await call('GET', `/api/register?name=${suffix}&pageSize=1&page=1`);
    const second = await call('GET', `/api/register?name=${suffix}&pageSize=1&page=2`);
    const past = await call('GET', `/api/register?name=${suffix}&pageSize=1&page=9`);
    expect(first.body.total).toBe(2);
    expect(first.body.children).toHaveLength(1);
    expect(second.body.children).toHaveLength(1);
    expect(second.body.children[0].publicId).not.toBe(first.body.children[0].publicId);
    expect(past.body).toMatchObject({ children: [], total: 2, page: 9 });
  });

  it('rejects invalid filters naming the field', async () => {
    const cases: [string, string][] = [
      ['ageMin=-1', 'ageMin'],
      ['ageMin=9&ageMax=3', 'ageMin'],
      ['sex=girl', 'sex'],
      ['district=lahore', 'district'],
      ['seenFrom=yesterday', 'seenFrom'],
      ['pageSize=500', 'pageSize'],
      ['reporter=x', 'reporter'],
    ];
    for (const [query, field] of cases) {
      const response = await call('GET', `/api/register?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.code, query).toBe('INVALID_REGISTER_QUERY');
      expect(response.body.error.field, query).toBe(field);
    }
  });

  it('serves the child page, photo and preview', async () => {
    const page = await call('GET', `/api/register/${bilal.publicId}`);
    expect(page.status).toBe(200);
    expect(page.body.name).toBe(`Bilal${suffix}`);
    const image = await call('GET', page.body.photos[0].url);
    expect(image.status).toBe(200);
    expect(image.type).toBe('image/jpeg');
    const preview = await call('GET', `/api/register/${bilal.publicId}/preview.jpg`);
    expect(preview.status).toBe(200);
    const metadata = await sharp(preview.body as Buffer).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['jpeg', 1200, 630]);

    expect((await call('GET', `/api/register/${'0'.repeat(32)}`)).body.error.code).toBe(
      'REGISTER_ENTRY_NOT_FOUND',
    );
    expect((await call('GET', '/api/register/not-an-id')).body.error.code).toBe('INVALID_REGISTER_ID');
    expect((await call('GET', `/api/register/${hidden.publicId}`)).status).toBe(410);
  });

  it('drops a recovered child at once', async () => {
    const recovered = await fileAndPublish({ name: `Recovered${suffix}`, age: 9, sex: 'male' });
    const before = await call('GET', `/api/register/${recovered.publicId}`);
    expect(before.status).toBe(200);

    await moveCase(
      recovered.id,
      { to: 'acknowledged' },
      { to: 'fir_registered', firNumber: '12/26', policeStation: 'Model Town' },
      { to: 'recovered' },
    );

    const after = await call('GET', `/api/register/${recovered.publicId}`);
    expect(after.status).toBe(410);
    expect(after.body.error.code).toBe('REGISTER_ENTRY_REMOVED');
    expect(JSON.stringify(after.body)).not.toContain(`Recovered${suffix}`);
    const listed = await call('GET', `/api/register?name=Recovered${suffix}`);
    expect(listed.body.children).toEqual([]);
    expect((await call('GET', before.body.photos[0].url)).status).toBe(404);
    expect((await call('GET', `/api/register/${recovered.publicId}/preview.jpg`)).status).toBe(410);
  });

  it('shows the name the family agreed to', async () => {
    const named = await fileAndPublish(
      { name: `Zainab${suffix} Bibi`, age: 6, sex: 'female' },
      { publish: false },
    );
    const tooLong = await call('POST', `/api/cases/${named.id}/publish`, {
      cookie: supervisor,
      body: { publicName: 'x'.repeat(101) },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.field).toBe('publicName');
    const published = await call('POST', `/api/cases/${named.id}/publish`, {
      cookie: supervisor,
      body: { publicName: `Zainab${suffix} B.` },
    });
    expect(published.status).toBe(200);
    expect((await call('GET', `/api/register/${named.publicId}`)).body.name).toBe(`Zainab${suffix} B.`);
  });
});

describe('reporter routes', () => {
  const phone = '+923007654321';
  let filed: Filed;

  beforeAll(async () => {
    filed = await fileAndPublish({ name: `Takedown${suffix}`, age: 10, sex: 'female' }, { phone });
  });

  it('gives wrong code and phone one 404', async () => {
    const wrongPhone = await call('POST', `/api/track/${filed.trackingCode}/reporter`, {
      body: { phone: '+923000000000' },
    });
    const wrongCode = await call('POST', '/api/track/TL-0000-0000-0000/reporter', { body: { phone } });
    expect(wrongPhone.status).toBe(404);
    expect(wrongCode.status).toBe(404);
    expect(wrongPhone.body).toEqual(wrongCode.body);
    expect(wrongPhone.body.error.code).toBe('TRACKING_NOT_FOUND');

    const badPhone = await call('POST', `/api/track/${filed.trackingCode}/reporter`, {
      body: { phone: '12' },
    });
    expect(badPhone.status).toBe(400);
    expect(badPhone.body.error).toMatchObject({ code: 'INVALID_REPORTER', field: 'phone' });
  });

  it('adds text and a photo to the timeline', async () => {
    const empty = await call('POST', `/api/track/${filed.trackingCode}/updates`, { body: { phone } });
    expect(empty.status).toBe(400);
    expect(empty.body.error.field).toBe('text');

    const text = await call('POST', `/api/track/${filed.trackingCode}/updates`, {
      body: { phone: '0300-7654321', text: 'She wore green sandals.' },
    });
    expect(text.status).toBe(201);

    const form = new FormData();
    form.append('phone', phone);
    form.append('photo', new Blob([new Uint8Array(await photo('#225588'))]), 'more.jpg');
    const withPhoto = await call('POST', `/api/track/${filed.trackingCode}/updates`, { body: form });
    expect(withPhoto.status).toBe(201);
    expect(withPhoto.body.photoReceived).toBe(true);
    const photos = await test.platform
      .db('case_photos')
      .where({ case_id: filed.id })
      .count<{ count: string }[]>('* as count');
    expect(Number(photos[0]?.count)).toBe(2);

    const view = await call('POST', `/api/track/${filed.trackingCode}/reporter`, { body: { phone } });
    expect(view.status).toBe(200);
    const updates = view.body.timeline.filter(
      (event: { event: string }) => event.event === 'reporter-update',
    );
    expect(updates).toHaveLength(2);
    expect(updates[0].text).toBe('She wore green sandals.');
    expect(updates[1].photo).toBe(true);
    expect(view.body.register).toEqual({ listed: true, takenDown: false, publicId: filed.publicId });

    // The public tracking view, which needs no phone, never shows the reporter's additions.
    const publicView = await call('GET', `/api/track/${filed.trackingCode}`);
    expect(JSON.stringify(publicView.body)).not.toContain('sandals');
  });

  it('takes the child off the register', async () => {
    const wrong = await call('POST', `/api/track/${filed.trackingCode}/takedown`, {
      body: { phone: '+923000000000' },
    });
    expect(wrong.status).toBe(404);
    expect((await call('GET', `/api/register/${filed.publicId}`)).status).toBe(200);

    const takedown = await call('POST', `/api/track/${filed.trackingCode}/takedown`, { body: { phone } });
    expect(takedown.status).toBe(200);
    expect(takedown.body).toEqual({ removed: true, wasListed: true });

    expect((await call('GET', `/api/register/${filed.publicId}`)).body.error.code).toBe(
      'REGISTER_ENTRY_REMOVED',
    );
    const audit = await test.platform
      .db('audit_log')
      .where({ case_id: filed.id, action: 'register.takedown' });
    expect(audit).toHaveLength(1);
    const events = await test.platform
      .db('case_events')
      .where({ case_id: filed.id, kind: 'register-takedown' });
    expect(events).toHaveLength(1);

    const republish = await call('POST', `/api/cases/${filed.id}/publish`, { cookie: supervisor });
    expect(republish.status).toBe(409);
    expect(republish.body.error.code).toBe('REGISTER_TAKEN_DOWN');
    const view = await call('POST', `/api/track/${filed.trackingCode}/reporter`, { body: { phone } });
    expect(view.body.register).toEqual({ listed: false, takenDown: true, publicId: null });
  });
});

describe('sighting routing', () => {
  it('reaches the place and case districts', async () => {
    const filed = await fileAndPublish({ name: `Routed${suffix}`, age: 8, sex: 'male' });
    const islamabad = (await call('GET', `/api/geofence?lat=${OTHER_PLACE.lat}&lon=${OTHER_PLACE.lon}`)).body
      .district.code as string;
    const sighting = await call('POST', '/api/sightings', {
      body: {
        seenAt: new Date(Date.now() - 600_000).toISOString(),
        place: OTHER_PLACE,
        caseId: filed.id,
        description: 'at the bus stand',
      },
    });
    expect(sighting.status).toBe(201);
    expect(sighting.body.routedTo).toEqual([islamabad, 'PK-PB-LAHORE']);

    const lahoreList = await call('GET', '/api/sightings?district=PK-PB-LAHORE', { cookie: lahoreDpo });
    expect(lahoreList.status).toBe(200);
    const inLahore = lahoreList.body.sightings.find((row: { id: string }) => row.id === sighting.body.id);
    expect(inLahore.reasons).toEqual(['case-district']);

    const otherDpo = await signIn(test, 'dpo', islamabad);
    const otherList = await call('GET', `/api/sightings?district=${islamabad}`, { cookie: otherDpo });
    const inOther = otherList.body.sightings.find((row: { id: string }) => row.id === sighting.body.id);
    expect(inOther.reasons).toEqual(['seen-in']);

    expect((await call('GET', `/api/sightings?district=${islamabad}`, { cookie: lahoreDpo })).status).toBe(
      403,
    );
    expect((await call('GET', '/api/sightings?district=PK-PB-LAHORE')).status).toBe(401);
  });

  it('routes an unknown child at risk', async () => {
    const sighting = await call('POST', '/api/sightings', {
      body: {
        seenAt: new Date(Date.now() - 60_000).toISOString(),
        place: { lat: 31.5, lon: 74.33 },
        atRisk: true,
      },
    });
    expect(sighting.status).toBe(201);
    expect(sighting.body.routedTo).toEqual(['PK-PB-LAHORE']);
    const list = await call('GET', '/api/sightings?district=PK-PB-LAHORE', { cookie: lahoreDpo });
    const row = list.body.sightings.find((entry: { id: string }) => entry.id === sighting.body.id);
    expect(row).toMatchObject({ atRisk: true, caseId: null, reasons: ['seen-in'] });
  });
});

describe('submission challenge', () => {
  let guarded: TestPlatform;

  beforeAll(async () => {
    guarded = await startTestPlatform(
      { FACE_DETECTOR_PRELOAD: 'false', PUBLIC_CHALLENGE_BITS: '8' },
      { worker: false },
    );
  });

  afterAll(async () => {
    await guarded?.stop();
  });

  async function postReport(headers: Record<string, string>) {
    const response = await fetch(`${guarded.baseUrl}/api/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(lahoreReport()),
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  async function freshChallenge() {
    const response = await fetch(`${guarded.baseUrl}/api/challenge`);
    return (await response.json()) as { token: string; nonce: string; bits: number };
  }

  it('rejects a report without a solution', async () => {
    const missing = await postReport({});
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('CHALLENGE_REQUIRED');
  });

  it('lets a signed-in desk officer report without one', async () => {
    const desk = await signIn(guarded, 'desk_officer');
    const filed = await postReport({ cookie: desk });
    expect(filed.status).toBe(201);
  });

  it('accepts a solution only once', async () => {
    const challenge = await freshChallenge();
    expect(challenge.bits).toBe(8);
    const headers = {
      'talash-challenge': challenge.token,
      'talash-challenge-solution': solveChallenge(challenge.nonce, challenge.bits),
    };
    expect((await postReport(headers)).status).toBe(201);
    const again = await postReport(headers);
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('CHALLENGE_USED');
  });

  it('rejects wrong solutions and forged tokens', async () => {
    const challenge = await freshChallenge();
    let wrong = 0;
    while (
      leadingZeroBits(createHash('sha256').update(`${challenge.nonce}:${wrong}`).digest()) >= challenge.bits
    ) {
      wrong += 1;
    }
    const wrongAnswer = await postReport({
      'talash-challenge': challenge.token,
      'talash-challenge-solution': String(wrong),
    });
    expect(wrongAnswer.status).toBe(400);
    expect(wrongAnswer.body.error.code).toBe('CHALLENGE_INVALID');

    // A token asking for zero bits, carrying the signature of a real one.
    const easyBody = Buffer.from(JSON.stringify({ nonce: 'x', bits: 0, exp: Date.now() + 60_000 })).toString(
      'base64url',
    );
    const forged = `${easyBody}.${challenge.token.split('.')[1]}`;
    const forgedAnswer = await postReport({ 'talash-challenge': forged, 'talash-challenge-solution': '0' });
    expect(forgedAnswer.body.error.code).toBe('CHALLENGE_INVALID');

    const notNumber = await postReport({
      'talash-challenge': challenge.token,
      'talash-challenge-solution': 'abc',
    });
    expect(notNumber.body.error.code).toBe('CHALLENGE_INVALID');
  });
});

describe('public rate limits', () => {
  let limited: TestPlatform;

  beforeAll(async () => {
    limited = await startTestPlatform(
      {
        FACE_DETECTOR_PRELOAD: 'false',
        REGISTER_REQUESTS_PER_MINUTE: '3',
        REPORTER_REQUESTS_PER_MINUTE: '2',
      },
      { worker: false },
    );
  });

  afterAll(async () => {
    await limited?.stop();
  });

  it('limits register and reporter requests', async () => {
    const registerStatuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      registerStatuses.push((await fetch(`${limited.baseUrl}/api/register`)).status);
    }
    expect(registerStatuses).toEqual([200, 200, 200, 429]);

    const reporterStatuses: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await fetch(`${limited.baseUrl}/api/track/TL-0000-0000-0000/reporter`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone: '+923000000000' }),
      });
      reporterStatuses.push(response.status);
    }
    expect(reporterStatuses).toEqual([404, 404, 429]);
  });
});
