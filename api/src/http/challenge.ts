import type { NextFunction, Request, Response } from 'express';
import { Router } from 'express';
import type { SubmissionChallenges } from '../services/submission-challenge.js';
import { perMinuteLimit } from './rate-limits.js';
import { officerOf } from './session.js';

/**
 * Middleware: lets a public submission through only with a solved, unused challenge (when enabled).
 * A signed-in officer, such as a desk officer filing for a citizen, needs none: the account is
 * known and its sign-in is rate-limited.
 */
export function requireChallenge(challenges: SubmissionChallenges) {
  return async (request: Request, _response: Response, next: NextFunction): Promise<void> => {
    if (!challenges.enabled || officerOf(request)) return next();
    try {
      await challenges.verify(request.get('talash-challenge'), request.get('talash-challenge-solution'));
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** GET /api/challenge: a fresh proof-of-work challenge for the next public submission. */
export function challengeRoutes(challenges: SubmissionChallenges, perMinute: number): Router {
  const router = Router();
  router.get('/challenge', perMinuteLimit(perMinute), (_request, response) => {
    response.set('cache-control', 'no-store').json(challenges.enabled ? challenges.issue() : { bits: 0 });
  });
  return router;
}
