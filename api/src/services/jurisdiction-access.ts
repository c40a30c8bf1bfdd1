import { CASE_ROLES, NATIONAL_ROLES, type Officer, ROLE_LEVEL } from '../auth/roles.js';
import { ApiError } from '../errors.js';
import type { JurisdictionPath, JurisdictionRepository } from '../repositories/jurisdiction-repository.js';

/**
 * Whether an officer may see what lies at `path`: a DPO its district, an RPO its region, an IG its
 * province, national roles everything, including cases outside every district (all-null path).
 */
export function canAccess(officer: Officer, path: JurisdictionPath): boolean {
  if (NATIONAL_ROLES.includes(officer.role)) return true;
  if (!CASE_ROLES.includes(officer.role) || !officer.jurisdictionCode) return false;
  const level = ROLE_LEVEL[officer.role];
  return level !== null && path[level] === officer.jurisdictionCode;
}

/** Throws 403 FORBIDDEN unless the officer may see `path`; `what` names the thing for the message. */
export function assertAccess(officer: Officer, path: JurisdictionPath, what: string): void {
  if (canAccess(officer, path)) return;
  throw new ApiError(
    403,
    'FORBIDDEN',
    `${what} is outside the jurisdiction of this account (${officer.role} ${officer.jurisdictionCode ?? 'national'}).`,
  );
}

/**
 * Throws 404 JURISDICTION_NOT_FOUND naming `field` when no live jurisdiction has `code`, and 403
 * FORBIDDEN when the officer may not see it.
 */
export async function assertLiveJurisdictionAccess(
  jurisdictions: Pick<JurisdictionRepository, 'findLivePath'>,
  officer: Officer,
  code: string,
  field: string,
): Promise<void> {
  const path = await jurisdictions.findLivePath(code);
  if (!path) {
    throw new ApiError(
      404,
      'JURISDICTION_NOT_FOUND',
      `${field}: no live jurisdiction has the code ${code}.`,
      field,
    );
  }
  assertAccess(officer, path, `Jurisdiction ${code}`);
}

/** The SQL scope of the cases an officer may list: a jurisdiction code at a level, or everything. */
export function caseScope(
  officer: Officer,
): { level: 'district' | 'region' | 'province'; code: string } | 'all' | 'none' {
  if (NATIONAL_ROLES.includes(officer.role)) return 'all';
  const level = ROLE_LEVEL[officer.role];
  if (!CASE_ROLES.includes(officer.role) || !level || !officer.jurisdictionCode) return 'none';
  return { level, code: officer.jurisdictionCode };
}
