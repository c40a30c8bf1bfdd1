import { Router } from 'express';
import { ApiError } from '../../errors.js';
import type { CaseRepository } from '../../repositories/case-repository.js';
import { deadlineTimelineEntry } from '../../services/deadline-timeline-text.js';
import { preparePhoto } from '../../services/photo-intake.js';
import type { ReportService } from '../../services/report-service.js';
import { normaliseTrackingCode } from '../../services/tracking-code.js';
import { photoUploadReader } from '../photo-upload.js';
import { perMinuteLimit } from '../rate-limits.js';
import { multipartFieldsToReport, parseReport } from '../report-input.js';

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
    const code = normaliseTrackingCode(String(request.params.code));
    if (!code) {
      throw new ApiError(
        400,
        'INVALID_TRACKING_CODE',
        'A tracking code looks like TL-7KQ4-M2XD-9PBE.',
        'code',
      );
    }
    const found = await cases.findPublicStatus(code);
    if (!found)
      throw new ApiError(
        404,
        'CASE_NOT_FOUND',
        'No case has this tracking code. Check the code in your SMS.',
      );

    const { caseRow, alerts } = found;
    response.set('cache-control', 'no-store').json({
      trackingCode: caseRow.trackingCode,
      status: caseRow.status,
      reportedAt: new Date(caseRow.createdAt).toISOString(),
      district: caseRow.districtCode
        ? { code: caseRow.districtCode, name: caseRow.districtName, nameUr: caseRow.districtNameUr }
        : null,
      timeline: [
        { event: 'reported', at: new Date(caseRow.createdAt).toISOString() },
        ...alerts.map((alert: { post: string; createdAt: Date; acknowledgedAt: Date | null }) => ({
          event: `alerted-${alert.post.toLowerCase()}`,
          at: new Date(alert.createdAt).toISOString(),
        })),
        ...alerts
          .filter((alert: { acknowledgedAt: Date | null }) => alert.acknowledgedAt)
          .map((alert: { post: string; acknowledgedAt: Date | null }) => ({
            event: `acknowledged-${alert.post.toLowerCase()}`,
            at: new Date(alert.acknowledgedAt as Date).toISOString(),
          })),
        ...found.stateChanges.map((change) => ({
          event: `status-${change.state.replaceAll('_', '-')}`,
          at: new Date(change.at).toISOString(),
        })),
        ...found.missedDeadlines.map((missed) => deadlineTimelineEntry(missed.duty, missed.level, missed.at)),
      ].sort((a, b) => a.at.localeCompare(b.at)),
    });
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
