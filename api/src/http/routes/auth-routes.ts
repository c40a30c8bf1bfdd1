import { type Request, Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { ApiError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import type { AuditRepository } from '../../repositories/audit-repository.js';
import type { AccountService } from '../../services/account-service.js';
import { type OfficerSessions, officerOf, signedInOfficer } from '../session.js';
import { parseOrThrow } from '../validation.js';

const log = createLogger('AuthRoutes');
const WINDOW_MS = 15 * 60_000;

export interface AuthRouteOptions {
  /** Failed sign-ins per client address per 15 minutes, for any username. */
  failuresPerAddress: number;
  /** Failed sign-ins per username per 15 minutes, from any address. */
  failuresPerUsername: number;
}

export const DEFAULT_AUTH_LIMITS: AuthRouteOptions = { failuresPerAddress: 30, failuresPerUsername: 5 };

export const loginBody = z
  .object({
    username: z.string().trim().toLowerCase().min(1, 'must not be empty').max(64),
    password: z.string().min(1, 'must not be empty').max(1024),
  })
  .strict();

function tooMany(message: string) {
  return (_request: Request, _response: unknown, next: (error: unknown) => void) =>
    next(new ApiError(429, 'RATE_LIMITED', message));
}

/** Officer sign-in with username and password, sign-out, and who is signed in. */
export function authRoutes(
  accounts: AccountService,
  sessions: OfficerSessions,
  audit: AuditRepository,
  options: AuthRouteOptions = DEFAULT_AUTH_LIMITS,
): Router {
  const router = Router();

  // Only failures count, so a police office behind one address, where many officers sign in, is
  // never locked out by their successes; a guesser spreading attempts over many addresses still
  // meets the per-username limit.
  const perAddress = rateLimit({
    windowMs: WINDOW_MS,
    limit: options.failuresPerAddress,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: tooMany('Too many failed sign-ins from this address. Wait 15 minutes and try again.'),
  });
  const perUsername = rateLimit({
    windowMs: WINDOW_MS,
    limit: options.failuresPerUsername,
    skipSuccessfulRequests: true,
    standardHeaders: false,
    legacyHeaders: false,
    keyGenerator: (request) =>
      `username:${String(request.body?.username ?? '')
        .trim()
        .toLowerCase()}`,
    handler: tooMany('Too many failed sign-ins for this username. Wait 15 minutes and try again.'),
  });

  router.post('/auth/login', perAddress, perUsername, async (request, response) => {
    const { username, password } = parseOrThrow(loginBody, request.body, 'INVALID_REQUEST');
    const officer = await accounts.authenticate(username, password);
    if (!officer) {
      await audit.append({
        officer: null,
        action: 'auth.login.failed',
        address: request.ip ?? null,
        details: { username },
      });
      throw new ApiError(401, 'INVALID_CREDENTIALS', 'The username or the password is wrong.');
    }
    await sessions.issue(response, officer);
    await audit.append({ officer, action: 'auth.login', address: request.ip ?? null });
    log.info({ accountId: officer.id, role: officer.role }, 'signed in');
    response.json({ officer });
  });

  router.post('/auth/logout', async (request, response) => {
    const officer = officerOf(request);
    await sessions.end(request, response);
    if (officer) await audit.append({ officer, action: 'auth.logout', address: request.ip ?? null });
    response.status(204).end();
  });

  router.get('/auth/me', (request, response) => {
    if (!officerOf(request))
      throw new ApiError(401, 'AUTH_REQUIRED', 'Sign in first (POST /api/auth/login).');
    response.set('cache-control', 'no-store').json({ officer: signedInOfficer(request) });
  });

  return router;
}
