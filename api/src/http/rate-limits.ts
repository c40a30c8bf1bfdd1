import { rateLimit } from 'express-rate-limit';
import { ApiError } from '../errors.js';

/**
 * A per-client-address limit for public endpoints, answering 429 RATE_LIMITED when exceeded.
 * NOTE: counters live in this process's memory, so several API processes each allow the full rate.
 */
export function perMinuteLimit(requestsPerMinute: number) {
  return rateLimit({
    windowMs: 60_000,
    limit: requestsPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_request, _response, next) =>
      next(
        new ApiError(
          429,
          'RATE_LIMITED',
          'Too many requests from this address. Wait a minute and try again.',
        ),
      ),
  });
}
