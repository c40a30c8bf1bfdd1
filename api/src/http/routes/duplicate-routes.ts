import { Router } from 'express';
import { z } from 'zod';
import type { AuditRepository } from '../../repositories/audit-repository.js';
import type { DuplicateService } from '../../services/duplicate-service.js';
import { reasonSchema } from '../reason-input.js';
import { type OfficerSessions, signedInOfficer } from '../session.js';
import { parseOrThrow } from '../validation.js';

const uuid = z.string().uuid('must be a UUID');
export const linkBody = z.object({ caseId: uuid, reason: reasonSchema }).strict();
export const unlinkBody = z.object({ reason: reasonSchema }).strict();

/**
 * Duplicate reports of one child: the candidates of a case, and linking or unlinking two cases.
 * Each route needs a case role, and both cases must lie in the officer's jurisdiction.
 */
export function duplicateRoutes(dependencies: {
  sessions: OfficerSessions;
  service: DuplicateService;
  audit: AuditRepository;
}): Router {
  const { sessions, service, audit } = dependencies;
  const router = Router();
  const caseRoles = sessions.requireDispatcher;

  router.get('/cases/:caseId/duplicates', caseRoles, async (request, response) => {
    const caseId = parseOrThrow(uuid, request.params.caseId, 'INVALID_CASE_ID');
    const officer = signedInOfficer(request);
    const found = await service.list(officer, caseId);
    await audit.append({
      officer,
      action: 'case.duplicates.list',
      caseId,
      address: request.ip ?? null,
      details: { count: found.candidates.length },
    });
    response.set('cache-control', 'no-store').json(found);
  });

  router.post('/cases/:caseId/duplicates', caseRoles, async (request, response) => {
    const caseId = parseOrThrow(uuid, request.params.caseId, 'INVALID_CASE_ID');
    const body = parseOrThrow(linkBody, request.body, 'INVALID_DUPLICATE');
    const linked = await service.link(
      signedInOfficer(request),
      caseId,
      body.caseId,
      body.reason,
      request.ip ?? null,
    );
    response.status(201).json(linked);
  });

  router.delete('/cases/:caseId/duplicates/:otherCaseId', caseRoles, async (request, response) => {
    const caseId = parseOrThrow(uuid, request.params.caseId, 'INVALID_CASE_ID');
    const otherCaseId = parseOrThrow(uuid, request.params.otherCaseId, 'INVALID_CASE_ID');
    const body = parseOrThrow(unlinkBody, request.body ?? {}, 'INVALID_DUPLICATE');
    const unlinked = await service.unlink(
      signedInOfficer(request),
      caseId,
      otherCaseId,
      body.reason,
      request.ip ?? null,
    );
    response.json(unlinked);
  });

  return router;
}
