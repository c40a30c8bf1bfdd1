import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ACCESS_TOKEN_FILE = fileURLToPath(
  new URL('../../../data/runtime/dispatch-access-token', import.meta.url),
);

/**
 * Returns the dispatcher access token: DISPATCH_ACCESS_TOKEN when set, otherwise the token stored in
 * data/runtime/dispatch-access-token, created (readable by its owner only) on first use.
 */
export function ensureDispatchAccessToken(fromEnvironment?: string): { token: string; path: string } {
  if (fromEnvironment) return { token: fromEnvironment, path: 'the DISPATCH_ACCESS_TOKEN variable' };
  if (existsSync(ACCESS_TOKEN_FILE)) {
    return { token: readFileSync(ACCESS_TOKEN_FILE, 'utf8').trim(), path: ACCESS_TOKEN_FILE };
  }
  const token = randomBytes(24).toString('base64url');
  mkdirSync(dirname(ACCESS_TOKEN_FILE), { recursive: true });
  writeFileSync(ACCESS_TOKEN_FILE, `${token}\n`, { mode: 0o600 });
  chmodSync(ACCESS_TOKEN_FILE, 0o600);
  return { token, path: ACCESS_TOKEN_FILE };
}
