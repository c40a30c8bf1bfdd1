import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ROLE_LEVEL, type Role } from '../../src/auth/roles.js';
import { loadConfig } from '../../src/config.js';
import {
  closePlatform,
  createPlatform,
  type Platform,
  type PlatformOptions,
  startApi,
  startWorker,
} from '../../src/platform.js';

export interface TestPlatform {
  baseUrl: string;
  platform: Platform;
  stop(): Promise<void>;
}

/**
 * Starts a real API and outbox worker on a random loopback port against the test database and the
 * local Redis. Each platform gets its own Redis key prefix, so queues of different tests never mix.
 */
export async function startTestPlatform(
  overrides: Record<string, string> = {},
  options: PlatformOptions & { worker?: boolean } = {},
): Promise<TestPlatform> {
  const databaseUrl = process.env.TEST_DATABASE_URL;
  if (!databaseUrl)
    throw new Error('TEST_DATABASE_URL is not set; run the tests through vitest (test/global-setup.ts)');

  const config = loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    REDIS_PREFIX: `talash-test-${randomBytes(4).toString('hex')}`,
    PUBLIC_REPORTS_PER_MINUTE: '1000',
    // Tests that exercise the proof-of-work challenge turn it on with their own overrides.
    PUBLIC_CHALLENGE_BITS: '0',
    OUTBOX_RETRY_BASE_MS: '200',
    OUTBOX_SWEEP_INTERVAL_MS: '1000',
    OUTBOX_SWEEP_GRACE_MS: '1000',
    OUTBOX_LOCK_MS: '2000',
    ...overrides,
  });
  const platform = createPlatform(config, options);
  const api = await startApi(platform);
  const stopWorker = options.worker === false ? undefined : await startWorker(platform);
  const { port } = api.server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    platform,
    stop: async () => {
      await api.stop();
      await stopWorker?.();
      await platform.queue.obliterate({ force: true }).catch(() => undefined);
      await platform.deadlineQueue.obliterate({ force: true }).catch(() => undefined);
      await closePlatform(platform);
    },
  };
}

/** The jurisdiction each bound role gets when a test does not name one. */
const DEFAULT_JURISDICTION: Partial<Record<Role, string>> = {
  dpo: 'PK-PB-LAHORE',
  rpo: 'PK-PB-LAHORE-DIV',
  ig: 'PK-PB',
  gis_officer: 'PK-PB',
};

/** Creates an account with a fresh username and random password; returns both. */
export async function createTestAccount(
  test: TestPlatform,
  role: Role,
  jurisdictionCode?: string,
): Promise<{ username: string; password: string }> {
  const username = `test.${role.replace('_', '-')}.${randomBytes(4).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  await test.platform.services.accounts.create({
    username,
    displayName: `Test ${role}`,
    role,
    jurisdictionCode: ROLE_LEVEL[role] ? (jurisdictionCode ?? DEFAULT_JURISDICTION[role]) : null,
    office: role === 'desk_officer' ? 'Test Khidmat Markaz' : null,
    password,
  });
  return { username, password };
}

/**
 * Signs in with a new account of `role` (by default a national supervisor, who sees every district)
 * and returns the session cookie to send with later requests.
 */
export async function signIn(
  test: TestPlatform,
  role: Role = 'national_supervisor',
  jurisdictionCode?: string,
): Promise<string> {
  const account = await createTestAccount(test, role, jurisdictionCode);
  const response = await fetch(`${test.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(account),
  });
  if (response.status !== 200) throw new Error(`sign-in as ${role} failed with HTTP ${response.status}`);
  const cookie = response.headers.get('set-cookie');
  if (!cookie) throw new Error('sign-in set no cookie');
  return cookie.split(';')[0] as string;
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
