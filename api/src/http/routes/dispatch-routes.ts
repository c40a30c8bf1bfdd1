import { Router } from 'express';
import { z } from 'zod';
import { ApiError } from '../../errors.js';
import type { CaseRepository } from '../../repositories/case-repository.js';
import { perMinuteLimit } from '../rate-limits.js';
import type { DispatcherSessions } from '../session.js';
import type { SseHub } from '../sse-hub.js';
import { parseOrThrow } from '../validation.js';

const jurisdictionCode = z
  .string()
  .trim()
  .regex(/^[A-Z0-9-]{2,80}$/, 'must be a jurisdiction code such as PK-PB-LAHORE');
const limit = z.coerce.number().int().min(1).max(500).default(100);
const alertsQuery = z
  .object({ district: jurisdictionCode.optional(), region: jurisdictionCode.optional(), limit })
  .refine((query) => query.district || query.region, {
    message: 'give district or region',
    path: ['district'],
  });
const eventsQuery = z.object({
  district: jurisdictionCode.optional(),
  region: jurisdictionCode.optional(),
  unassigned: z.enum(['0', '1', 'true', 'false']).optional(),
});
const uuid = z.string().uuid('must be a UUID');
const sessionBody = z.object({ accessToken: z.string().min(1, 'must not be empty').max(500) }).strict();

/** Dispatcher session, alerts, the unassigned queue, case photos and the live event stream. */
export function dispatchRoutes(
  sessions: DispatcherSessions,
  cases: CaseRepository,
  hub: SseHub,
  options: { secureCookies: boolean },
): Router {
  const router = Router();
  const signedIn = sessions.requireDispatcher;

  router.post('/session', perMinuteLimit(10), (request, response) => {
    const { accessToken } = parseOrThrow(sessionBody, request.body, 'INVALID_REQUEST');
    if (!sessions.isValidAccessToken(accessToken)) {
      throw new ApiError(
        401,
        'INVALID_ACCESS_TOKEN',
        'The access token is not valid. Ask your administrator for it.',
        'accessToken',
      );
    }
    sessions.issue(response, options.secureCookies);
    response.status(204).end();
  });

  router.get('/session', signedIn, (_request, response) => {
    response.json({ signedIn: true });
  });

  router.delete('/session', (_request, response) => {
    sessions.clear(response);
    response.status(204).end();
  });

  router.get('/alerts', signedIn, async (request, response) => {
    const query = parseOrThrow(alertsQuery, request.query, 'INVALID_QUERY');
    const code = (query.district ?? query.region) as string;
    response.set('cache-control', 'no-store').json({ alerts: await cases.listAlerts(code, query.limit) });
  });

  router.get('/cases/unassigned', signedIn, async (request, response) => {
    const query = parseOrThrow(z.object({ limit }), request.query, 'INVALID_QUERY');
    response.set('cache-control', 'no-store').json({ cases: await cases.listUnassigned(query.limit) });
  });

  router.get('/cases/:caseId/photos', signedIn, async (request, response) => {
    const caseId = parseOrThrow(uuid, request.params.caseId, 'INVALID_CASE_ID');
    const photoIds = await cases.listPhotoIds(caseId);
    response.set('cache-control', 'no-store').json({
      photos: photoIds.map((id) => ({ id, url: `/api/cases/${caseId}/photos/${id}` })),
    });
  });

  router.get('/cases/:caseId/photos/:photoId', signedIn, async (request, response) => {
    const caseId = parseOrThrow(uuid, request.params.caseId, 'INVALID_CASE_ID');
    const photoId = parseOrThrow(uuid, request.params.photoId, 'INVALID_PHOTO_ID');
    const photo = await cases.findPhoto(caseId, photoId);
    if (!photo) throw new ApiError(404, 'PHOTO_NOT_FOUND', `Case ${caseId} has no photo ${photoId}.`);
    response.set('cache-control', 'private, no-store').type(photo.mediaType).send(photo.content);
  });

  router.get('/events', signedIn, (request, response) => {
    const query = parseOrThrow(eventsQuery, request.query, 'INVALID_QUERY');
    const codes = [query.district, query.region].filter((code): code is string => Boolean(code));
    const unassigned = query.unassigned === '1' || query.unassigned === 'true';
    if (codes.length === 0 && !unassigned) {
      throw new ApiError(
        400,
        'INVALID_QUERY',
        'Give district, region or unassigned=1 to choose what to follow.',
        'district',
      );
    }
    hub.open(response, codes, unassigned);
  });

  return router;
}
