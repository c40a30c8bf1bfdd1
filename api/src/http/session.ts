import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../errors.js';

export const SESSION_COOKIE = 'talash_session';
const SESSION_HOURS = 12;

/**
 * Dispatcher sessions: a signed cookie holding the expiry time, issued in exchange for the shared
 * dispatcher access token.
 * NOTE: one shared token stands in for per-officer accounts with roles and jurisdictions, which
 * this does not yet check; every signed-in dispatcher sees every district.
 */
export class DispatcherSessions {
  private readonly secret: Buffer;

  constructor(
    private readonly accessToken: string,
    secret?: string,
  ) {
    this.secret = secret ? Buffer.from(secret) : randomBytes(32);
  }

  /** Compares in constant time, so the token cannot be guessed from response times. */
  isValidAccessToken(candidate: string): boolean {
    const expected = createHmac('sha256', this.secret).update(this.accessToken).digest();
    const actual = createHmac('sha256', this.secret).update(candidate).digest();
    return timingSafeEqual(expected, actual);
  }

  issue(response: Response, secure: boolean): void {
    const expires = Date.now() + SESSION_HOURS * 3600_000;
    const value = `${expires}.${this.sign(String(expires))}`;
    response.cookie(SESSION_COOKIE, value, {
      httpOnly: true,
      sameSite: 'strict',
      secure,
      path: '/api',
      maxAge: SESSION_HOURS * 3600_000,
    });
  }

  clear(response: Response): void {
    response.clearCookie(SESSION_COOKIE, { path: '/api' });
  }

  isSignedIn(request: Request): boolean {
    const value = readCookie(request, SESSION_COOKIE);
    if (!value) return false;
    const [expires, signature] = value.split('.');
    if (!expires || !signature) return false;
    const expected = Buffer.from(this.sign(expires));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return false;
    return Number(expires) > Date.now();
  }

  /** Express middleware: 401 AUTH_REQUIRED unless the request carries a valid session. */
  readonly requireDispatcher = (request: Request, _response: Response, next: NextFunction): void => {
    if (this.isSignedIn(request)) {
      next();
      return;
    }
    next(new ApiError(401, 'AUTH_REQUIRED', 'Sign in as a dispatcher first (POST /api/session).'));
  };

  private sign(value: string): string {
    return createHmac('sha256', this.secret).update(value).digest('base64url');
  }
}

function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key !== name) continue;
    try {
      return decodeURIComponent(rest.join('='));
    } catch {
      return undefined; // A malformed escape is treated as no cookie: the caller gets 401, not 500.
    }
  }
  return undefined;
}
