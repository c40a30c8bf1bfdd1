import { Router } from 'express';
import { z } from 'zod';
import type { PlaceLookupService } from '../../services/place-lookup-service.js';
import { perMinuteLimit } from '../rate-limits.js';
import { parseOrThrow } from '../validation.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the purpose.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export const placesQuery = z.object({
  q: z
    .string({ message: 'is required once: the address, town or district to find' })
    .trim()
    .min(2, 'must be at least 2 characters')
    .max(200, 'must be at most 200 characters')
    .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters'),
  lang: z.enum(['en', 'ur']).default('en'),
});

/** Public place lookup for the last-seen place of report forms. */
export function placeRoutes(places: PlaceLookupService, options: { lookupsPerMinute: number }): Router {
  const router = Router();

  router.get('/places', perMinuteLimit(options.lookupsPerMinute), async (request, response) => {
    const { q, lang } = parseOrThrow(placesQuery, request.query, 'INVALID_PLACE_QUERY');
    const result = await places.lookup(q, lang);
    // The query can be a home address, so no cache along the way may keep it.
    response.set('cache-control', 'no-store').json(result);
  });

  return router;
}
