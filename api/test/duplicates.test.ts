// Duplicate reports of one child: candidates by details and by face (real face model and faiss),
// reversible links, and access by role and jurisdiction.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACE_MATCH_THRESHOLD } from '../../models/src/face-match.js';
import type { Role } from '../src/auth/roles.js';
import type { FaceDetectorPool } from '../src/faces/face-detector-pool.js';
import { lahoreReport } from './support/duty-officers.js';
import {
  createFaceIndexDirectory,
  createSharedDetector,
  reportWithPhoto,
  startFacePlatform,
} from './support/faces.js';
import { jsonCall } from './support/json-call.js';
import { signIn, type TestPlatform } from './support/platform.js';

const DAY = 24 * 3600_000;
const SEEN_AT = Date.now() - 10 * DAY;
// A point in Lahore. Tests move it north by 0.018° (about 2 km) and 0.18° (about 20 km) of latitude.
const LAHORE = { lat: 31.49352, lon: 74.3917 };

let detector: FaceDetectorPool;
let indexDirectory: string;
let test: TestPlatform;
let lahoreDpo: string;

const call = (method: string, path: string, cookie?: string, body?: unknown) =>
  jsonCall(test, method, path, cookie, body);

async function report(
  child: { name: string; age: number },
  place = LAHORE,
  seenAt = SEEN_AT,
): Promise<string> {
  const { status, body } = await call(
    'POST',
    '/api/reports',
    undefined,
    lahoreReport({
      child: { ...child, sex: 'female', description: 'green dupatta' },
      lastSeen: { ...place, at: new Date(seenAt).toISOString() },
    }),
  );
  expect(status).toBe(201);
  return body.id as string;
}

const candidateIds = (body: { candidates: { case: { id: string } }[] }) =>
  body.candidates.map((candidate) => candidate.case.id);

beforeAll(async () => {
  detector = createSharedDetector();
  indexDirectory = await createFaceIndexDirectory();
  test = await startFacePlatform(detector, indexDirectory);
  lahoreDpo = await signIn(test, 'dpo', 'PK-PB-LAHORE');
}, 120_000);

afterAll(async () => {
  await test?.stop();
  await detector?.close();
  await rm(indexDirectory, { recursive: true, force: true });
});

describe('duplicate candidates', () => {
  it('match name, age, place and time', async () => {
    const name = `Ayesha Dup ${Date.now().toString(36)}`;
    const base = await report({ name, age: 7 });
    const same = await report(
      { name: `  ${name.toUpperCase().replaceAll(' ', '   ')} `, age: 8 },
      { lat: LAHORE.lat + 0.018, lon: LAHORE.lon },
      SEEN_AT + 2 * DAY,
    );
    const tooOld = await report({ name, age: 9 });
    const tooFar = await report({ name, age: 7 }, { lat: LAHORE.lat + 0.18, lon: LAHORE.lon });
    const tooLate = await report({ name, age: 7 }, LAHORE, SEEN_AT - 8 * DAY);
    const otherName = await report({ name: `${name} Khan`, age: 7 });

    const { status, body } = await call('GET', `/api/cases/${base}/duplicates`, lahoreDpo);
    expect(status).toBe(200);
    const ids = candidateIds(body);
    expect(ids).toContain(same);
    for (const excluded of [base, tooOld, tooFar, tooLate, otherName]) expect(ids).not.toContain(excluded);
    const candidate = body.candidates.find((item: { case: { id: string } }) => item.case.id === same);
    expect(candidate).toMatchObject({ reasons: ['details'], faceSimilarity: null, linked: false });
  });

  it('match faces between case photos', async () => {
    const suffix = Date.now().toString(36);
    const first = await reportWithPhoto(test, 'obama_1.jpg', `Face Dup A ${suffix}`);
    const second = await reportWithPhoto(test, 'obama_2.jpg', `Face Dup B ${suffix}`);
    const other = await reportWithPhoto(test, 'biden_1.jpg', `Face Dup C ${suffix}`);
    try {
      await test.platform.faces.galleries.syncAll();

      const { status, body } = await call('GET', `/api/cases/${first.id}/duplicates`, lahoreDpo);
      expect(status).toBe(200);
      const ids = candidateIds(body);
      expect(ids).toContain(second.id);
      expect(ids).not.toContain(other.id);
      expect(ids).not.toContain(first.id);
      const candidate = body.candidates.find((item: { case: { id: string } }) => item.case.id === second.id);
      expect(candidate.reasons).toEqual(['face']);
      expect(candidate.faceSimilarity).toBeGreaterThanOrEqual(FACE_MATCH_THRESHOLD);
    } finally {
      // Closed cases leave the face gallery, so later test files' face matches do not find these.
      for (const created of [first, second, other]) {
        await call('POST', `/api/cases/${created.id}/transitions`, lahoreDpo, {
          to: 'closed',
          reason: 'test case for duplicate detection',
        });
      }
    }
  });
});

describe('duplicate links', () => {
  it('link and unlink reversibly, on record', async () => {
    const first = await report({ name: 'Link Test One', age: 5 });
    const second = await report({ name: 'Link Test Two', age: 5 });
    const link = (cookie = lahoreDpo) =>
      call('POST', `/api/cases/${first}/duplicates`, cookie, {
        caseId: second,
        reason: 'same child, same father',
      });
    const unlink = () =>
      call('DELETE', `/api/cases/${second}/duplicates/${first}`, lahoreDpo, { reason: 'different fathers' });

    const linked = await link();
    expect(linked.status).toBe(201);
    const again = await link();
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ALREADY_LINKED');

    const listed = await call('GET', `/api/cases/${second}/duplicates`, lahoreDpo);
    expect(listed.body.links.map((item: { otherCaseId: string }) => item.otherCaseId)).toEqual([first]);

    const removed = await unlink();
    expect(removed.status).toBe(200);
    expect(removed.body.linkId).toBe(linked.body.linkId);
    const missing = await unlink();
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('LINK_NOT_FOUND');
    expect((await call('GET', `/api/cases/${first}/duplicates`, lahoreDpo)).body.links).toEqual([]);

    expect((await link()).status).toBe(201);
    const rows = await test.platform
      .db('case_duplicate_links')
      .whereIn('case_id', [first, second])
      .orderBy('id');
    expect(rows.map((row) => row.unlink_reason)).toEqual(['different fathers', null]);

    for (const caseId of [first, second]) {
      const events = await test.platform
        .db('case_events')
        .where({ case_id: caseId })
        .whereIn('kind', ['duplicate-linked', 'duplicate-unlinked'])
        .orderBy('id');
      expect(events.map((event) => event.kind)).toEqual([
        'duplicate-linked',
        'duplicate-unlinked',
        'duplicate-linked',
      ]);
    }
    const audit = await test.platform
      .db('audit_log')
      .whereIn('action', ['case.duplicate-linked', 'case.duplicate-unlinked'])
      .whereIn('case_id', [first, second])
      .orderBy('id');
    expect(audit.map((row) => row.action)).toEqual([
      'case.duplicate-linked',
      'case.duplicate-unlinked',
      'case.duplicate-linked',
    ]);
  });

  it('leave the other case open on close', async () => {
    const first = await report({ name: 'Close Test One', age: 6 });
    const second = await report({ name: 'Close Test Two', age: 6 });
    const linked = await call('POST', `/api/cases/${first}/duplicates`, lahoreDpo, {
      caseId: second,
      reason: 'both reports name the same school',
    });
    expect(linked.status).toBe(201);

    const closed = await call('POST', `/api/cases/${first}/transitions`, lahoreDpo, {
      to: 'closed',
      reason: 'duplicate of the other report',
    });
    expect(closed.status).toBe(201);
    const other = await call('GET', `/api/cases/${second}`, lahoreDpo);
    expect(other.body.case.status).toBe('reported');
  });

  it('reject invalid input with the field', async () => {
    const first = await report({ name: 'Input Test', age: 4 });
    const self = await call('POST', `/api/cases/${first}/duplicates`, lahoreDpo, {
      caseId: first,
      reason: 'same',
    });
    expect(self.status).toBe(400);
    expect(self.body.error).toMatchObject({ code: 'INVALID_DUPLICATE', field: 'caseId' });

    const noReason = await call('POST', `/api/cases/${first}/duplicates`, lahoreDpo, {
      caseId: '00000000-0000-4000-8000-000000000000',
    });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error).toMatchObject({ code: 'INVALID_DUPLICATE', field: 'reason' });

    const unknown = await call('POST', `/api/cases/${first}/duplicates`, lahoreDpo, {
      caseId: '00000000-0000-4000-8000-000000000000',
      reason: 'probe',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'CASE_NOT_FOUND', field: 'caseId' });

    const badId = await call('GET', '/api/cases/not-a-uuid/duplicates', lahoreDpo);
    expect(badId.status).toBe(400);
    expect(badId.body.error.code).toBe('INVALID_CASE_ID');
  });
});

describe('duplicate routes access', () => {
  // [label, role, jurisdiction, expected status of list, link and unlink]
  const ACCOUNTS: [string, Role | null, string | undefined, number][] = [
    ['anonymous', null, undefined, 401],
    ['DPO Lahore', 'dpo', 'PK-PB-LAHORE', 200],
    ['DPO Kasur', 'dpo', 'PK-PB-KASUR', 403],
    ['RPO Lahore division', 'rpo', 'PK-PB-LAHORE-DIV', 200],
    ['RPO Faisalabad division', 'rpo', 'PK-PB-FAISALABAD-DIV', 403],
    ['IG Punjab', 'ig', 'PK-PB', 200],
    ['IG Sindh', 'ig', 'PK-SD', 403],
    ['national supervisor', 'national_supervisor', undefined, 200],
    ['administrator', 'administrator', undefined, 200],
    ['desk officer', 'desk_officer', undefined, 403],
    ['analyst', 'analyst', undefined, 403],
    ['GIS officer Punjab', 'gis_officer', 'PK-PB', 403],
  ];

  it.each(ACCOUNTS)('%s', async (_label, role, jurisdiction, expected) => {
    const first = await report({ name: 'Access Test One', age: 3 });
    const second = await report({ name: 'Access Test Two', age: 3 });
    const cookie = role ? await signIn(test, role, jurisdiction) : undefined;
    const code = expected === 401 ? 'AUTH_REQUIRED' : 'FORBIDDEN';

    const list = await call('GET', `/api/cases/${first}/duplicates`, cookie);
    expect(list.status).toBe(expected);
    if (expected !== 200) expect(list.body.error.code).toBe(code);

    const link = await call('POST', `/api/cases/${first}/duplicates`, cookie, {
      caseId: second,
      reason: 'probe',
    });
    expect(link.status).toBe(expected === 200 ? 201 : expected);
    if (expected !== 200) expect(link.body.error.code).toBe(code);

    const unlink = await call('DELETE', `/api/cases/${first}/duplicates/${second}`, cookie, {
      reason: 'probe',
    });
    expect(unlink.status).toBe(expected);
    if (expected !== 200) expect(unlink.body.error.code).toBe(code);
  });
});
