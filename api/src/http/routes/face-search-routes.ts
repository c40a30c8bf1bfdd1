import { type Request, Router } from 'express';
import { z } from 'zod';
import { ApiError } from '../../errors.js';
import type { AuditRepository } from '../../repositories/audit-repository.js';
import type { FaceSearchService } from '../../services/face-search-service.js';
import { photoUploadReader, toFaceApiError } from '../photo-upload.js';
import { perMinuteLimit } from '../rate-limits.js';
import { type DispatcherSessions, officerOf } from '../session.js';
import { parseOrThrow } from '../validation.js';

const searchQuery = z.object({ limit: z.coerce.number().int().min(1).max(50).default(10) });

/**
 * POST /api/face-search: anyone may search the register with a photo. Signed-in dispatchers get every
 * open case and sighting with scores; the public gets published cases at or above the threshold.
 * The photo is not stored.
 */
export function faceSearchRoutes(
  search: FaceSearchService,
  sessions: DispatcherSessions,
  audit: AuditRepository,
  options: { maxPhotoBytes: number; searchesPerMinute: number; officerSearchesPerMinute: number },
): Router {
  const router = Router();
  const readPhoto = photoUploadReader(options.maxPhotoBytes, 'Send one photo in the "photo" field.');

  // The public counts per address, officers per account. Officers of one station share an address,
  // and a public caller there would otherwise use up their searches.
  const isOfficer = (request: Request) => sessions.isSignedIn(request);
  const publicLimit = perMinuteLimit(options.searchesPerMinute, { skip: isOfficer });
  const officerLimit = perMinuteLimit(options.officerSearchesPerMinute, {
    skip: (request) => !isOfficer(request),
    key: (request) => `officer:${officerOf(request)?.id}`,
  });

  router.post('/face-search', publicLimit, officerLimit, async (request, response) => {
    const { limit } = parseOrThrow(searchQuery, request.query, 'INVALID_QUERY');
    if (!request.is('multipart/form-data')) {
      throw new ApiError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the photo as multipart/form-data in the "photo" field.',
      );
    }
    const photo = await readPhoto(request, response);
    if (!photo) throw new ApiError(400, 'PHOTO_REQUIRED', 'Send one photo in the "photo" field.', 'photo');

    const viewer = sessions.isSignedIn(request) ? 'police' : 'public';
    const result = await search.search(photo, viewer, limit).catch((error: unknown) => {
      throw toFaceApiError(error);
    });
    request.log.info(
      { viewer, faces: result.faces.length, matches: result.matches.length },
      'face search answered',
    );
    // A police search sees unpublished cases, so it goes on the audit trail (without the photo).
    if (viewer === 'police') {
      await audit.append({
        officer: officerOf(request) ?? null,
        action: 'face-search',
        address: request.ip ?? null,
        details: {
          faces: result.faces.length,
          caseIds: result.matches.map((match) => match.case.id),
          sightingIds: (result.sightings ?? []).map((match) => match.sighting.id),
        },
      });
    }
    response.set('cache-control', 'no-store').json(result);
  });

  return router;
}
