import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import type { Role } from '../api/src/auth/roles.js';
import { AccountRepository } from '../api/src/repositories/account-repository.js';
import { JurisdictionRepository } from '../api/src/repositories/jurisdiction-repository.js';
import { AccountService } from '../api/src/services/account-service.js';

export const SAMPLE_ACCOUNTS_FILE = fileURLToPath(
  new URL('../data/runtime/sample-accounts.txt', import.meta.url),
);

const SAMPLE_ACCOUNTS: {
  username: string;
  displayName: string;
  role: Role;
  jurisdictionCode?: string;
  office?: string;
}[] = [
  {
    username: 'dpo.lahore',
    displayName: 'DPO Lahore (sample)',
    role: 'dpo',
    jurisdictionCode: 'PK-PB-LAHORE',
  },
  {
    username: 'dpo.karachi-south',
    displayName: 'DPO Karachi South (sample)',
    role: 'dpo',
    jurisdictionCode: 'PK-SD-KARACHI-SOUTH',
  },
  {
    username: 'rpo.lahore',
    displayName: 'RPO Lahore (sample)',
    role: 'rpo',
    jurisdictionCode: 'PK-PB-LAHORE-DIV',
  },
  { username: 'ig.punjab', displayName: 'IG Punjab (sample)', role: 'ig', jurisdictionCode: 'PK-PB' },
  {
    username: 'desk.lahore',
    displayName: 'Desk officer (sample)',
    role: 'desk_officer',
    office: 'Khidmat Markaz Lahore',
  },
  { username: 'supervisor', displayName: 'National supervisor (sample)', role: 'national_supervisor' },
  { username: 'admin', displayName: 'Administrator (sample)', role: 'administrator' },
  {
    username: 'gis.punjab',
    displayName: 'GIS officer Punjab (sample)',
    role: 'gis_officer',
    jurisdictionCode: 'PK-PB',
  },
  { username: 'analyst', displayName: 'Analyst (sample)', role: 'analyst' },
];

/**
 * Creates the sample officer accounts that do not exist yet, each with a random password, and
 * appends them to data/runtime/sample-accounts.txt (readable by its owner only). Returns the new ones.
 */
export async function loadSampleAccounts(
  db: Knex,
  options: { administratorOnly?: boolean } = {},
): Promise<{ username: string; role: Role; password: string }[]> {
  const repository = new AccountRepository(db);
  const service = new AccountService(repository, new JurisdictionRepository(db));
  const created: { username: string; role: Role; password: string }[] = [];
  for (const account of SAMPLE_ACCOUNTS) {
    if (options.administratorOnly && account.role !== 'administrator') continue;
    if (await repository.exists(account.username)) continue;
    const password = randomBytes(15).toString('base64url');
    await service.create({ ...account, password });
    created.push({ username: account.username, role: account.role, password });
  }
  if (created.length === 0) return created;

  const previous = existsSync(SAMPLE_ACCOUNTS_FILE) ? readFileSync(SAMPLE_ACCOUNTS_FILE, 'utf8') : '';
  const lines = created.map((account) => `${account.username}\t${account.password}\t${account.role}`);
  mkdirSync(dirname(SAMPLE_ACCOUNTS_FILE), { recursive: true });
  writeFileSync(SAMPLE_ACCOUNTS_FILE, `${previous}${lines.join('\n')}\n`, { mode: 0o600 });
  chmodSync(SAMPLE_ACCOUNTS_FILE, 0o600);
  return created;
}
