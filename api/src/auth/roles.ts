/** What an account may do. The string values are stored in accounts.role. */
export const ROLES = [
  'desk_officer',
  'dpo',
  'rpo',
  'ig',
  'analyst',
  'gis_officer',
  'national_supervisor',
  'administrator',
] as const;

export type Role = (typeof ROLES)[number];

/** The jurisdiction level each role is bound to; null for roles that act nationally or at an office. */
export const ROLE_LEVEL: Record<Role, 'district' | 'region' | 'province' | null> = {
  desk_officer: null,
  dpo: 'district',
  rpo: 'region',
  ig: 'province',
  analyst: null,
  gis_officer: 'province',
  national_supervisor: null,
  administrator: null,
};

/**
 * Roles that read and act on cases, scoped by their jurisdiction. Desk officers file reports for
 * citizens but do not follow cases; analysts and GIS officers work with other data.
 */
export const CASE_ROLES: readonly Role[] = ['dpo', 'rpo', 'ig', 'national_supervisor', 'administrator'];

/** Roles that see every jurisdiction, the unassigned queue and the audit trail. */
export const NATIONAL_ROLES: readonly Role[] = ['national_supervisor', 'administrator'];

/** The signed-in account as the API sees it on each request. */
export interface Officer {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  jurisdictionCode: string | null;
  office: string | null;
}
