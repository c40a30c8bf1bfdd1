import { Router } from 'express';
import { z } from 'zod';
import { ApiError } from '../../errors.js';
import type { CaseEventRepository } from '../../repositories/case-event-repository.js';
import type { CaseRegisterService } from '../../services/case-register-service.js';
import { preparePhoto } from '../../services/photo-intake.js';
import { photoUploadReader } from '../photo-upload.js';
import { reasonSchema } from '../reason-input.js';
import type { DispatcherSessions } from '../session.js';
import { parseOrThrow } from '../validation.js';

const uuid = z.string().uuid('must be a UUID');
const withdrawBody = z
  .object({
    reason: reasonSchema,
  })
  .strict();
const eventsQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(500) });

/** Officer routes about a case's register entry, its photos and its timeline. */
export function caseRegisterRoutes(
  sessions: DispatcherSessions,
  register: CaseRegisterService,
  caseEvents: CaseEventRepository,
  options: { maxPhotoBytes: number; maxPhotoPixels: number },
): Router {
  const router = Router();
  const signedIn = sessions.requireDispatcher;
  const readPhoto = photoUploadReader(options.maxPhotoBytes, 'Send one photo in the "photo" field.');

  router.post('/cases/:caseId/publish', signedIn, async (request, response) => {
    const caseId = parseOrThrow(uuid, request.params.caseId, 'INVALID_CASE_ID');
    response.json(await register.setPublished(caseId, true, 'dispatcher'));
  });

  router.post('/cases/:caseId/unpublish', signedIn, async (request, response) => {
    const caseId = parseOrThrow(uuid, request.params.caseId, 'INVALID_CASE_ID');
    response.json(await register.setPublished(caseId, false, 'dispatcher'));
  });

  router.post('/cases/:caseId/photos', signedIn, async (request, response) => {
    const caseId = parseOrThrow(uuid, request.params.caseId, 'INVALID_CASE_ID');
    if (!request.is('multipart/form-data')) {
      throw new ApiError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the photo as multipart/form-data in the "photo" field.',
      );
    }
    const upload = await readPhoto(request, response);
    if (!upload) throw new ApiError(400, 'PHOTO_REQUIRED', 'Send one photo in the "photo" field.', 'photo');
    const photo = await preparePhoto(upload, options.maxPhotoPixels);
    const added = await register.addPhoto(caseId, photo, 'dispatcher');
    response.status(201).json({ id: added.id, url: `/api/cases/${caseId}/photos/${added.id}` });
  });

  router.post('/cases/:caseId/photos/:photoId/withdraw', signedIn, async (request, response) => {
    const caseId = parseOrThrow(uuid, request.params.caseId, 'INVALID_CASE_ID');
    const photoId = parseOrThrow(uuid, request.params.photoId, 'INVALID_PHOTO_ID');
    const { reason } = parseOrThrow(withdrawBody, request.body, 'INVALID_REQUEST');
    response.json(await register.withdrawPhoto(caseId, photoId, reason, 'dispatcher'));
  });

  router.get('/cases/:caseId/events', signedIn, async (request, response) => {
    const caseId = parseOrThrow(uuid, request.params.caseId, 'INVALID_CASE_ID');
    const { limit } = parseOrThrow(eventsQuery, request.query, 'INVALID_QUERY');
    response.set('cache-control', 'no-store').json({ events: await caseEvents.list(caseId, limit) });
  });

  return router;
}
