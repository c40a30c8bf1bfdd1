import { createHash, randomBytes } from 'node:crypto';
import {
  decoyPasswordHash,
  hashPassword,
  MIN_PASSWORD_LENGTH,
  needsRehash,
  verifyPassword,
} from '../auth/password.js';
import { type Officer, ROLE_LEVEL, type Role } from '../auth/roles.js';
import { createLogger } from '../logger.js';
import type { AccountRepository } from '../repositories/account-repository.js';
import type { JurisdictionRepository } from '../repositories/jurisdiction-repository.js';

const log = createLogger('AccountService');
export const SESSION_HOURS = 12;

export interface AccountInput {
  username: string;
  displayName: string;
  role: Role;
  jurisdictionCode?: string | null;
  office?: string | null;
  password: string;
}

export class AccountInputError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'AccountInputError';
  }
}

/** Sign-in, sessions and account creation. */
export class AccountService {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly jurisdictions: JurisdictionRepository,
  ) {}

  async create(input: AccountInput): Promise<Officer> {
    const level = ROLE_LEVEL[input.role];
    const jurisdictionCode = level ? (input.jurisdictionCode ?? null) : null;
    if (level && !jurisdictionCode) {
      throw new AccountInputError(
        `A ${input.role} account needs the code of its ${level}.`,
        'jurisdictionCode',
      );
    }
    if (level && jurisdictionCode && !(await this.jurisdictions.findLive(level, jurisdictionCode))) {
      throw new AccountInputError(
        `${jurisdictionCode} is not a ${level} of the live boundaries; use a code from GET /api/jurisdictions.`,
        'jurisdictionCode',
      );
    }
    if (input.role === 'desk_officer' && !input.office) {
      throw new AccountInputError(
        'A desk officer account needs the office where reports are filed.',
        'office',
      );
    }
    if (input.password.length < MIN_PASSWORD_LENGTH) {
      throw new AccountInputError(
        `The password needs at least ${MIN_PASSWORD_LENGTH} characters.`,
        'password',
      );
    }

    const officer = await this.accounts.insert({
      username: input.username,
      displayName: input.displayName,
      role: input.role,
      jurisdictionCode,
      office: input.role === 'desk_officer' ? (input.office ?? null) : null,
      passwordHash: await hashPassword(input.password),
    });
    log.info({ accountId: officer.id, role: officer.role }, 'account created');
    return officer;
  }

  /**
   * The account for a username and password, or undefined. An unknown username costs the same hash
   * verification as a wrong password, so response times do not reveal which accounts exist.
   */
  async authenticate(username: string, password: string): Promise<Officer | undefined> {
    const account = await this.accounts.findForSignIn(username);
    if (!account) {
      await verifyPassword(await decoyPasswordHash(), password);
      return undefined;
    }
    if (!(await verifyPassword(account.passwordHash, password))) return undefined;

    if (needsRehash(account.passwordHash)) {
      await this.accounts.updatePasswordHash(account.id, await hashPassword(password));
    }
    const { passwordHash: _hash, ...officer } = account;
    return officer;
  }

  /** Starts a session: the returned token goes in the cookie, only its hash is stored. */
  async startSession(officer: Officer): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + SESSION_HOURS * 3600_000);
    await this.accounts.insertSession(tokenHash(token), officer.id, expiresAt);
    return { token, expiresAt };
  }

  findSession(token: string): Promise<Officer | undefined> {
    return this.accounts.findSessionOfficer(tokenHash(token));
  }

  endSession(token: string): Promise<void> {
    return this.accounts.revokeSession(tokenHash(token));
  }
}

function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
