import type { NextFunction, Request, Response } from 'express';
import { CASE_ROLES, type Officer, type Role } from '../auth/roles.js';
import { ApiError } from '../errors.js';
import type { AccountService } from '../services/account-service.js';

export const SESSION_COOKIE = 'talash_session';

// The officer of each request, set by `resolve`. A WeakMap keeps Express's Request type untouched.
const officers = new WeakMap<Request, Officer>();

/** The signed-in officer of a request, or undefined for an anonymous one. */
export function officerOf(request: Request): Officer | undefined {
  return officers.get(request);
}

/** The signed-in officer of a request behind `requireRole`; throws if the route forgot it. */
export function signedInOfficer(request: Request): Officer {
  const officer = officers.get(request);
  if (!officer) throw new ApiError(401, 'AUTH_REQUIRED', 'Sign in first (POST /api/auth/login).');
  return officer;
}

/**
 * Officer sessions: a random token in an HttpOnly, SameSite=Strict cookie; the session row in
 * Postgres (hashed token, expiry, revocation) decides whether it is valid on every request.
 */
export class OfficerSessions {
  constructor(
    private readonly accounts: AccountService,
    private readonly secureCookies: boolean,
  ) {}

  /** Middleware for /api: looks the cookie's session up once, so later checks are synchronous. */
  readonly resolve = async (request: Request, _response: Response, next: NextFunction): Promise<void> => {
    const token = readCookie(request, SESSION_COOKIE);
    if (token) {
      const officer = await this.accounts.findSession(token);
      if (officer) officers.set(request, officer);
    }
    next();
  };

  async issue(response: Response, officer: Officer): Promise<void> {
    const { token, expiresAt } = await this.accounts.startSession(officer);
    response.cookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.secureCookies,
      path: '/api',
      expires: expiresAt,
    });
  }

  async end(request: Request, response: Response): Promise<void> {
    const token = readCookie(request, SESSION_COOKIE);
    if (token) await this.accounts.endSession(token);
    response.clearCookie(SESSION_COOKIE, { path: '/api' });
  }

  /** Middleware: 401 AUTH_REQUIRED without a session, 403 FORBIDDEN for a role not listed. */
  requireRole(...roles: Role[]) {
    return (request: Request, _response: Response, next: NextFunction): void => {
      const officer = officers.get(request);
      if (!officer) {
        next(new ApiError(401, 'AUTH_REQUIRED', 'Sign in first (POST /api/auth/login).'));
        return;
      }
      if (!roles.includes(officer.role)) {
        next(
          new ApiError(
            403,
            'FORBIDDEN',
            `This needs one of the roles ${roles.join(', ')}; this account is ${officer.role}.`,
          ),
        );
        return;
      }
      next();
    };
  }

  /** Any role that works on cases (see CASE_ROLES). Kept under its old name for routes that use it. */
  readonly requireDispatcher = this.requireRole(...CASE_ROLES);

  /** Whether the request comes from an officer with a case role (the police view of public routes). */
  isSignedIn(request: Request): boolean {
    const officer = officers.get(request);
    return officer !== undefined && CASE_ROLES.includes(officer.role);
  }
}

/** The old name of OfficerSessions, for routes written before accounts existed. */
export { OfficerSessions as DispatcherSessions };

function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) {
      try {
        return decodeURIComponent(rest.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
