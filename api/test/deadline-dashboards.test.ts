import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Role } from '../src/auth/roles.js';
import { lahoreReport } from './support/duty-officers.js';
import { jsonCall } from './support/json-call.js';
import { signIn, startTestPlatform, type TestPlatform } from './support/platform.js';

const HOUR = 3600_000;

let test: TestPlatform;
let clockNow = new Date();
const now = () => clockNow;

const call = (method: string, path: string, cookie?: string, body?: unknown) =>
  jsonCall(test, method, path, cookie, body);

async function report(): Promise<{ id: string; startedAt: Date }> {
  const { status, body } = await call('POST', '/api/reports', undefined, lahoreReport());
  expect(status).toBe(201);
  const [clock] = await test.platform.db('case_deadlines').where({ case_id: body.id, duty: 'fir' });
  return { id: body.id, startedAt: clock.started_at };
}

beforeAll(async () => {
  test = await startTestPlatform({}, { now });
});

beforeEach(() => {
  clockNow = new Date();
});

afterAll(async () => {
  await test?.stop();
});

describe('urgent cases dashboard', () => {
  it('sort unacknowledged first with deadlines', async () => {
    const dpo = await signIn(test, 'dpo', 'PK-PB-LAHORE');
    const acknowledged = await report();
    const waiting = await report();
    expect(
      (await call('POST', `/api/cases/${acknowledged.id}/transitions`, dpo, { to: 'acknowledged' })).status,
    ).toBe(201);

    const { status, body } = await call('GET', '/api/dashboard/cases?limit=500', dpo);
    expect(status).toBe(200);
    expect(body.serverTime).toBe(clockNow.toISOString());
    const ids = body.cases.map((item: { id: string }) => item.id);
    expect(ids.indexOf(waiting.id)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(waiting.id)).toBeLessThan(ids.indexOf(acknowledged.id));
    const firstAcknowledged = body.cases.findIndex(
      (item: { unacknowledged: boolean }) => !item.unacknowledged,
    );
    for (const item of body.cases.slice(firstAcknowledged)) expect(item.unacknowledged).toBe(false);

    const row = body.cases.find((item: { id: string }) => item.id === waiting.id);
    expect(row.unacknowledged).toBe(true);
    expect(row.deadlines.map((deadline: { duty: string }) => deadline.duty)).toEqual(['fir', 'contact']);
    expect(Date.parse(row.deadlines[0].dueAt) - waiting.startedAt.getTime()).toBe(2 * HOUR);
    expect(row.deadlines[0].escalatedTo).toBeNull();
    for (const item of body.cases) expect(item.district.code).toBe('PK-PB-LAHORE');
  });

  it('mark a missed deadline as escalated', async () => {
    const created = await report();
    clockNow = new Date(created.startedAt.getTime() + 2 * HOUR);
    await test.platform.services.deadlineClock.sweep();

    const rpo = await signIn(test, 'rpo', 'PK-PB-LAHORE-DIV');
    const { body } = await call('GET', '/api/dashboard/cases?district=PK-PB-LAHORE&limit=500', rpo);
    const row = body.cases.find((item: { id: string }) => item.id === created.id);
    expect(row.deadlines[0]).toMatchObject({ duty: 'fir', escalatedTo: 'RPO', doneAt: null });
    expect(row.deadlines[1]).toMatchObject({ duty: 'contact', escalatedTo: null });
  });
});

describe('district counts dashboard', () => {
  it('count open and breached cases per district', async () => {
    const created = await report();
    const rpo = await signIn(test, 'rpo', 'PK-PB-LAHORE-DIV');
    const before = await call('GET', '/api/dashboard/districts', rpo);
    expect(before.status).toBe(200);
    expect(before.body.region).toBe('PK-PB-LAHORE-DIV');
    const lahoreBefore = before.body.districts.find((item: { code: string }) => item.code === 'PK-PB-LAHORE');

    clockNow = new Date(created.startedAt.getTime() + 2 * HOUR);
    await test.platform.services.deadlineClock.sweep();
    const after = await call('GET', '/api/dashboard/districts', rpo);
    const lahore = after.body.districts.find((item: { code: string }) => item.code === 'PK-PB-LAHORE');
    expect(lahore.breaches).toBeGreaterThan(lahoreBefore.breaches);
    expect(lahore.openBreached).toBeGreaterThan(lahoreBefore.openBreached);
    expect(lahore.openCases).toBe(lahoreBefore.openCases);
    expect(after.body.districts.map((item: { code: string }) => item.code)).toContain('PK-PB-KASUR');
    expect(after.body.districts.map((item: { code: string }) => item.code)).not.toContain('PK-PB-FAISALABAD');

    const ig = await signIn(test, 'ig', 'PK-PB');
    const province = await call('GET', '/api/dashboard/districts', ig);
    expect(province.body.province).toBe('PK-PB');
    expect(province.body.districts.find((item: { code: string }) => item.code === 'PK-PB-LAHORE')).toEqual(
      lahore,
    );

    const future = await call(
      'GET',
      `/api/dashboard/districts?since=${new Date(Date.now() + 400 * 24 * HOUR).toISOString()}`,
      rpo,
    );
    for (const item of future.body.districts) expect(item.breaches).toBe(0);
  });

  it('reject invalid queries naming the field', async () => {
    const analyst = await signIn(test, 'analyst');
    const missing = await call('GET', '/api/dashboard/districts', analyst);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'INVALID_QUERY', field: 'region' });
    const both = await call(
      'GET',
      '/api/dashboard/districts?region=PK-PB-LAHORE-DIV&province=PK-PB',
      analyst,
    );
    expect(both.body.error).toMatchObject({ code: 'INVALID_QUERY', field: 'province' });
    const wrongLevel = await call('GET', '/api/dashboard/districts?region=PK-PB', analyst);
    expect(wrongLevel.status).toBe(404);
    expect(wrongLevel.body.error.code).toBe('JURISDICTION_NOT_FOUND');
    const badDate = await call('GET', '/api/dashboard/districts?province=PK-PB&since=yesterday', analyst);
    expect(badDate.body.error).toMatchObject({ code: 'INVALID_QUERY', field: 'since' });
    const dpo = await signIn(test, 'dpo', 'PK-PB-LAHORE');
    const badLimit = await call('GET', '/api/dashboard/cases?limit=0', dpo);
    expect(badLimit.body.error).toMatchObject({ code: 'INVALID_QUERY', field: 'limit' });
  });
});

describe('dashboard routes access', () => {
  // [label, role, jurisdiction, status of the Lahore cases, of Lahore division counts, of Punjab
  // counts, of the Punjab event stream]
  const ACCOUNTS: [string, Role | null, string | undefined, number, number, number, number][] = [
    ['anonymous', null, undefined, 401, 401, 401, 401],
    ['DPO Lahore', 'dpo', 'PK-PB-LAHORE', 200, 403, 403, 403],
    ['DPO Kasur', 'dpo', 'PK-PB-KASUR', 403, 403, 403, 403],
    ['RPO Lahore division', 'rpo', 'PK-PB-LAHORE-DIV', 200, 200, 403, 403],
    ['RPO Faisalabad division', 'rpo', 'PK-PB-FAISALABAD-DIV', 403, 403, 403, 403],
    ['IG Punjab', 'ig', 'PK-PB', 200, 200, 200, 200],
    ['IG Sindh', 'ig', 'PK-SD', 403, 403, 403, 403],
    ['national supervisor', 'national_supervisor', undefined, 200, 200, 200, 200],
    ['administrator', 'administrator', undefined, 200, 200, 200, 200],
    ['analyst', 'analyst', undefined, 403, 200, 200, 403],
    ['desk officer', 'desk_officer', undefined, 403, 403, 403, 403],
    ['GIS officer Punjab', 'gis_officer', 'PK-PB', 403, 403, 403, 403],
  ];

  it.each(ACCOUNTS)('%s', async (_label, role, jurisdiction, cases, region, province, events) => {
    const cookie = role ? await signIn(test, role, jurisdiction) : undefined;
    const expectations: [string, number][] = [
      ['/api/dashboard/cases?district=PK-PB-LAHORE', cases],
      ['/api/dashboard/districts?region=PK-PB-LAHORE-DIV', region],
      ['/api/dashboard/districts?province=PK-PB', province],
      ['/api/events?province=PK-PB', events],
    ];
    for (const [path, expected] of expectations) {
      const controller = new AbortController();
      const response = await fetch(`${test.baseUrl}${path}`, {
        headers: cookie ? { cookie } : {},
        signal: controller.signal,
      });
      expect(response.status, path).toBe(expected);
      if (response.headers.get('content-type')?.startsWith('text/event-stream')) controller.abort();
      else if (expected !== 200) {
        const body = (await response.json()) as { error: { code: string } };
        expect(body.error.code, path).toBe(expected === 401 ? 'AUTH_REQUIRED' : 'FORBIDDEN');
      }
    }
  });
});
