import { Router } from 'express';
import { z } from 'zod';
import { ROLES } from '../../auth/roles.js';
import type { AccountRepository } from '../../repositories/account-repository.js';
import type { AccountAdminService } from '../../services/account-admin-service.js';
import { type OfficerSessions, signedInOfficer } from '../session.js';
import { parseOrThrow } from '../validation.js';

export const accountBody = z
  .object({
    username: z
      .string()
      .trim()
      .toLowerCase()
      .regex(
        /^[a-z0-9][a-z0-9._-]{2,63}$/,
        'must be 3 to 64 characters: letters, digits, dots, hyphens and underscores, starting with a letter or digit',
      ),
    displayName: z.string().trim().min(1, 'must not be empty').max(200),
    role: z.enum(ROLES),
    jurisdictionCode: z
      .string()
      .trim()
      .regex(/^[A-Z0-9-]{2,80}$/, 'must be a jurisdiction code such as PK-PB-LAHORE')
      .optional(),
    office: z.string().trim().min(1, 'must not be empty').max(200).optional(),
    password: z.string().max(1024, 'must be at most 1024 characters'),
  })
  .strict();

const uuid = z.string().uuid('must be a UUID');

/** Account administration: list, create and deactivate officer accounts. Administrators only. */
export function accountRoutes(dependencies: {
  sessions: OfficerSessions;
  service: AccountAdminService;
  accounts: AccountRepository;
}): Router {
  const { sessions, service, accounts } = dependencies;
  const router = Router();
  const administrators = sessions.requireRole('administrator');

  router.get('/accounts', administrators, async (_request, response) => {
    const found = await accounts.list();
    response.set('cache-control', 'no-store').json({
      accounts: found.map((account) => ({
        ...account,
        createdAt: account.createdAt.toISOString(),
        disabledAt: account.disabledAt ? account.disabledAt.toISOString() : null,
      })),
    });
  });

  router.post('/accounts', administrators, async (request, response) => {
    const body = parseOrThrow(accountBody, request.body, 'INVALID_ACCOUNT');
    const created = await service.create(signedInOfficer(request), body, request.ip ?? null);
    response.status(201).json({ account: created });
  });

  router.post('/accounts/:accountId/deactivate', administrators, async (request, response) => {
    const accountId = parseOrThrow(uuid, request.params.accountId, 'INVALID_ACCOUNT_ID');
    await service.deactivate(signedInOfficer(request), accountId, request.ip ?? null);
    response.status(204).end();
  });

  return router;
}
