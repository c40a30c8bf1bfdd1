import { Router } from 'express';
import { z } from 'zod';
import { NATIONAL_ROLES } from '../../auth/roles.js';
import { allowedMoves, CASE_STATES, isCaseState, transitionInput } from '../../cases/case-states.js';
import { ApiError } from '../../errors.js';
import type { AuditRepository } from '../../repositories/audit-repository.js';
import type { CaseRepository } from '../../repositories/case-repository.js';
import type { CaseWorkflowRepository } from '../../repositories/case-workflow-repository.js';
import type { JurisdictionRepository } from '../../repositories/jurisdiction-repository.js';
import type { CaseWorkflowService } from '../../services/case-workflow-service.js';
import { assertAccess, assertLiveJurisdictionAccess, caseScope } from '../../services/jurisdiction-access.js';
import { type OfficerSessions, signedInOfficer } from '../session.js';
import { parseOrThrow } from '../validation.js';
import { jurisdictionCode } from './dispatch-routes.js';

const uuid = z.string().uuid('must be a UUID');
export const casesQuery = z
  .object({
    status: z.enum(CASE_STATES).optional(),
    district: jurisdictionCode.optional(),
    from: z.coerce.date().optional(),
    to: z.coerce.date().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
const alertsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }).strict();

export interface CaseRouteDependencies {
  sessions: OfficerSessions;
  cases: CaseRepository;
  workflow: CaseWorkflowRepository;
  jurisdictions: JurisdictionRepository;
  service: CaseWorkflowService;
  audit: AuditRepository;
}

/** The officer's cases, one case in full, its state changes, and the officer's own alerts. */
export function caseRoutes(dependencies: CaseRouteDependencies): Router {
  const { sessions, cases, workflow, jurisdictions, service, audit } = dependencies;
  const router = Router();
  const caseRoles = sessions.requireDispatcher;

  router.get('/cases', caseRoles, async (request, response) => {
    const query = parseOrThrow(casesQuery, request.query, 'INVALID_QUERY');
    const officer = signedInOfficer(request);
    const scope = caseScope(officer);
    if (scope === 'none') throw new ApiError(403, 'FORBIDDEN', `A ${officer.role} account has no cases.`);
    // A district outside the officer's jurisdiction is rejected, as on every other route, rather than
    // returned as an empty list.
    if (query.district)
      await assertLiveJurisdictionAccess(jurisdictions, officer, query.district, 'district');
    const found = await workflow.list({ ...query, scope });
    await audit.append({
      officer,
      action: 'cases.list',
      address: request.ip ?? null,
      details: { count: found.length, status: query.status, district: query.district },
    });
    response.set('cache-control', 'no-store').json({ cases: found });
  });

  router.get('/cases/:caseId', caseRoles, async (request, response, next) => {
    // /cases/unassigned and other fixed paths belong to other routers.
    if (!uuid.safeParse(request.params.caseId).success) return next();
    const caseId = request.params.caseId as string;
    const officer = signedInOfficer(request);
    const detail = await workflow.findDetail(caseId);
    if (!detail) throw new ApiError(404, 'CASE_NOT_FOUND', `No case has the id ${caseId}.`);
    assertAccess(officer, detail.path, `Case ${caseId}`);

    await audit.append({ officer, action: 'case.view', caseId, address: request.ip ?? null });
    const status = detail.view.status;
    response.set('cache-control', 'no-store').json({
      case: {
        ...detail.view,
        lastSeen: { ...detail.view.lastSeen, placeDescription: detail.placeDescription },
        reporter: detail.reporter,
        fir: detail.firNumber ? { number: detail.firNumber, policeStation: detail.policeStation } : null,
        statusChangedAt: detail.statusChangedAt,
        allowedTransitions: isCaseState(status) ? allowedMoves(status) : [],
      },
    });
  });

  router.post('/cases/:caseId/transitions', caseRoles, async (request, response) => {
    const caseId = parseOrThrow(uuid, request.params.caseId, 'INVALID_CASE_ID');
    const input = parseOrThrow(transitionInput, request.body, 'INVALID_TRANSITION_FIELDS');
    const result = await service.transition(signedInOfficer(request), caseId, input, request.ip ?? null);
    response.status(201).json(result);
  });

  // DPOs, RPOs and IGs get the alerts addressed to their own post; national roles every alert.
  router.get('/dispatch/alerts', caseRoles, async (request, response) => {
    const query = parseOrThrow(alertsQuery, request.query, 'INVALID_QUERY');
    const officer = signedInOfficer(request);
    const national = NATIONAL_ROLES.includes(officer.role);
    const alerts = national
      ? await cases.listAllAlerts(query.limit)
      : await cases.listAlerts(officer.jurisdictionCode as string, query.limit);
    await audit.append({
      officer,
      action: 'alerts.list',
      address: request.ip ?? null,
      details: { count: alerts.length },
    });
    response.set('cache-control', 'no-store').json({ alerts });
  });

  return router;
}
