import { Router } from 'express';
import { z } from 'zod';
import type { AuditRepository } from '../../repositories/audit-repository.js';
import type { JurisdictionRepository } from '../../repositories/jurisdiction-repository.js';
import type { SightingRepository } from '../../repositories/sighting-repository.js';
import { assertLiveJurisdictionAccess } from '../../services/jurisdiction-access.js';
import { type OfficerSessions, signedInOfficer } from '../session.js';
import { parseOrThrow } from '../validation.js';
import { jurisdictionCode } from './dispatch-routes.js';

const routedQuery = z
  .object({ district: jurisdictionCode, limit: z.coerce.number().int().min(1).max(500).default(100) })
  .strict();

/**
 * GET /api/sightings?district=CODE: the sightings routed to a district, because they were seen there
 * or because they name a case of that district. Case roles only, inside their jurisdiction; audited,
 * because the rows carry the reporter's phone.
 */
export function routedSightingRoutes(dependencies: {
  sessions: OfficerSessions;
  sightings: SightingRepository;
  jurisdictions: JurisdictionRepository;
  audit: AuditRepository;
}): Router {
  const { sessions, sightings, jurisdictions, audit } = dependencies;
  const router = Router();

  router.get('/sightings', sessions.requireDispatcher, async (request, response) => {
    const query = parseOrThrow(routedQuery, request.query, 'INVALID_QUERY');
    const officer = signedInOfficer(request);
    await assertLiveJurisdictionAccess(jurisdictions, officer, query.district, 'district');
    const routed = await sightings.listRouted(query.district, query.limit);
    await audit.append({
      officer,
      action: 'sightings.list',
      address: request.ip ?? null,
      details: { jurisdictionCode: query.district, count: routed.length },
    });
    response.set('cache-control', 'no-store').json({ sightings: routed });
  });

  return router;
}
