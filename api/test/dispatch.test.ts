import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../src/auth/password.js';
import type { Role } from '../src/auth/roles.js';
import { createApp } from '../src/http/app.js';
import { OPERATIONS } from '../src/http/openapi/openapi-document.js';
import { lahoreReport, seedLahoreOfficers } from './support/duty-officers.js';
import { FakeSmsGateway } from './support/fake-sms-gateway.js';
import {
  createTestAccount,
  signIn,
  startTestPlatform,
  type TestPlatform,
  waitFor,
} from './support/platform.js';

let gateway: FakeSmsGateway;
let test: TestPlatform;
let lahoreCase: { id: string; trackingCode: string };

async function call(method: string, path: string, cookie?: string, body?: unknown) {
  const controller = new AbortController();
  const response = await fetch(`${test.baseUrl}${path}`, {
    method,
    signal: controller.signal,
    headers: { ...(cookie ? { cookie } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  // The event stream never ends on its own; the status is all these tests need from it.
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    controller.abort();
    return { status: response.status, body: undefined as any };
  }
  const text = await response.text();
  return {
    status: response.status,
    body: (text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as any,
  };
}

async function report(overrides: Record<string, unknown> = {}) {
  const { status, body } = await call('POST', '/api/reports', undefined, lahoreReport(overrides));
  expect(status).toBe(201);
  return body as { id: string; trackingCode: string };
}

beforeAll(async () => {
  gateway = new FakeSmsGateway();
  await gateway.start();
  test = await startTestPlatform({ SMS_DRIVER: 'http', SMS_HTTP_URL: gateway.url });
  await seedLahoreOfficers(test.platform.db);
  lahoreCase = await report();
});

afterAll(async () => {
  await test?.stop();
  await gateway?.stop();
});

describe('access by role and jurisdiction', () => {
  // [label, role, jurisdiction, may read the Lahore case, may use national routes, has case routes]
  const ACCOUNTS: [string, Role | null, string | undefined, number, number, number][] = [
    ['anonymous', null, undefined, 401, 401, 401],
    ['DPO Lahore', 'dpo', 'PK-PB-LAHORE', 200, 403, 200],
    ['DPO Kasur (same region)', 'dpo', 'PK-PB-KASUR', 403, 403, 200],
    ['RPO Lahore division', 'rpo', 'PK-PB-LAHORE-DIV', 200, 403, 200],
    ['RPO Faisalabad division', 'rpo', 'PK-PB-FAISALABAD-DIV', 403, 403, 200],
    ['IG Punjab', 'ig', 'PK-PB', 200, 403, 200],
    ['IG Sindh', 'ig', 'PK-SD', 403, 403, 200],
    ['national supervisor', 'national_supervisor', undefined, 200, 200, 200],
    ['administrator', 'administrator', undefined, 200, 200, 200],
    ['desk officer', 'desk_officer', undefined, 403, 403, 403],
    ['analyst', 'analyst', undefined, 403, 403, 403],
    ['GIS officer Punjab', 'gis_officer', 'PK-PB', 403, 403, 403],
  ];
  const scopedRoutes = () => [
    `/api/cases/${lahoreCase.id}`,
    `/api/cases/${lahoreCase.id}/photos`,
    '/api/alerts?district=PK-PB-LAHORE',
    '/api/alerts?region=PK-PB-LAHORE-DIV',
    '/api/events?district=PK-PB-LAHORE',
  ];
  const nationalRoutes = ['/api/cases/unassigned', '/api/audit', '/api/events?unassigned=1'];
  const caseRoleRoutes = ['/api/cases', '/api/dispatch/alerts'];

  it.each(ACCOUNTS)('%s', async (_label, role, jurisdiction, scoped, national, caseRole) => {
    const cookie = role ? await signIn(test, role, jurisdiction) : undefined;
    const expectations: [string, number][] = [
      ...scopedRoutes().map((path): [string, number] => [path, scoped]),
      ...nationalRoutes.map((path): [string, number] => [path, national]),
      ...caseRoleRoutes.map((path): [string, number] => [path, caseRole]),
    ];
    for (const [path, expected] of expectations) {
      const { status, body } = await call('GET', path, cookie);
      // A region route for a DPO is foreign too: the DPO's scope is one district, not its region.
      const want = role === 'dpo' && path.includes('region=') && expected === 200 ? 403 : expected;
      expect(status, path).toBe(want);
      if (want === 401) expect(body.error.code, path).toBe('AUTH_REQUIRED');
      if (want === 403) expect(body.error.code, path).toBe('FORBIDDEN');
    }

    const transition = await call('POST', `/api/cases/${lahoreCase.id}/transitions`, cookie, {
      to: 'closed',
      reason: 'probe',
    });
    expect(transition.status).toBe(scoped === 200 ? 201 : scoped);
    // The one allowed close ends the case; reopen a fresh one so later rows test the same thing.
    if (transition.status === 201) lahoreCase = await report();
  });

  it('lists only the cases inside the jurisdiction', async () => {
    const kasur = await signIn(test, 'dpo', 'PK-PB-KASUR');
    const lahore = await signIn(test, 'dpo', 'PK-PB-LAHORE');
    const fromKasur = await call('GET', '/api/cases?limit=500', kasur);
    const fromLahore = await call('GET', '/api/cases?limit=500', lahore);
    expect(fromKasur.body.cases.map((item: { id: string }) => item.id)).not.toContain(lahoreCase.id);
    expect(fromLahore.body.cases.map((item: { id: string }) => item.id)).toContain(lahoreCase.id);
    for (const item of fromLahore.body.cases) expect(item.district.code).toBe('PK-PB-LAHORE');
  });
});

describe('sign-in', () => {
  it('stores scrypt hashes with a per-password salt', async () => {
    const first = await hashPassword('correct horse battery staple');
    const second = await hashPassword('correct horse battery staple');
    expect(first).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$/);
    expect(first).not.toBe(second);
    expect(await verifyPassword(first, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(first, 'correct horse battery stapler')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
    const stored = await test.platform.db('accounts').select('password_hash').limit(5);
    for (const row of stored) expect(row.password_hash).toMatch(/^\$scrypt\$/);
  });

  it('answers an unknown user and a wrong password the same way', async () => {
    const account = await createTestAccount(test, 'dpo');
    const wrong = await call('POST', '/api/auth/login', undefined, {
      username: account.username,
      password: 'wrong password',
    });
    const unknown = await call('POST', '/api/auth/login', undefined, {
      username: 'no.such.user',
      password: 'wrong password',
    });
    expect(wrong).toEqual(unknown);
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  it('signs in, tells who is signed in, and revokes the session on sign-out', async () => {
    const account = await createTestAccount(test, 'rpo', 'PK-PB-LAHORE-DIV');
    const response = await fetch(`${test.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: account.username.toUpperCase(), password: account.password }),
    });
    expect(response.status).toBe(200);
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const cookie = setCookie.split(';')[0] as string;

    const me = await call('GET', '/api/auth/me', cookie);
    expect(me.body.officer).toMatchObject({
      username: account.username,
      role: 'rpo',
      jurisdictionCode: 'PK-PB-LAHORE-DIV',
    });
    expect(JSON.stringify(me.body)).not.toContain('scrypt');

    expect((await call('POST', '/api/auth/logout', cookie)).status).toBe(204);
    expect((await call('GET', '/api/auth/me', cookie)).status).toBe(401);
    const [row] = await test.platform
      .db('account_sessions as s')
      .join('accounts as a', 'a.id', 's.account_id')
      .where('a.username', account.username)
      .select('s.revoked_at');
    expect(row.revoked_at).not.toBeNull();
  });

  it('limits failed sign-ins per username', async () => {
    const account = await createTestAccount(test, 'dpo');
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      statuses.push(
        (
          await call('POST', '/api/auth/login', undefined, {
            username: account.username,
            password: `wrong ${attempt}`,
          })
        ).status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    // Even the right password waits out the window once the username is locked.
    const right = await call('POST', '/api/auth/login', undefined, account);
    expect(right.status).toBe(429);
    expect(right.body.error.code).toBe('RATE_LIMITED');
  });
});

describe('case transitions', () => {
  it('moves a case through the workflow with SMS, timeline and audit rows', async () => {
    const created = await report({ reporter: { name: 'Private Person', phone: '+923005550001' } });
    const dpo = await signIn(test, 'dpo', 'PK-PB-LAHORE');
    const move = (body: unknown) => call('POST', `/api/cases/${created.id}/transitions`, dpo, body);

    expect((await move({ to: 'acknowledged' })).status).toBe(201);

    const early = await move({ to: 'recovered' });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('INVALID_TRANSITION');
    expect(early.body.error.message).toContain('is acknowledged');
    expect(early.body.error.message).toContain('reporter_contacted, fir_registered');

    const noStation = await move({ to: 'fir_registered', firNumber: '451/26' });
    expect(noStation.status).toBe(400);
    expect(noStation.body.error.field).toBe('policeStation');

    const fir = await move({ to: 'fir_registered', firNumber: '451/26', policeStation: 'Model Town' });
    expect(fir.status).toBe(201);
    expect(fir.body).toMatchObject({ from: 'acknowledged', to: 'fir_registered' });
    expect(fir.body.allowedNext).toContain('investigating');
    expect((await move({ to: 'closed' })).body.error.field).toBe('reason');

    const detail = await call('GET', `/api/cases/${created.id}`, dpo);
    expect(detail.body.case.status).toBe('fir_registered');
    expect(detail.body.case.fir).toEqual({ number: '451/26', policeStation: 'Model Town' });

    const firSms = await waitFor(
      async () =>
        gateway.delivered.find(
          (message) => message.to === '+923005550001' && message.body.includes('451/26'),
        ),
      10_000,
      'the FIR SMS to the reporter',
    );
    expect(firSms.body).toContain('Model Town');
    expect(firSms.body).toMatch(/[\u0600-\u06FF]/);

    const events = await test.platform
      .db('case_events')
      .where({ case_id: created.id, kind: 'status-changed' })
      .orderBy('id');
    expect(events.map((event) => event.details.to)).toEqual(['acknowledged', 'fir_registered']);

    const audit = await test.platform.db('audit_log').where({ case_id: created.id }).select('action', 'role');
    expect(audit.filter((row) => row.action === 'case.transition')).toHaveLength(2);
    expect(audit).toContainEqual({ action: 'case.view', role: 'dpo' });
    await waitFor(
      async () =>
        (await test.platform.db('audit_log').where({ case_id: created.id, action: 'sms.sent' })).length >= 3
          ? true
          : undefined,
      10_000,
      'sms.sent audit rows',
    );
  });

  it('transfers a case to a live district, which then owns it', async () => {
    const created = await report();
    const dpo = await signIn(test, 'dpo', 'PK-PB-LAHORE');
    const unknown = await call('POST', `/api/cases/${created.id}/transitions`, dpo, {
      to: 'transferred',
      toDistrict: 'PK-XX-NOWHERE',
      reason: 'seen in Kasur',
    });
    expect(unknown.body.error.code).toBe('UNKNOWN_DISTRICT');
    const moved = await call('POST', `/api/cases/${created.id}/transitions`, dpo, {
      to: 'transferred',
      toDistrict: 'PK-PB-KASUR',
      reason: 'seen in Kasur',
    });
    expect(moved.status).toBe(201);

    expect((await call('GET', `/api/cases/${created.id}`, dpo)).status).toBe(403);
    const kasur = await signIn(test, 'dpo', 'PK-PB-KASUR');
    const taken = await call('POST', `/api/cases/${created.id}/transitions`, kasur, { to: 'acknowledged' });
    expect(taken.status).toBe(201);
  });
});

describe('audit trail', () => {
  it('refuses to change or delete a row', async () => {
    await expect(test.platform.db('audit_log').update({ action: 'x' })).rejects.toThrow(/append-only/);
    await expect(test.platform.db('audit_log').delete()).rejects.toThrow(/append-only/);
  });

  it('pages and filters for national roles', async () => {
    const supervisor = await signIn(test, 'national_supervisor');
    const first = await call('GET', '/api/audit?limit=2', supervisor);
    expect(first.status).toBe(200);
    expect(first.body.entries).toHaveLength(2);
    const second = await call('GET', `/api/audit?limit=2&before=${first.body.next}`, supervisor);
    expect(Number(second.body.entries[0].id)).toBeLessThan(Number(first.body.entries[1].id));
    const views = await call('GET', '/api/audit?action=case.view', supervisor);
    expect(views.body.entries.length).toBeGreaterThan(0);
    for (const entry of views.body.entries) expect(entry.action).toBe('case.view');
  });
});

describe('public tracking timeline', () => {
  it('shows what the police did without names or personal data', async () => {
    const created = await report({ reporter: { name: 'Hidden Reporter', phone: '+923005550002' } });
    const dpo = await signIn(test, 'dpo', 'PK-PB-LAHORE');
    await call('POST', `/api/cases/${created.id}/transitions`, dpo, { to: 'acknowledged' });
    await call('POST', `/api/cases/${created.id}/transitions`, dpo, {
      to: 'fir_registered',
      firNumber: '77/26',
      policeStation: 'Gulberg',
    });

    const response = await fetch(`${test.baseUrl}/api/track/${created.trackingCode}`);
    const text = await response.text();
    for (const secret of [
      'Hidden Reporter',
      '5550002',
      'Test Child',
      'test.dpo',
      'account:',
      'Gulberg',
      '77/26',
    ]) {
      expect(text).not.toContain(secret);
    }
    const body = JSON.parse(text);
    expect(body.status).toBe('fir_registered');
    const events = body.timeline.map((entry: { event: string }) => entry.event);
    expect(events).toContain('status-acknowledged');
    expect(events.at(-1)).toBe('status-fir-registered');
  });
});

describe('OpenAPI description', () => {
  it('describes every route the app serves', async () => {
    const { body } = await call('GET', '/api/openapi.json');
    expect(body.openapi).toBe('3.1.0');
    const described = new Set(
      Object.entries(body.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    const served = expressRoutes();
    expect(served.length).toBeGreaterThan(20);
    expect(served.filter((route) => !described.has(route))).toEqual([]);
    // And nothing is described that the app does not serve, such as a route removed or renamed.
    expect([...described].filter((route) => !served.includes(route))).toEqual([]);
    expect(OPERATIONS.length).toBe(described.size);
  });
});

/** Every method and path of the running app, walking the '/api' routers, in OpenAPI path syntax. */
function expressRoutes(): string[] {
  const app = createApp(test.platform);
  const routes: string[] = [];
  const walk = (stack: any[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) {
          const path = `${prefix}${layer.route.path}`.replace(/:(\w+)/g, '{$1}');
          if (path.startsWith('/api')) routes.push(`${method.toUpperCase()} ${path}`);
        }
      } else if (layer.handle?.stack) {
        // Every router of this app is mounted at /api.
        walk(layer.handle.stack, '/api');
      }
    }
  };
  walk(app.router.stack, '');
  return [...new Set(routes)];
}

// Last in the file: it uses up this address's failed sign-ins for the window.
describe('sign-in limit per address', () => {
  it('answers 429 after too many failures from one address, for any username', async () => {
    let firstLimited = -1;
    for (let attempt = 0; attempt < 40 && firstLimited < 0; attempt++) {
      const { status } = await call('POST', '/api/auth/login', undefined, {
        username: `guess.${attempt}`,
        password: 'guess',
      });
      if (status === 429) firstLimited = attempt;
      else expect(status).toBe(401);
    }
    expect(firstLimited).toBeGreaterThan(0);
    expect(firstLimited).toBeLessThanOrEqual(30);
    const fresh = await createTestAccount(test, 'dpo');
    expect(
      (await call('POST', '/api/auth/login', undefined, { ...fresh, password: 'wrong' })).body.error.code,
    ).toBe('RATE_LIMITED');
    // Each of up to 30 failed sign-ins runs a full scrypt hash (128 MiB), so that unknown and known
    // usernames take the same time. On a busy 2-core machine that exceeded vitest's 30 s default.
  }, 120_000);
});
