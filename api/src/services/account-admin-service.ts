import type { Knex } from 'knex';
import { MIN_PASSWORD_LENGTH } from '../auth/password.js';
import { type Officer, ROLE_LEVEL, type Role } from '../auth/roles.js';
import { ApiError } from '../errors.js';
import { createLogger } from '../logger.js';
import type { AccountRepository } from '../repositories/account-repository.js';
import type { AuditRepository } from '../repositories/audit-repository.js';
import { type AccountInput, AccountInputError, type AccountService } from './account-service.js';

const log = createLogger('AccountAdmin');

/**
 * Returns what is wrong with a new password, or undefined when it passes: at least
 * MIN_PASSWORD_LENGTH characters, not containing the username, and more than 4 distinct characters.
 */
export function passwordProblem(password: string, username: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `must have at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.toLowerCase().includes(username.toLowerCase())) return 'must not contain the username';
  if (new Set(password).size <= 4) return 'must use more than 4 different characters';
  return undefined;
}

/** Account creation and deactivation by an administrator, each audited. */
export class AccountAdminService {
  constructor(
    private readonly db: Knex,
    private readonly accounts: AccountService,
    private readonly repositories: { accounts: AccountRepository; audit: AuditRepository },
  ) {}

  async create(administrator: Officer, input: AccountInput, address: string | null): Promise<Officer> {
    checkFieldsForRole(input);
    const problem = passwordProblem(input.password, input.username);
    if (problem) throw new ApiError(400, 'INVALID_ACCOUNT', `password: ${problem}.`, 'password');
    if (await this.repositories.accounts.exists(input.username)) {
      throw new ApiError(
        409,
        'USERNAME_TAKEN',
        `username: ${input.username} is taken; choose another.`,
        'username',
      );
    }

    let created: Officer;
    try {
      created = await this.accounts.create(input);
    } catch (error) {
      if (error instanceof AccountInputError) {
        throw new ApiError(400, 'INVALID_ACCOUNT', `${error.field}: ${error.message}`, error.field);
      }
      // Two requests for one new username: the unique index lets one through.
      if ((error as { code?: string }).code === '23505') {
        throw new ApiError(
          409,
          'USERNAME_TAKEN',
          `username: ${input.username} is taken; choose another.`,
          'username',
        );
      }
      throw error;
    }
    await this.repositories.audit.append({
      officer: administrator,
      action: 'account.create',
      address,
      details: { accountId: created.id, role: created.role, jurisdictionCode: created.jurisdictionCode },
    });
    return created;
  }

  /** Disables an account and ends its sessions, so it can no longer sign in or act. */
  async deactivate(administrator: Officer, accountId: string, address: string | null): Promise<void> {
    if (accountId === administrator.id) {
      throw new ApiError(
        400,
        'CANNOT_DEACTIVATE_SELF',
        'accountId: an administrator cannot deactivate their own account; ask another administrator.',
        'accountId',
      );
    }
    const account = await this.repositories.accounts.findById(accountId);
    if (!account) throw new ApiError(404, 'ACCOUNT_NOT_FOUND', `No account has the id ${accountId}.`);

    const sessions = await this.db.transaction(async (trx) => {
      if (!(await this.repositories.accounts.disable(trx, accountId))) {
        throw new ApiError(
          409,
          'ACCOUNT_ALREADY_DEACTIVATED',
          `Account ${accountId} is deactivated already.`,
        );
      }
      const revoked = await this.repositories.accounts.revokeAllSessions(accountId, trx);
      await this.repositories.audit.append(
        {
          officer: administrator,
          action: 'account.deactivate',
          address,
          details: { accountId, sessions: revoked },
        },
        trx,
      );
      return revoked;
    });
    log.info({ accountId, sessions, byAccountId: administrator.id }, 'account deactivated');
  }
}

/** Rejects a jurisdiction or office given to a role that has none, instead of dropping it silently. */
function checkFieldsForRole(input: {
  role: Role;
  jurisdictionCode?: string | null;
  office?: string | null;
}): void {
  if (!ROLE_LEVEL[input.role] && input.jurisdictionCode) {
    throw new ApiError(
      400,
      'INVALID_ACCOUNT',
      `jurisdictionCode: a ${input.role} account acts without a jurisdiction; leave jurisdictionCode out.`,
      'jurisdictionCode',
    );
  }
  if (input.role !== 'desk_officer' && input.office) {
    throw new ApiError(
      400,
      'INVALID_ACCOUNT',
      `office: only desk_officer accounts have an office; leave office out for ${input.role}.`,
      'office',
    );
  }
}
