import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../src/auth/roles.js';
import { passwordProblem } from '../src/services/account-admin-service.js';
import { jsonCall } from './support/json-call.js';
import { signIn, startTestPlatform, type TestPlatform } from './support/platform.js';

let test: TestPlatform;
let admin: string;

const call = (method: string, path: string, cookie?: string, body?: unknown) =>
  jsonCall(test, method, path, cookie, body);

function newAccount(overrides: Record<string, unknown> = {}) {
  return {
    username: `admin.test.${randomBytes(4).toString('hex')}`,
    displayName: 'DPO Sheikhupura',
    role: 'dpo',
    jurisdictionCode: 'PK-PB-SHEIKHUPURA',
    password: randomBytes(18).toString('base64url'),
    ...overrides,
  };
}

async function login(account: { username: string; password: string }) {
  const response = await fetch(`${test.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: account.username, password: account.password }),
  });
  return { status: response.status, cookie: response.headers.get('set-cookie')?.split(';')[0] };
}

beforeAll(async () => {
  test = await startTestPlatform({}, { worker: false });
  admin = await signIn(test, 'administrator');
});

afterAll(async () => {
  await test?.stop();
});

describe('account creation', () => {
  it('create an account that can sign in', async () => {
    const account = newAccount();
    const created = await call('POST', '/api/accounts', admin, account);
    expect(created.status).toBe(201);
    expect(created.body.account).toMatchObject({
      username: account.username,
      role: 'dpo',
      jurisdictionCode: 'PK-PB-SHEIKHUPURA',
    });
    expect(JSON.stringify(created.body)).not.toContain(account.password);
    expect(JSON.stringify(created.body)).not.toContain('scrypt');

    const signedIn = await login(account);
    expect(signedIn.status).toBe(200);
    const me = await call('GET', '/api/auth/me', signedIn.cookie);
    expect(me.body.officer.jurisdictionCode).toBe('PK-PB-SHEIKHUPURA');

    const [audit] = await test.platform
      .db('audit_log')
      .where({ action: 'account.create' })
      .orderBy('id', 'desc');
    expect(audit.details.accountId).toBe(created.body.account.id);
    expect(audit.role).toBe('administrator');
  });

  it('reject invalid accounts naming the field', async () => {
    const cases: [string, Record<string, unknown>, number, string, string][] = [
      [
        'no jurisdiction for a DPO',
        { jurisdictionCode: undefined },
        400,
        'INVALID_ACCOUNT',
        'jurisdictionCode',
      ],
      [
        'region code for a DPO',
        { jurisdictionCode: 'PK-PB-LAHORE-DIV' },
        400,
        'INVALID_ACCOUNT',
        'jurisdictionCode',
      ],
      ['unknown district', { jurisdictionCode: 'PK-XX-NOWHERE' }, 400, 'INVALID_ACCOUNT', 'jurisdictionCode'],
      [
        'jurisdiction for an analyst',
        { role: 'analyst', jurisdictionCode: 'PK-PB' },
        400,
        'INVALID_ACCOUNT',
        'jurisdictionCode',
      ],
      [
        'desk officer without office',
        { role: 'desk_officer', jurisdictionCode: undefined },
        400,
        'INVALID_ACCOUNT',
        'office',
      ],
      ['office for a DPO', { office: 'Khidmat Markaz' }, 400, 'INVALID_ACCOUNT', 'office'],
      ['short password', { password: 'short pass' }, 400, 'INVALID_ACCOUNT', 'password'],
      [
        'password with the username',
        { username: 'sheikhupura.dpo', password: 'Sheikhupura.dpo-2026' },
        400,
        'INVALID_ACCOUNT',
        'password',
      ],
      ['password of few characters', { password: 'abababababababab' }, 400, 'INVALID_ACCOUNT', 'password'],
      ['bad username', { username: 'a b' }, 400, 'INVALID_ACCOUNT', 'username'],
      ['unknown role', { role: 'chief' }, 400, 'INVALID_ACCOUNT', 'role'],
      ['unknown field', { rank: 'SSP' }, 400, 'INVALID_ACCOUNT', 'rank'],
    ];
    for (const [label, overrides, status, code, field] of cases) {
      const account = newAccount(overrides);
      const { status: got, body } = await call('POST', '/api/accounts', admin, account);
      expect(got, label).toBe(status);
      expect(body.error.code, label).toBe(code);
      expect(body.error.field, label).toBe(field);
      expect(await test.platform.db('accounts').where({ username: String(account.username) }), label).toEqual(
        [],
      );
    }
  });

  it('reject a taken username', async () => {
    const account = newAccount();
    expect((await call('POST', '/api/accounts', admin, account)).status).toBe(201);
    const again = await call('POST', '/api/accounts', admin, { ...account, displayName: 'Other' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'USERNAME_TAKEN', field: 'username' });
  });

  it('check the password policy', () => {
    expect(passwordProblem('correct horse battery', 'dpo.lahore')).toBeUndefined();
    expect(passwordProblem('short', 'dpo.lahore')).toContain('12');
    expect(passwordProblem('my dpo.lahore password', 'dpo.lahore')).toContain('username');
    expect(passwordProblem('aaaaaaaaaaaaaaaa', 'dpo.lahore')).toContain('different');
  });
});

describe('account deactivation', () => {
  it('end sessions and block sign-in', async () => {
    const account = newAccount();
    const created = await call('POST', '/api/accounts', admin, account);
    const session = await login(account);
    expect((await call('GET', '/api/auth/me', session.cookie)).status).toBe(200);

    const deactivated = await call('POST', `/api/accounts/${created.body.account.id}/deactivate`, admin);
    expect(deactivated.status).toBe(204);
    expect((await call('GET', '/api/auth/me', session.cookie)).status).toBe(401);
    expect((await login(account)).status).toBe(401);

    const again = await call('POST', `/api/accounts/${created.body.account.id}/deactivate`, admin);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ACCOUNT_ALREADY_DEACTIVATED');

    const listed = await call('GET', '/api/accounts', admin);
    const row = listed.body.accounts.find((item: { id: string }) => item.id === created.body.account.id);
    expect(row.disabledAt).not.toBeNull();
    expect(JSON.stringify(listed.body)).not.toContain('scrypt');
  });

  it('reject unknown, invalid and own accounts', async () => {
    const unknown = await call(
      'POST',
      '/api/accounts/00000000-0000-4000-8000-000000000000/deactivate',
      admin,
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('ACCOUNT_NOT_FOUND');

    const invalid = await call('POST', '/api/accounts/nobody/deactivate', admin);
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('INVALID_ACCOUNT_ID');

    const me = await call('GET', '/api/auth/me', admin);
    const own = await call('POST', `/api/accounts/${me.body.officer.id}/deactivate`, admin);
    expect(own.status).toBe(400);
    expect(own.body.error.code).toBe('CANNOT_DEACTIVATE_SELF');
  });
});

describe('account routes access', () => {
  const ROLES: [Role | null, string | undefined, number][] = [
    [null, undefined, 401],
    ['dpo', 'PK-PB-LAHORE', 403],
    ['rpo', 'PK-PB-LAHORE-DIV', 403],
    ['ig', 'PK-PB', 403],
    ['analyst', undefined, 403],
    ['gis_officer', 'PK-PB', 403],
    ['desk_officer', undefined, 403],
    ['national_supervisor', undefined, 403],
    ['administrator', undefined, 200],
  ];

  it.each(ROLES)('%s', async (role, jurisdiction, expected) => {
    const cookie = role ? await signIn(test, role, jurisdiction) : undefined;
    const target = await call('POST', '/api/accounts', admin, newAccount());

    const list = await call('GET', '/api/accounts', cookie);
    expect(list.status).toBe(expected);
    const create = await call('POST', '/api/accounts', cookie, newAccount());
    expect(create.status).toBe(expected === 200 ? 201 : expected);
    const deactivate = await call('POST', `/api/accounts/${target.body.account.id}/deactivate`, cookie);
    expect(deactivate.status).toBe(expected === 200 ? 204 : expected);
    if (expected !== 200) {
      const code = expected === 401 ? 'AUTH_REQUIRED' : 'FORBIDDEN';
      for (const response of [list, create, deactivate]) expect(response.body.error.code).toBe(code);
    }
  });
});
