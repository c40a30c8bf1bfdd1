import { Router } from 'express';
import { z } from 'zod';
import { ApiError } from '../../errors.js';
import type { CaseRepository } from '../../repositories/case-repository.js';
import { preparePhoto } from '../../services/photo-intake.js';
import type { PublicRegisterService } from '../../services/public-register-service.js';
import { publicTrackingView, type TimelineEvent } from '../../services/public-timeline.js';
import type { ReporterService } from '../../services/reporter-service.js';
import type { SubmissionChallenges } from '../../services/submission-challenge.js';
import { requireChallenge } from '../challenge.js';
import { photoUploadReader } from '../photo-upload.js';
import { perMinuteLimit } from '../rate-limits.js';
import { reportSchema } from '../report-input.js';
import { parseTrackingCodeParam } from '../tracking-code-input.js';
import { parseOrThrow } from '../validation.js';

const phoneSchema = reportSchema.shape.reporter.shape.phone;
const reporterBody = z.object({ phone: phoneSchema }).strict();
const updateBody = z
  .object({
    phone: phoneSchema,
    text: z.string().trim().max(2000, 'must be at most 2000 characters').optional(),
  })
  .strict();

export interface ReporterRouteDependencies {
  reporters: ReporterService;
  register: PublicRegisterService;
  cases: CaseRepository;
  challenges: SubmissionChallenges;
}

/**
 * Routes for the reporter of a case, who proves it with the tracking code and the phone number the
 * report gave: the full timeline with their own additions, adding information and photos, and taking
 * the child off the public register. The phone travels in the body, never in the URL.
 */
export function reporterRoutes(
  dependencies: ReporterRouteDependencies,
  options: { maxPhotoBytes: number; maxPhotoPixels: number; requestsPerMinute: number },
): Router {
  const { reporters, register, cases, challenges } = dependencies;
  const router = Router();
  const limit = perMinuteLimit(options.requestsPerMinute);
  const challenge = requireChallenge(challenges);
  const readPhoto = photoUploadReader(options.maxPhotoBytes, 'Send one photo in the "photo" field.');

  router.post('/track/:code/reporter', limit, async (request, response) => {
    const trackingCode = parseTrackingCodeParam(request.params.code);
    const { phone } = parseOrThrow(reporterBody, request.body ?? {}, 'INVALID_REPORTER');
    const found = await reporters.authenticate(trackingCode, phone);
    const status = await cases.findPublicStatus(trackingCode);
    if (!status) throw new Error(`case ${found.id} vanished between two reads`);
    const view = publicTrackingView(status);
    const updates: TimelineEvent[] = (await reporters.listUpdates(found.id)).map((update) => ({
      event: 'reporter-update',
      at: update.at.toISOString(),
      text: update.text,
      photo: update.photo,
    }));
    response.set('cache-control', 'no-store').json({
      ...view,
      timeline: [...view.timeline, ...updates].sort((a, b) => a.at.localeCompare(b.at)),
      register: {
        listed: found.listed,
        takenDown: found.takenDown,
        publicId: found.listed ? found.publicId : null,
      },
    });
  });

  router.post('/track/:code/updates', limit, challenge, async (request, response) => {
    const trackingCode = parseTrackingCodeParam(request.params.code);
    let body: unknown = request.body;
    let upload: Buffer | undefined;
    if (request.is('multipart/form-data')) {
      upload = await readPhoto(request, response);
      const fields = (request.body ?? {}) as Record<string, unknown>;
      body = { phone: fields.phone, ...(fields.text ? { text: fields.text } : {}) };
    } else if (!request.is('application/json')) {
      throw new ApiError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the update as application/json or multipart/form-data.',
      );
    }
    const { phone, text } = parseOrThrow(updateBody, body ?? {}, 'INVALID_REPORTER_UPDATE');
    if (!text && !upload) {
      throw new ApiError(400, 'INVALID_REPORTER_UPDATE', 'text: write something or attach a photo.', 'text');
    }
    const found = await reporters.authenticate(trackingCode, phone);
    const photo = upload ? await preparePhoto(upload, options.maxPhotoPixels) : undefined;
    const added = await reporters.addUpdate(found.id, text || null, photo);
    response.status(201).json({ added: true, at: added.at, photoReceived: Boolean(photo) });
  });

  router.post('/track/:code/takedown', limit, challenge, async (request, response) => {
    const trackingCode = parseTrackingCodeParam(request.params.code);
    const { phone } = parseOrThrow(reporterBody, request.body ?? {}, 'INVALID_REPORTER');
    const found = await reporters.authenticate(trackingCode, phone);
    response.json(await register.takeDown(found.id, request.ip ?? null));
  });

  return router;
}
