import type { Request } from 'express';
import { rateLimit } from 'express-rate-limit';
import { ApiError } from '../errors.js';

export interface PerMinuteLimitOptions {
  /** Requests for which this limit does not count, such as those another limit covers. */
  skip?: (request: Request) => boolean;
  /** The counter a request counts against; the client address when absent. */
  key?: (request: Request) => string;
}

/**
 * A per-client-address limit for public endpoints, answering 429 RATE_LIMITED when exceeded.
 * NOTE: counters live in this process's memory, so several API processes each allow the full rate.
 */
export function perMinuteLimit(requestsPerMinute: number, options: PerMinuteLimitOptions = {}) {
  return rateLimit({
    windowMs: 60_000,
    limit: requestsPerMinute,
    ...(options.skip && { skip: options.skip }),
    ...(options.key && { keyGenerator: options.key }),
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
