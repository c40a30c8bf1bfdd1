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

  /** Lists every account with its creation and deactivation time, by username. */
  async list(): Promise<(Officer & { createdAt: Date; disabledAt: Date | null })[]> {
    return this.db('accounts as a')
      .orderBy('a.username')
      .select([...OFFICER_COLUMNS, 'a.created_at as createdAt', 'a.disabled_at as disabledAt']);
  }

  async findById(accountId: string): Promise<(Officer & { disabledAt: Date | null }) | undefined> {
    return this.db('accounts as a')
      .where('a.id', accountId)
      .first([...OFFICER_COLUMNS, 'a.disabled_at as disabledAt']);
  }

  /** Sets disabled_at on an enabled account. Returns false when it was disabled already. */
  async disable(trx: Knex.Transaction, accountId: string): Promise<boolean> {
    const changed = await trx('accounts')
      .where({ id: accountId })
      .whereNull('disabled_at')
      .update({ disabled_at: trx.fn.now() });
    return changed > 0;
  }

  /** Ends every session of an account, for a disabled account or a changed password. */
  async revokeAllSessions(accountId: string, connection: Knex | Knex.Transaction = this.db): Promise<number> {
    return connection('account_sessions')
      .where({ account_id: accountId })
      .whereNull('revoked_at')
      .update({ revoked_at: connection.fn.now() });
  }
}
