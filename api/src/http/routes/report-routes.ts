import { Router } from 'express';
import { ApiError } from '../../errors.js';
import type { CaseRepository } from '../../repositories/case-repository.js';
import { preparePhoto } from '../../services/photo-intake.js';
import { publicTrackingView } from '../../services/public-timeline.js';
import type { ReportService } from '../../services/report-service.js';
import { photoUploadReader } from '../photo-upload.js';
import { perMinuteLimit } from '../rate-limits.js';
import { multipartFieldsToReport, parseReport } from '../report-input.js';
import { parseTrackingCodeParam } from '../tracking-code-input.js';

export interface ReportRouteOptions {
  maxPhotoBytes: number;
  maxPhotoPixels: number;
  reportsPerMinute: number;
}

/** Public intake of missing-child reports, and the public tracking of a case by its code. */
export function reportRoutes(
  reports: ReportService,
  cases: CaseRepository,
  options: ReportRouteOptions,
): Router {
  const router = Router();
  const readPhoto = photoUploadReader(
    options.maxPhotoBytes,
    'Send one photo in the "photo" field with the report fields.',
  );

  router.post('/reports', perMinuteLimit(options.reportsPerMinute), async (request, response) => {
    let body: unknown = request.body;
    let photoUpload: Buffer | undefined;

    if (request.is('multipart/form-data')) {
      photoUpload = await readPhoto(request, response);
      body = multipartFieldsToReport(request.body ?? {});
    } else if (!request.is('application/json')) {
      throw new ApiError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the report as application/json or multipart/form-data.',
      );
    }

    // Validate everything before writing anything: a bad photo must not leave a case behind.
    const report = parseReport(body);
    const photo = photoUpload ? await preparePhoto(photoUpload, options.maxPhotoPixels) : undefined;
    const receipt = await reports.submit(report, photo, readIdempotencyKey(request.get('idempotency-key')));
    if (receipt.replayed) response.set('idempotent-replayed', 'true');
    response.status(201).location(`/api/track/${receipt.trackingCode}`).json(receipt);
  });

  router.get('/track/:code', perMinuteLimit(30), async (request, response) => {
    const code = parseTrackingCodeParam(request.params.code);
    const found = await cases.findPublicStatus(code);
    if (!found)
      throw new ApiError(
        404,
        'CASE_NOT_FOUND',
        'No case has this tracking code. Check the code in your SMS.',
      );

    response.set('cache-control', 'no-store').json(publicTrackingView(found));
  });

  return router;
}

/**
 * Checks the optional Idempotency-Key header: a client-made random string (a UUID fits), the same on
 * every retry of one report.
 */
function readIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(header)) {
    throw new ApiError(
      400,
      'INVALID_IDEMPOTENCY_KEY',
      'Idempotency-Key must be 16 to 128 letters, digits, "-" or "_", such as a random UUID.',
      'Idempotency-Key',
    );
  }
  return header;
}
