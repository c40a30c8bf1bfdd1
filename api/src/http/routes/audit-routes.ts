import { Router } from 'express';
import { z } from 'zod';
import { NATIONAL_ROLES } from '../../auth/roles.js';
import type { AuditRepository } from '../../repositories/audit-repository.js';
import type { OfficerSessions } from '../session.js';
import { parseOrThrow } from '../validation.js';

export const auditQuery = z
  .object({
    action: z.string().trim().max(60).optional(),
    caseId: z.string().uuid('must be a UUID').optional(),
    username: z.string().trim().toLowerCase().max(64).optional(),
    from: z.coerce.date().optional(),
    to: z.coerce.date().optional(),
    before: z
      .string()
      .regex(/^\d{1,19}$/, 'must be the id of an audit row')
      .optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

/** The audit trail, for national supervisors and administrators. Newest first, paged by id. */
export function auditRoutes(sessions: OfficerSessions, audit: AuditRepository): Router {
  const router = Router();

  router.get('/audit', sessions.requireRole(...NATIONAL_ROLES), async (request, response) => {
    const query = parseOrThrow(auditQuery, request.query, 'INVALID_QUERY');
    const entries = await audit.list(query);
    const last = entries.at(-1);
    response.set('cache-control', 'no-store').json({
      entries,
      next: entries.length === query.limit && last ? last.id : null,
    });
  });

  return router;
}
