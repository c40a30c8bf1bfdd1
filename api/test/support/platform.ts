import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
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
  accessToken: string;
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
  const accessToken = randomBytes(18).toString('base64url');

  const config = loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    REDIS_PREFIX: `talash-test-${randomBytes(4).toString('hex')}`,
    DISPATCH_ACCESS_TOKEN: accessToken,
    PUBLIC_REPORTS_PER_MINUTE: '1000',
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
    accessToken,
    platform,
    stop: async () => {
      await api.stop();
      await stopWorker?.();
      await platform.queue.obliterate({ force: true }).catch(() => undefined);
      await closePlatform(platform);
    },
  };
}

/** Signs in as a dispatcher and returns the session cookie to send with later requests. */
export async function signIn(test: TestPlatform): Promise<string> {
  const response = await fetch(`${test.baseUrl}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accessToken: test.accessToken }),
  });
  if (response.status !== 204) throw new Error(`sign-in failed with HTTP ${response.status}`);
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
