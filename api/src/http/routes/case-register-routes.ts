import { type Request, Router } from 'express';
import { z } from 'zod';
import { ApiError } from '../../errors.js';
import type { AuditRepository } from '../../repositories/audit-repository.js';
import type { CaseEventRepository } from '../../repositories/case-event-repository.js';
import type { CaseWorkflowRepository } from '../../repositories/case-workflow-repository.js';
import type { CaseRegisterService } from '../../services/case-register-service.js';
import { assertAccess } from '../../services/jurisdiction-access.js';
import { preparePhoto } from '../../services/photo-intake.js';
import { photoUploadReader } from '../photo-upload.js';
import { reasonSchema } from '../reason-input.js';
import { type DispatcherSessions, signedInOfficer } from '../session.js';
import { parseOrThrow } from '../validation.js';

const uuid = z.string().uuid('must be a UUID');
const withdrawBody = z.object({ reason: reasonSchema }).strict();
// The name the family agreed to show on the public register; without it the register shows the first word.
const publishBody = z
  .object({
    publicName: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
  })
  .partial()
  .strict();
const eventsQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(500) });

export interface CaseRegisterRouteDependencies {
  sessions: DispatcherSessions;
  register: CaseRegisterService;
  caseEvents: CaseEventRepository;
  workflow: CaseWorkflowRepository;
  audit: AuditRepository;
}

/**
 * Officer routes about a case's register entry, its photos and its timeline. Each needs a case role
 * and the case inside the officer's jurisdiction, and each is written to the audit trail.
 */
export function caseRegisterRoutes(
  dependencies: CaseRegisterRouteDependencies,
  options: { maxPhotoBytes: number; maxPhotoPixels: number },
): Router {
  const { sessions, register, caseEvents, workflow, audit } = dependencies;
  const router = Router();
  const signedIn = sessions.requireDispatcher;
  const readPhoto = photoUploadReader(options.maxPhotoBytes, 'Send one photo in the "photo" field.');

  /** Checks the case id, that the case exists and that the officer may act on it. */
  const caseOf = async (request: Request) => {
    const caseId = parseOrThrow(uuid, request.params.caseId, 'INVALID_CASE_ID');
    const officer = signedInOfficer(request);
    const path = await workflow.findPath(caseId);
    if (!path) throw new ApiError(404, 'CASE_NOT_FOUND', `No case has the id ${caseId}.`);
    assertAccess(officer, path, `Case ${caseId}`);
    return { caseId, officer, actor: `account:${officer.id}` as const };
  };

  const record = (request: Request, action: string, caseId: string, details: Record<string, unknown> = {}) =>
    audit.append({ officer: signedInOfficer(request), action, caseId, address: request.ip ?? null, details });

  router.post('/cases/:caseId/publish', signedIn, async (request, response) => {
    const { caseId, actor } = await caseOf(request);
    const { publicName } = parseOrThrow(publishBody, request.body ?? {}, 'INVALID_REQUEST');
    const result = await register.setPublished(caseId, true, actor, publicName);
    await record(request, 'case.publish', caseId);
    response.json(result);
  });

  router.post('/cases/:caseId/unpublish', signedIn, async (request, response) => {
    const { caseId, actor } = await caseOf(request);
    const result = await register.setPublished(caseId, false, actor);
    await record(request, 'case.unpublish', caseId);
    response.json(result);
  });

  router.post('/cases/:caseId/photos', signedIn, async (request, response) => {
    const { caseId, actor } = await caseOf(request);
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
    const added = await register.addPhoto(caseId, photo, actor);
    await record(request, 'case.photo.add', caseId, { photoId: added.id });
    response.status(201).json({ id: added.id, url: `/api/cases/${caseId}/photos/${added.id}` });
  });

  router.post('/cases/:caseId/photos/:photoId/withdraw', signedIn, async (request, response) => {
    const { caseId, actor } = await caseOf(request);
    const photoId = parseOrThrow(uuid, request.params.photoId, 'INVALID_PHOTO_ID');
    const { reason } = parseOrThrow(withdrawBody, request.body, 'INVALID_REQUEST');
    const result = await register.withdrawPhoto(caseId, photoId, reason, actor);
    await record(request, 'case.photo.withdraw', caseId, { photoId });
    response.json(result);
  });

  router.get('/cases/:caseId/events', signedIn, async (request, response) => {
    const { caseId } = await caseOf(request);
    const { limit } = parseOrThrow(eventsQuery, request.query, 'INVALID_QUERY');
    const events = await caseEvents.list(caseId, limit);
    await record(request, 'case.events.list', caseId, { count: events.length });
    response.set('cache-control', 'no-store').json({ events });
  });

  return router;
}
