import type { Knex } from 'knex';
import type { Officer, Role } from '../auth/roles.js';

export interface NewAccount {
  username: string;
  displayName: string;
  role: Role;
  jurisdictionCode: string | null;
  office: string | null;
  passwordHash: string;
}

const OFFICER_COLUMNS = [
  'a.id',
  'a.username',
  'a.display_name as displayName',
  'a.role',
  'a.jurisdiction_code as jurisdictionCode',
  'a.office',
];

/** All SQL about officer accounts and their sessions. */
export class AccountRepository {
  constructor(private readonly db: Knex) {}

  async insert(account: NewAccount): Promise<Officer> {
    const [row] = await this.db('accounts as a')
      .insert({
        username: account.username,
        display_name: account.displayName,
        role: account.role,
        jurisdiction_code: account.jurisdictionCode,
        office: account.office,
        password_hash: account.passwordHash,
      })
      .returning(OFFICER_COLUMNS.map((column) => column.replace('a.', '')));
    return row as Officer;
  }

  /** An enabled account and its password hash, for sign-in. */
  async findForSignIn(username: string): Promise<(Officer & { passwordHash: string }) | undefined> {
    return this.db('accounts as a')
      .where({ 'a.username': username })
      .whereNull('a.disabled_at')
      .first([...OFFICER_COLUMNS, 'a.password_hash as passwordHash']);
  }

  async exists(username: string): Promise<boolean> {
    return Boolean(await this.db('accounts').where({ username }).first('id'));
  }

  async updatePasswordHash(accountId: string, passwordHash: string): Promise<void> {
    await this.db('accounts').where({ id: accountId }).update({ password_hash: passwordHash });
  }

  async insertSession(tokenSha256: Buffer, accountId: string, expiresAt: Date): Promise<void> {
    await this.db('account_sessions').insert({
      token_sha256: tokenSha256,
      account_id: accountId,
      expires_at: expiresAt,
    });
  }

  /** The account of a live session: not expired, not revoked, account not disabled. */
  async findSessionOfficer(tokenSha256: Buffer): Promise<Officer | undefined> {
    return this.db('account_sessions as s')
      .join('accounts as a', 'a.id', 's.account_id')
      .where('s.token_sha256', tokenSha256)
      .whereNull('s.revoked_at')
      .whereNull('a.disabled_at')
      .where('s.expires_at', '>', this.db.fn.now())
      .first(OFFICER_COLUMNS);
  }

  async revokeSession(tokenSha256: Buffer): Promise<void> {
    await this.db('account_sessions')
      .where({ token_sha256: tokenSha256 })
      .whereNull('revoked_at')
      .update({ revoked_at: this.db.fn.now() });
  }

  /** Ends every session of an account, for a disabled account or a changed password. */
  async revokeAllSessions(accountId: string): Promise<number> {
    return this.db('account_sessions')
      .where({ account_id: accountId })
      .whereNull('revoked_at')
      .update({ revoked_at: this.db.fn.now() });
  }
}
