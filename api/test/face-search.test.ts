// Face search, sightings and match review end to end: real face model on a detector thread, real
// faiss, PostGIS and Redis. Photos are the openly licensed fixtures in test/fixtures/faces.
import { rm } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACE_MATCH_THRESHOLD } from '../../models/src/face-match.js';
import { loadConfig } from '../src/config.js';
import { FaceDetectorPool } from '../src/faces/face-detector-pool.js';
import { closePlatform, createPlatform, startWorker } from '../src/platform.js';
import { LAHORE_DPO_PHONE, seedLahoreOfficers } from './support/duty-officers.js';
import { openEventStream } from './support/event-stream.js';
import {
  createFaceIndexDirectory,
  createSharedDetector,
  facePhoto,
  photoForm,
  postAsDispatcher,
  reportWithPhoto,
  searchFaces,
  startFacePlatform,
} from './support/faces.js';
import { FakeSmsGateway } from './support/fake-sms-gateway.js';
import { signIn, type TestPlatform, waitFor } from './support/platform.js';

// A point in another district than Lahore, where the sighting of the Lahore child happens.
const SIGHTING_PLACE = { lat: 33.6, lon: 73.05 };
const SIGHTING_DPO_PHONE = '+923001110077';

let detector: FaceDetectorPool;
let indexDirectory: string;
let gateway: FakeSmsGateway;
let test: TestPlatform;
let cookie: string;

// Cases filed in this order, so that the withdrawn photo's face comes before the others in the index.
let biden: { id: string; trackingCode: string };
let obama: { id: string; trackingCode: string };
let child: { id: string; trackingCode: string };

beforeAll(async () => {
  detector = createSharedDetector();
  indexDirectory = await createFaceIndexDirectory();
  gateway = new FakeSmsGateway();
  await gateway.start();
  test = await startFacePlatform(detector, indexDirectory, { SMS_DRIVER: 'http', SMS_HTTP_URL: gateway.url });
  await seedLahoreOfficers(test.platform.db);
  cookie = await signIn(test);

  const suffix = Date.now().toString(36);
  biden = await reportWithPhoto(test, 'biden_1.jpg', `Face Test Biden ${suffix}`);
  obama = await reportWithPhoto(test, 'obama_1.jpg', `Face Test Obama ${suffix}`);
  child = await reportWithPhoto(test, 'azure_son_1.jpg', `Face Test Child ${suffix}`);
  expect((await postAsDispatcher(test, cookie, `/api/cases/${obama.id}/publish`)).status).toBe(200);
  expect((await postAsDispatcher(test, cookie, `/api/cases/${biden.id}/publish`)).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await test?.stop();
  await gateway?.stop();
  await detector?.close();
  await rm(indexDirectory, { recursive: true, force: true });
});

async function districtCodeAt(place: { lat: number; lon: number }): Promise<string> {
  const response = await fetch(`${test.baseUrl}/api/geofence?lat=${place.lat}&lon=${place.lon}`);
  return ((await response.json()) as { district: { code: string } }).district.code;
}

/** Builds a small valid PNG whose header claims width × height pixels, as a decompression bomb would. */
async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#ffffff' } })
    .png()
    .toBuffer();
  // The IHDR chunk starts at byte 8: length (4), type (4), width (4), height (4), 5 more bytes, CRC (4).
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

async function countRows(table: string): Promise<number> {
  const [row] = await test.platform.db(table).count<{ count: number }[]>('* as count');
  return Number(row?.count);
}

function caseIds(matches: any[]): string[] {
  return matches.map((match) => match.case.id);
}

/** Public results name a case by its register id, never by its case id. */
function publicIds(matches: any[]): string[] {
  return matches.map((match) => match.case.publicId);
}

async function publicIdOf(reported: { id: string }): Promise<string> {
  const row = await test.platform.db('cases').where({ id: reported.id }).first('public_id');
  return row.public_id;
}

describe('face processing', () => {
  it('stores each face with its descriptor and crop', async () => {
    const faces = await test.platform
      .db('faces as f')
      .join('case_photos as p', 'p.id', 'f.case_photo_id')
      .where('p.case_id', obama.id)
      .select('f.*', 'p.face_count', 'p.faces_processed_at');
    expect(faces).toHaveLength(1);
    const face = faces[0];
    expect(face.is_primary).toBe(true);
    expect(face.face_count).toBe(1);
    expect(face.descriptor).toHaveLength(512);
    expect(face.box_width).toBeGreaterThan(50);
    expect(face.detection_score).toBeGreaterThan(0.5);
    expect(face.model_version).toMatch(/^face-api-/);
    expect(face.crop.subarray(0, 2).toString('hex')).toBe('ffd8');
  });

  it('marks a photo without a face processed with zero faces', async () => {
    const blank = await reportWithPhoto(test, 'blank_white.png', 'Face Test No Face');
    const photo = await test.platform.db('case_photos').where({ case_id: blank.id }).first();
    expect(photo.face_count).toBe(0);
    expect(photo.faces_processed_at).not.toBeNull();
    expect(await test.platform.db('faces').where({ case_photo_id: photo.id })).toHaveLength(0);
  });
});

describe('public face search', () => {
  it('finds the same person in another photo', async () => {
    const { status, body } = await searchFaces(test, 'obama_2.jpg');
    expect(status).toBe(200);
    expect(body.faceFound).toBe(true);
    expect(body.faces).toHaveLength(1);
    const top = body.matches[0];
    expect(top.case.publicId).toBe(await publicIdOf(obama));
    expect(top.similarity).toBeGreaterThanOrEqual(FACE_MATCH_THRESHOLD);
    expect(top.faceCrop).toMatch(/^data:image\/jpeg;base64,/);
    // The register's name: the first word unless an officer published another one.
    expect(top.case.child.name).toBe('Face');
    expect(top.case.lastSeen.district.code).toBe('PK-PB-LAHORE');
    // Only what the register shows: no case id, tracking code or exact time last seen.
    expect(top.case.id).toBeUndefined();
    expect(top.case.trackingCode).toBeUndefined();
    expect(top.case.lastSeen.at).toBeUndefined();
    expect(top.case.lastSeen.on).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(body.sightings).toBeUndefined();
  });

  it('shows no other person at or above the threshold', async () => {
    const { body } = await searchFaces(test, 'biden_2.jpg');
    expect(publicIds(body.matches)).toContain(await publicIdOf(biden));
    expect(publicIds(body.matches)).not.toContain(await publicIdOf(obama));
    for (const match of body.matches) expect(match.similarity).toBeGreaterThanOrEqual(FACE_MATCH_THRESHOLD);
  });

  it('hides unpublished cases from the public', async () => {
    const { body } = await searchFaces(test, 'azure_son_2.jpg');
    expect(body.faceFound).toBe(true);
    expect(publicIds(body.matches)).not.toContain(await publicIdOf(child));

    const police = await searchFaces(test, 'azure_son_2.jpg', cookie);
    const found = police.body.matches.find((match: { case: { id: string } }) => match.case.id === child.id);
    expect(found).toBeDefined();
    expect(found.similarity).toBeGreaterThanOrEqual(FACE_MATCH_THRESHOLD);
    expect(found.case.trackingCode).toBe(child.trackingCode);
  });

  it('drops a case from public results when unpublished', async () => {
    expect((await postAsDispatcher(test, cookie, `/api/cases/${obama.id}/unpublish`)).status).toBe(200);
    const hidden = await searchFaces(test, 'obama_2.jpg');
    expect(publicIds(hidden.body.matches)).not.toContain(await publicIdOf(obama));

    expect((await postAsDispatcher(test, cookie, `/api/cases/${obama.id}/publish`)).status).toBe(200);
    const shown = await searchFaces(test, 'obama_2.jpg');
    expect(publicIds(shown.body.matches)[0]).toBe(await publicIdOf(obama));
  });

  it('shows police lower scores marked below the threshold', async () => {
    const { body } = await searchFaces(test, 'biden_2.jpg', cookie);
    const other = body.matches.find((match: { case: { id: string } }) => match.case.id === obama.id);
    expect(other).toBeDefined();
    expect(other.similarity).toBeLessThan(FACE_MATCH_THRESHOLD);
    expect(other.aboveThreshold).toBe(false);
    expect(Array.isArray(body.sightings)).toBe(true);
  });

  it('answers faceFound false for a photo without a face', async () => {
    const { status, body } = await searchFaces(test, 'blank_white.png');
    expect(status).toBe(200);
    expect(body).toMatchObject({ faceFound: false, faces: [], matches: [] });
  });

  it('rejects corrupt uploads and stores nothing', async () => {
    const before = {
      photos: await countRows('case_photos'),
      sightings: await countRows('sightings'),
      faces: await countRows('faces'),
    };

    const text = await searchFaces(test, 'not_an_image.png');
    expect(text.status).toBe(400);
    expect(text.body.error).toMatchObject({ code: 'PHOTO_UNREADABLE', field: 'photo' });

    const truncated = await searchFaces(test, facePhoto('obama_1.jpg').subarray(0, 4000));
    expect(truncated.status).toBe(400);
    expect(truncated.body.error.code).toBe('PHOTO_UNREADABLE');

    const svg = await searchFaces(
      test,
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'),
    );
    expect(svg.status).toBe(400);
    expect(svg.body.error.code).toBe('PHOTO_FORMAT_UNSUPPORTED');

    const sighting = await fetch(`${test.baseUrl}/api/sightings`, {
      method: 'POST',
      body: photoForm(facePhoto('not_an_image.png'), 'not_an_image.png', {
        seenAt: new Date().toISOString(),
        'place.lat': '31.5',
        'place.lon': '74.3',
      }),
    });
    expect(sighting.status).toBe(400);

    expect({
      photos: await countRows('case_photos'),
      sightings: await countRows('sightings'),
      faces: await countRows('faces'),
    }).toEqual(before);
  });

  it('requires a photo', async () => {
    const response = await fetch(`${test.baseUrl}/api/face-search`, { method: 'POST', body: new FormData() });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('PHOTO_REQUIRED');
  });
});

describe('upload limits', () => {
  it('rejects a photo over the pixel limit', async () => {
    const { status, body } = await searchFaces(test, await pngClaiming(20_000, 20_000));
    expect(status).toBe(413);
    expect(body.error).toMatchObject({ code: 'PHOTO_TOO_LARGE', field: 'photo' });
  });

  it('limits public per address, officers per account', async () => {
    const limited = await startFacePlatform(
      detector,
      indexDirectory,
      { FACE_SEARCHES_PER_MINUTE: '2', OFFICER_FACE_SEARCHES_PER_MINUTE: '3' },
      { worker: false },
    );
    const statusesOf = async (count: number, headers: Record<string, string> = {}) => {
      const statuses: number[] = [];
      for (let i = 0; i < count; i++) {
        const response = await fetch(`${limited.baseUrl}/api/face-search`, {
          method: 'POST',
          headers,
          body: new FormData(),
        });
        statuses.push(response.status);
      }
      return statuses;
    };
    try {
      expect(await statusesOf(3)).toEqual([400, 400, 429]);

      // From the same address, where the public limit is used up, an officer has a counter of their own.
      const officerCookie = await signIn(limited);
      expect(await statusesOf(4, { cookie: officerCookie })).toEqual([400, 400, 400, 429]);
      expect(await statusesOf(1)).toEqual([429]);
    } finally {
      await limited.stop();
    }
  });
});

describe('sightings', () => {
  it('alerts the case district when a sighting shows a registered child', async () => {
    const located = await fetch(
      `${test.baseUrl}/api/geofence?lat=${SIGHTING_PLACE.lat}&lon=${SIGHTING_PLACE.lon}`,
    );
    const sightingDistrict = ((await located.json()) as { district: { code: string } }).district.code;
    expect(sightingDistrict).not.toBe('PK-PB-LAHORE');
    await test.platform
      .db('duty_officers')
      .insert({
        jurisdiction_code: sightingDistrict,
        post: 'DPO',
        name: 'Test DPO',
        phone: SIGHTING_DPO_PHONE,
      })
      .onConflict(['jurisdiction_code', 'post', 'phone'])
      .ignore();

    const stream = await openEventStream(`${test.baseUrl}/api/events?district=PK-PB-LAHORE`, cookie);
    try {
      const response = await fetch(`${test.baseUrl}/api/sightings`, {
        method: 'POST',
        body: photoForm(facePhoto('azure_son_2.jpg'), 'azure_son_2.jpg', {
          seenAt: new Date(Date.now() - 20 * 60_000).toISOString(),
          'place.lat': String(SIGHTING_PLACE.lat),
          'place.lon': String(SIGHTING_PLACE.lon),
          description: 'near the bus stand',
        }),
      });
      expect(response.status).toBe(201);
      const receipt = (await response.json()) as {
        id: string;
        district: { code: string };
        photoReceived: boolean;
      };
      expect(receipt.district.code).toBe(sightingDistrict);
      expect(receipt.photoReceived).toBe(true);

      const match = await waitFor(
        async () =>
          test.platform.db('face_matches').where({ sighting_id: receipt.id, case_id: child.id }).first(),
        30_000,
        'the sighting match',
      );
      expect(match.strong).toBe(true);
      expect(match.status).toBe('candidate');
      expect(match.similarity).toBeGreaterThanOrEqual(0.95);

      const alerts = await test.platform
        .db('alerts as a')
        .join('jurisdictions as j', 'j.id', 'a.jurisdiction_id')
        .where({ 'a.face_match_id': match.id })
        .select('a.id', 'j.code', 'a.post', 'a.kind');
      expect(alerts.map((alert: { code: string }) => alert.code).sort()).toEqual(
        ['PK-PB-LAHORE', sightingDistrict].sort(),
      );
      for (const alert of alerts) expect(alert).toMatchObject({ post: 'DPO', kind: 'face-match' });

      const messages = await waitFor(
        async () => {
          const found = gateway.delivered.filter((message) =>
            message.body.includes(`SIGHTING ${child.trackingCode}`),
          );
          return found.length >= 2 ? found : undefined;
        },
        15_000,
        'the sighting SMS to both DPOs',
      );
      expect(messages.map((message) => message.to).sort()).toEqual(
        [LAHORE_DPO_PHONE, SIGHTING_DPO_PHONE].sort(),
      );
      expect(messages[0]?.body).not.toContain('Face Test Child');
      expect(messages[0]?.body).toContain('Possible match only');

      const event = await stream.next(
        (received) =>
          received.event === 'alert' &&
          alerts.some((alert: { id: string }) => received.data.includes(alert.id)),
      );
      expect(JSON.parse(event.data).case.id).toBe(child.id);

      const timeline = await test.platform
        .db('case_events')
        .where({ case_id: child.id, kind: 'face-match-found' });
      expect(timeline).toHaveLength(1);
      expect(timeline[0].details).toMatchObject({ matchId: match.id, strong: true, sightingId: receipt.id });

      const police = await searchFaces(test, 'azure_son_1.jpg', cookie);
      const sightingIds = police.body.sightings.map((hit: { sighting: { id: string } }) => hit.sighting.id);
      expect(sightingIds).toContain(receipt.id);
    } finally {
      stream.close();
    }
  });

  it('records a sighting that names a case by tracking code', async () => {
    const response = await fetch(`${test.baseUrl}/api/sightings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        seenAt: new Date().toISOString(),
        place: { lat: 31.5, lon: 74.34 },
        trackingCode: child.trackingCode.toLowerCase(),
        description: 'at the railway station',
      }),
    });
    expect(response.status).toBe(201);
    const receipt = (await response.json()) as {
      id: string;
      caseLinked: boolean;
      district: { code: string };
    };
    expect(receipt.caseLinked).toBe(true);
    expect(receipt.district.code).toBe('PK-PB-LAHORE');
    const events = await test.platform
      .db('case_events')
      .where({ case_id: child.id, kind: 'sighting-reported' });
    expect(events.map((event: { details: { sightingId: string } }) => event.details.sightingId)).toContain(
      receipt.id,
    );

    const unknown = await fetch(`${test.baseUrl}/api/sightings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        seenAt: new Date().toISOString(),
        place: { lat: 31.5, lon: 74.34 },
        trackingCode: 'TL-0000-0000-0000',
      }),
    });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('CASE_NOT_FOUND');
  });
});

describe('match review', () => {
  it('records a confirmation with its reason on the timeline', async () => {
    const listed = await fetch(`${test.baseUrl}/api/face-matches?status=candidate`, { headers: { cookie } });
    expect(listed.status).toBe(200);
    const { matches } = (await listed.json()) as {
      matches: { id: string; case: { id: string; faceCrop: string }; sighting: { faceCrop: string } }[];
    };
    const candidate = matches.find((match) => match.case.id === child.id);
    if (!candidate) throw new Error('the sighting match is not in the candidate list');
    expect(candidate.case.faceCrop).toMatch(/^data:image\/jpeg;base64,/);
    expect(candidate.sighting.faceCrop).toMatch(/^data:image\/jpeg;base64,/);

    const anonymous = await fetch(`${test.baseUrl}/api/face-matches/${candidate.id}/review`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'confirmed', reason: 'same scar on the chin' }),
    });
    expect(anonymous.status).toBe(401);

    const noReason = await postAsDispatcher(test, cookie, `/api/face-matches/${candidate.id}/review`, {
      decision: 'confirmed',
    });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.field).toBe('reason');

    const review = { decision: 'confirmed', reason: 'same scar on the chin, family confirmed by phone' };
    const confirmed = await postAsDispatcher(
      test,
      cookie,
      `/api/face-matches/${candidate.id}/review`,
      review,
    );
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('confirmed');

    const again = await postAsDispatcher(test, cookie, `/api/face-matches/${candidate.id}/review`, {
      decision: 'rejected',
      reason: 'second thoughts',
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('MATCH_ALREADY_REVIEWED');

    const timeline = await fetch(`${test.baseUrl}/api/cases/${child.id}/events`, { headers: { cookie } });
    const { events } = (await timeline.json()) as {
      events: { kind: string; actor: string; details: Record<string, unknown> }[];
    };
    const kinds = events.map((event) => event.kind);
    expect(kinds.indexOf('face-match-found')).toBeLessThan(kinds.indexOf('face-match-confirmed'));
    const recorded = events.find((event) => event.kind === 'face-match-confirmed');
    expect(recorded?.actor).toMatch(/^account:[0-9a-f-]{36}$/);
    expect(recorded).toMatchObject({
      details: { matchId: candidate.id, reason: review.reason },
    });
  });
});

describe('jurisdiction', () => {
  it('lets only officers of the case or sighting district act', async () => {
    const elsewhere = await districtCodeAt({ lat: 24.86, lon: 67.01 });
    expect(elsewhere).not.toBe('PK-PB-LAHORE');
    const sightingDistrict = await districtCodeAt(SIGHTING_PLACE);
    const outsider = await signIn(test, 'dpo', elsewhere);
    const lahoreDpo = await signIn(test, 'dpo', 'PK-PB-LAHORE');
    const sightingDpo = await signIn(test, 'dpo', sightingDistrict);

    const refused = await postAsDispatcher(test, outsider, `/api/cases/${child.id}/publish`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
    const allowed = await postAsDispatcher(test, lahoreDpo, `/api/cases/${child.id}/unpublish`);
    expect(allowed.status).toBe(200);

    const matchesFor = async (cookie: string) => {
      const response = await fetch(`${test.baseUrl}/api/face-matches?status=confirmed`, {
        headers: { cookie },
      });
      const { matches } = (await response.json()) as { matches: { case: { id: string } }[] };
      return matches.map((match) => match.case.id);
    };
    expect(await matchesFor(lahoreDpo)).toContain(child.id);
    expect(await matchesFor(sightingDpo)).toContain(child.id);
    expect(await matchesFor(outsider)).not.toContain(child.id);

    const events = await fetch(`${test.baseUrl}/api/cases/${child.id}/events`, {
      headers: { cookie: outsider },
    });
    expect(events.status).toBe(403);
  });

  it('records police face searches in the audit trail', async () => {
    const before = await countRows('audit_log');
    await searchFaces(test, 'obama_2.jpg', cookie);
    const rows = await test.platform
      .db('audit_log')
      .where({ action: 'face-search' })
      .orderBy('id', 'desc')
      .limit(1);
    expect(await countRows('audit_log')).toBeGreaterThan(before);
    expect(rows[0]?.details.caseIds).toContain(obama.id);
  });
});

describe('photo withdrawal', () => {
  it('never returns the withdrawn photo or a wrong case', async () => {
    const photos = await fetch(`${test.baseUrl}/api/cases/${biden.id}/photos`, { headers: { cookie } });
    const [photo] = ((await photos.json()) as { photos: { id: string }[] }).photos;
    const withdrawn = await postAsDispatcher(
      test,
      cookie,
      `/api/cases/${biden.id}/photos/${photo?.id}/withdraw`,
      {
        reason: 'wrong child in the photo',
      },
    );
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.faces).toBe(1);

    const bidenSearch = await searchFaces(test, 'biden_2.jpg', cookie);
    expect(caseIds(bidenSearch.body.matches)).not.toContain(biden.id);

    // The withdrawn face was filed first, so every later face moved down one faiss position.
    const obamaSearch = await searchFaces(test, 'obama_2.jpg', cookie);
    expect(obamaSearch.body.matches[0].case.id).toBe(obama.id);
    const childSearch = await searchFaces(test, 'azure_son_2.jpg', cookie);
    expect(childSearch.body.matches[0].case.id).toBe(child.id);

    const events = await test.platform
      .db('case_events')
      .where({ case_id: biden.id, kind: 'photo-withdrawn' });
    expect(events[0]?.details).toMatchObject({ photoId: photo?.id, reason: 'wrong child in the photo' });
  });
});

describe('index persistence', () => {
  it('answers the same after a restart, from the saved copy and from Postgres', async () => {
    const answer = async (platform: TestPlatform, platformCookie: string) => {
      const { body } = await searchFaces(platform, 'obama_2.jpg', platformCookie);
      return body.matches.map((match: any) => [match.case.id, match.similarity.toFixed(5)]);
    };
    const before = await answer(test, cookie);
    expect(before[0]?.[0]).toBe(obama.id);

    await test.stop();
    test = await startFacePlatform(detector, indexDirectory, {
      SMS_DRIVER: 'http',
      SMS_HTTP_URL: gateway.url,
    });
    const loaded = await test.platform.faces.galleries.ready();
    expect(loaded.cases.source).toBe('saved');
    expect(await answer(test, await signIn(test))).toEqual(before);

    await test.stop();
    await rm(indexDirectory, { recursive: true, force: true });
    test = await startFacePlatform(detector, indexDirectory, {
      SMS_DRIVER: 'http',
      SMS_HTTP_URL: gateway.url,
    });
    const built = await test.platform.faces.galleries.ready();
    expect(built.cases.source).toBe('built');
    expect(await answer(test, await signIn(test))).toEqual(before);
  });
});

describe('new case against earlier sightings', () => {
  it('matches a later report with an earlier sighting', async () => {
    const sighted = await fetch(`${test.baseUrl}/api/sightings`, {
      method: 'POST',
      body: photoForm(facePhoto('obama_4.jpg'), 'obama_4.jpg', {
        seenAt: new Date(Date.now() - 3 * 3600_000).toISOString(),
        'place.lat': String(SIGHTING_PLACE.lat),
        'place.lon': String(SIGHTING_PLACE.lon),
        description: 'alone at the railway station',
      }),
    });
    expect(sighted.status).toBe(201);
    const sighting = (await sighted.json()) as { id: string };
    await waitFor(
      async () =>
        test.platform
          .db('sighting_photos')
          .where({ sighting_id: sighting.id })
          .whereNotNull('faces_processed_at')
          .first(),
      30_000,
      'the sighting photo processed',
    );

    // The family reports the child hours after a stranger saw him.
    const report = await reportWithPhoto(
      test,
      'obama_2.jpg',
      `Face Test Later Report ${Date.now().toString(36)}`,
    );

    const match = await waitFor(
      async () =>
        test.platform.db('face_matches').where({ case_id: report.id, sighting_id: sighting.id }).first(),
      30_000,
      'the match of the new case with the earlier sighting',
    );
    expect(match.similarity).toBeGreaterThanOrEqual(FACE_MATCH_THRESHOLD);
    expect(match.status).toBe('candidate');
    // Earlier tests filed other sightings of the same person, so the new case may match those too.
    const events = await test.platform
      .db('case_events')
      .where({ case_id: report.id, kind: 'face-match-found' })
      .whereRaw("details->>'sightingId' = ?", [sighting.id]);
    expect(events).toHaveLength(1);
    expect(events[0].details).toMatchObject({ matchId: match.id, sightingId: sighting.id });

    const otherCases = await test.platform
      .db('face_matches')
      .where({ sighting_id: sighting.id })
      .whereNot({ case_id: report.id })
      .pluck('case_id');
    expect(otherCases).toEqual([obama.id]);

    // Test files share the database: leave no open candidate behind for the review page tests.
    const officer = await signIn(test);
    const candidates = await test.platform
      .db('face_matches')
      .where({ status: 'candidate' })
      .andWhere((query) => query.where({ sighting_id: sighting.id }).orWhere({ case_id: report.id }))
      .pluck('id');
    for (const candidate of candidates) {
      const reviewed = await fetch(`${test.baseUrl}/api/face-matches/${candidate}/review`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: officer },
        body: JSON.stringify({ decision: 'rejected', reason: 'test cleanup' }),
      });
      expect(reviewed.status).toBe(200);
    }
  });
});

describe('model upgrade', () => {
  it('worker redoes outdated faces at start', async () => {
    // As after an upgrade that changed the model version: the child's faces name an older one.
    const { db } = test.platform;
    const photo = (await db('case_photos').where({ case_id: child.id }).first('id')) as { id: string };
    await db('case_photos').where({ id: photo.id }).update({ face_model_version: 'face-api-0.0.0+old' });
    await db('faces').where({ case_photo_id: photo.id }).update({ model_version: 'face-api-0.0.0+old' });

    // A worker-only process with its own detector, as `npm start` runs it.
    const workerDetector = new FaceDetectorPool({ threads: 1, maxQueued: 4 });
    const platform = createPlatform(
      loadConfig({
        ...process.env,
        DATABASE_URL: process.env.TEST_DATABASE_URL,
        REDIS_PREFIX: `talash-test-upgrade-${Date.now().toString(36)}`,
        FACE_INDEX_DIR: indexDirectory,
        FACES_SWEEP_INTERVAL_MS: '500',
        FACES_SWEEP_GRACE_MS: '100',
      }),
      { faceDetector: workerDetector },
    );
    const stopWorker = await startWorker(platform);
    try {
      const current = await waitFor(
        async () => workerDetector.loadedModelVersion(),
        60_000,
        'the worker to load the model',
      );
      await waitFor(
        async () => {
          const row = await db('case_photos').where({ id: photo.id }).first('face_model_version');
          return row?.face_model_version === current ? true : undefined;
        },
        60_000,
        'the sweep to describe the photo again',
      );
      const models = await db('faces').where({ case_photo_id: photo.id }).pluck('model_version');
      expect(models.length).toBeGreaterThan(0);
      expect(new Set(models)).toEqual(new Set([current]));
    } finally {
      await stopWorker();
      await platform.queue.obliterate({ force: true }).catch(() => undefined);
      await platform.faces.queue.obliterate({ force: true }).catch(() => undefined);
      await closePlatform(platform);
      await workerDetector.close();
    }
  }, 150_000);
});
