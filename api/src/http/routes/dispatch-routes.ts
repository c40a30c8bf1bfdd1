import { type Request, Router } from 'express';
import { z } from 'zod';
import { NATIONAL_ROLES } from '../../auth/roles.js';
import { ApiError } from '../../errors.js';
import type { AuditRepository } from '../../repositories/audit-repository.js';
import type { CaseRepository } from '../../repositories/case-repository.js';
import type { CaseWorkflowRepository } from '../../repositories/case-workflow-repository.js';
import type { JurisdictionRepository } from '../../repositories/jurisdiction-repository.js';
import { assertAccess, assertLiveJurisdictionAccess } from '../../services/jurisdiction-access.js';
import { type OfficerSessions, signedInOfficer } from '../session.js';
import type { SseHub } from '../sse-hub.js';
import { parseOrThrow } from '../validation.js';

export const jurisdictionCode = z
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
  province: jurisdictionCode.optional(),
  unassigned: z.enum(['0', '1', 'true', 'false']).optional(),
});
const uuid = z.string().uuid('must be a UUID');

export interface DispatchRouteDependencies {
  sessions: OfficerSessions;
  cases: CaseRepository;
  workflow: CaseWorkflowRepository;
  jurisdictions: JurisdictionRepository;
  audit: AuditRepository;
  hub: SseHub;
}

/**
 * Alerts by jurisdiction, the unassigned queue, case photos and the live event stream. Each route
 * checks the role, then that the jurisdiction asked for lies within the officer's own.
 */
export function dispatchRoutes(dependencies: DispatchRouteDependencies): Router {
  const { sessions, cases, workflow, jurisdictions, audit, hub } = dependencies;
  const router = Router();
  const caseRoles = sessions.requireDispatcher;
  const nationalRoles = sessions.requireRole(...NATIONAL_ROLES);

  const assertJurisdiction = (request: Request, code: string, field: string) =>
    assertLiveJurisdictionAccess(jurisdictions, signedInOfficer(request), code, field);

  const assertCase = async (request: Request, caseId: string) => {
    const path = await workflow.findPath(caseId);
    if (!path) throw new ApiError(404, 'CASE_NOT_FOUND', `No case has the id ${caseId}.`);
    assertAccess(signedInOfficer(request), path, `Case ${caseId}`);
  };

  router.get('/alerts', caseRoles, async (request, response) => {
    const query = parseOrThrow(alertsQuery, request.query, 'INVALID_QUERY');
    const code = (query.district ?? query.region) as string;
    await assertJurisdiction(request, code, query.district ? 'district' : 'region');
    const alerts = await cases.listAlerts(code, query.limit);
    await audit.append({
      officer: signedInOfficer(request),
      action: 'alerts.list',
      address: request.ip ?? null,
      details: { jurisdictionCode: code, count: alerts.length },
    });
    response.set('cache-control', 'no-store').json({ alerts });
  });

  // Cases outside every district have no DPO; the national desk routes them.
  router.get('/cases/unassigned', nationalRoles, async (request, response) => {
    const query = parseOrThrow(z.object({ limit }), request.query, 'INVALID_QUERY');
    const found = await cases.listUnassigned(query.limit);
    await audit.append({
      officer: signedInOfficer(request),
      action: 'cases.unassigned.list',
      address: request.ip ?? null,
      details: { count: found.length },
    });
    response.set('cache-control', 'no-store').json({ cases: found });
  });

  router.get('/cases/:caseId/photos', caseRoles, async (request, response) => {
    const caseId = parseOrThrow(uuid, request.params.caseId, 'INVALID_CASE_ID');
    await assertCase(request, caseId);
    const photoIds = await cases.listPhotoIds(caseId);
    response.set('cache-control', 'no-store').json({
      photos: photoIds.map((id) => ({ id, url: `/api/cases/${caseId}/photos/${id}` })),
    });
  });

  router.get('/cases/:caseId/photos/:photoId', caseRoles, async (request, response) => {
    const caseId = parseOrThrow(uuid, request.params.caseId, 'INVALID_CASE_ID');
    const photoId = parseOrThrow(uuid, request.params.photoId, 'INVALID_PHOTO_ID');
    await assertCase(request, caseId);
    const photo = await cases.findPhoto(caseId, photoId);
    if (!photo) throw new ApiError(404, 'PHOTO_NOT_FOUND', `Case ${caseId} has no photo ${photoId}.`);
    await audit.append({
      officer: signedInOfficer(request),
      action: 'case.photo.view',
      caseId,
      address: request.ip ?? null,
      details: { photoId },
    });
    response.set('cache-control', 'private, no-store').type(photo.mediaType).send(photo.content);
  });

  router.get('/events', caseRoles, async (request, response) => {
    const query = parseOrThrow(eventsQuery, request.query, 'INVALID_QUERY');
    const codes = [query.district, query.region, query.province].filter((code): code is string =>
      Boolean(code),
    );
    const unassigned = query.unassigned === '1' || query.unassigned === 'true';
    if (codes.length === 0 && !unassigned) {
      throw new ApiError(
        400,
        'INVALID_QUERY',
        'Give district, region, province or unassigned=1 to choose what to follow.',
        'district',
      );
    }
    if (query.district) await assertJurisdiction(request, query.district, 'district');
    if (query.region) await assertJurisdiction(request, query.region, 'region');
    if (query.province) await assertJurisdiction(request, query.province, 'province');
    const officer = signedInOfficer(request);
    if (unassigned && !NATIONAL_ROLES.includes(officer.role)) {
      throw new ApiError(
        403,
        'FORBIDDEN',
        `unassigned: the unassigned queue is for ${NATIONAL_ROLES.join(', ')}.`,
      );
    }
    await audit.append({
      officer,
      action: 'events.open',
      address: request.ip ?? null,
      details: { codes, unassigned },
    });
    hub.open(response, codes, unassigned);
  });

  return router;
}
