import { Router } from 'express';
import { z } from 'zod';
import { NATIONAL_ROLES, type Officer } from '../../auth/roles.js';
import { ApiError } from '../../errors.js';
import type { AuditRepository } from '../../repositories/audit-repository.js';
import type { DashboardRepository } from '../../repositories/dashboard-repository.js';
import type { DeadlineRepository } from '../../repositories/deadline-repository.js';
import type { JurisdictionRepository } from '../../repositories/jurisdiction-repository.js';
import { assertAccess, caseScope } from '../../services/jurisdiction-access.js';
import { type OfficerSessions, signedInOfficer } from '../session.js';
import { parseOrThrow } from '../validation.js';
import { jurisdictionCode } from './dispatch-routes.js';

export const urgentCasesQuery = z
  .object({
    district: jurisdictionCode.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(200),
  })
  .strict();

export const districtCountsQuery = z
  .object({
    region: jurisdictionCode.optional(),
    province: jurisdictionCode.optional(),
    since: z.coerce.date().optional(),
  })
  .strict()
  .refine((query) => !(query.region && query.province), {
    message: 'give region or province, not both',
    path: ['province'],
  });

/** Roles that see counts per district: RPOs and IGs for their own area, national roles and analysts everywhere. */
export const DISTRICT_COUNT_ROLES = ['rpo', 'ig', 'national_supervisor', 'administrator', 'analyst'] as const;

/**
 * Serves the deadline dashboards: the open cases of the officer's jurisdiction by urgency with their
 * deadlines (DPO view), and open cases and missed deadlines per district of a region or province
 * (RPO and IG views).
 */
export function deadlineDashboardRoutes(dependencies: {
  sessions: OfficerSessions;
  dashboard: DashboardRepository;
  deadlines: DeadlineRepository;
  jurisdictions: JurisdictionRepository;
  audit: AuditRepository;
  now: () => Date;
}): Router {
  const { sessions, dashboard, deadlines, jurisdictions, audit, now } = dependencies;
  const router = Router();

  const findPath = async (code: string, level: 'district' | 'region' | 'province', field: string) => {
    const path = await jurisdictions.findLivePath(code);
    if (!path || path[level] !== code) {
      throw new ApiError(
        404,
        'JURISDICTION_NOT_FOUND',
        `${field}: no live ${level} has the code ${code}.`,
        field,
      );
    }
    return path;
  };

  router.get('/dashboard/cases', sessions.requireDispatcher, async (request, response) => {
    const query = parseOrThrow(urgentCasesQuery, request.query, 'INVALID_QUERY');
    const officer = signedInOfficer(request);
    let scope = caseScope(officer);
    if (scope === 'none') throw new ApiError(403, 'FORBIDDEN', `A ${officer.role} account has no cases.`);
    if (query.district) {
      assertAccess(
        officer,
        await findPath(query.district, 'district', 'district'),
        `District ${query.district}`,
      );
      scope = { level: 'district', code: query.district };
    }

    const found = await dashboard.listUrgentCases(scope, query.limit);
    const clocks = await deadlines.listForCases(found.map((item) => item.view.id));
    await audit.append({
      officer,
      action: 'dashboard.cases.list',
      address: request.ip ?? null,
      details: { count: found.length, district: query.district },
    });
    response.set('cache-control', 'no-store').json({
      serverTime: now().toISOString(),
      cases: found.map((item) => ({
        ...item.view,
        unacknowledged: item.unacknowledged,
        deadlines: (clocks.get(item.view.id) ?? []).map((clock) => ({
          duty: clock.duty,
          dueAt: clock.dueAt,
          doneAt: clock.doneAt,
          escalatedTo: escalationLevel(clock),
        })),
      })),
    });
  });

  router.get(
    '/dashboard/districts',
    sessions.requireRole(...DISTRICT_COUNT_ROLES),
    async (request, response) => {
      const query = parseOrThrow(districtCountsQuery, request.query, 'INVALID_QUERY');
      const officer = signedInOfficer(request);
      const parent = parentOf(officer, query);
      const path = await findPath(parent.code, parent.level, parent.level);
      if (officer.role === 'rpo' || officer.role === 'ig')
        assertAccess(officer, path, `${parent.level} ${parent.code}`);

      const districts = await dashboard.countByDistrict(parent, query.since ?? null);
      response.set('cache-control', 'no-store').json({ [parent.level]: parent.code, districts });
    },
  );

  return router;
}

/** Picks the region or province to count: the one requested, else the RPO's region or the IG's province. */
function parentOf(
  officer: Officer,
  query: { region?: string; province?: string },
): { level: 'region' | 'province'; code: string } {
  if (query.region) return { level: 'region', code: query.region };
  if (query.province) return { level: 'province', code: query.province };
  if (officer.role === 'rpo' && officer.jurisdictionCode)
    return { level: 'region', code: officer.jurisdictionCode };
  if (officer.role === 'ig' && officer.jurisdictionCode)
    return { level: 'province', code: officer.jurisdictionCode };
  const who =
    NATIONAL_ROLES.includes(officer.role) || officer.role === 'analyst' ? officer.role : 'this account';
  throw new ApiError(
    400,
    'INVALID_QUERY',
    `region: a ${who} account must give region or province.`,
    'region',
  );
}

/** Returns the highest post a deadline was escalated to, or null before any escalation. */
function escalationLevel(clock: { rpoEscalatedAt: string | null; igEscalatedAt: string | null }) {
  if (clock.igEscalatedAt) return 'IG';
  if (clock.rpoEscalatedAt) return 'RPO';
  return null;
}
