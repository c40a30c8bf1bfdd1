import { Router } from 'express';
import { z } from 'zod';
import type { JurisdictionRepository } from '../../repositories/jurisdiction-repository.js';
import type { GeofenceService } from '../../services/geofence-service.js';
import { perMinuteLimit } from '../rate-limits.js';
import { parseOrThrow } from '../validation.js';

const coordinate = (name: string, limit: number) =>
  z
    .string({ message: `${name} is required once, as a decimal number of degrees` })
    .trim()
    .regex(
      /^[-+]?(\d+(\.\d*)?|\.\d+)$/,
      `must be a decimal number of degrees, e.g. ${name === 'lat' ? '31.4935' : '74.3917'}`,
    )
    .transform(Number)
    .refine((value) => Math.abs(value) <= limit, `must be between -${limit} and ${limit}`);

const pointQuery = z.object({ lat: coordinate('lat', 90), lon: coordinate('lon', 180) });
const levelQuery = z.object({ level: z.enum(['province', 'region', 'district']).default('district') });

/** Public geography: point lookups and the boundaries drawn on maps. */
export function geofenceRoutes(geofence: GeofenceService, jurisdictions: JurisdictionRepository): Router {
  const router = Router();
  const collectionCache = new Map<string, string>();

  router.get('/geofence', perMinuteLimit(600), async (request, response) => {
    const { lat, lon } = parseOrThrow(pointQuery, request.query, 'INVALID_COORDINATES');
    response.json(await geofence.locate(lat, lon));
  });

  router.get('/jurisdictions', async (request, response) => {
    const { level } = parseOrThrow(levelQuery, request.query, 'INVALID_LEVEL');
    // Boundaries change only when a version is published, so the text is cached per version and level.
    const key = `${await jurisdictions.liveVersionId()}:${level}`;
    let text = collectionCache.get(key);
    if (!text) {
      text = await jurisdictions.featureCollectionText(level);
      collectionCache.set(key, text);
    }
    response.type('application/geo+json').set('cache-control', 'public, max-age=300').send(text);
  });

  return router;
}
