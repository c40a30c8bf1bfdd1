import type { Knex } from 'knex';
import type { Officer } from '../auth/roles.js';

export interface AuditEntry {
  officer: Officer | null;
  action: string;
  caseId?: string | null;
  address?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditRow {
  id: string;
  at: string;
  accountId: string | null;
  username: string | null;
  role: string | null;
  action: string;
  caseId: string | null;
  address: string | null;
  details: Record<string, unknown>;
}

export interface AuditFilter {
  action?: string;
  caseId?: string;
  username?: string;
  from?: Date;
  to?: Date;
  /** Rows with an id below this one: the cursor of the next page. */
  before?: string;
  limit: number;
}

/** All SQL about the append-only audit trail. */
export class AuditRepository {
  constructor(private readonly db: Knex) {}

  async append(entry: AuditEntry, connection: Knex | Knex.Transaction = this.db): Promise<void> {
    await connection('audit_log').insert({
      account_id: entry.officer?.id ?? null,
      username: entry.officer?.username ?? null,
      role: entry.officer?.role ?? null,
      action: entry.action,
      case_id: entry.caseId ?? null,
      address: entry.address ?? null,
      details: JSON.stringify(entry.details ?? {}),
    });
  }

  /** Newest first; page with `before` set to the last id of the previous page. */
  async list(filter: AuditFilter): Promise<AuditRow[]> {
    const query = this.db('audit_log')
      .orderBy('id', 'desc')
      .limit(filter.limit)
      .select(
        'id',
        'at',
        'account_id as accountId',
        'username',
        'role',
        'action',
        'case_id as caseId',
        'address',
        'details',
      );
    if (filter.action) query.where('action', filter.action);
    if (filter.caseId) query.where('case_id', filter.caseId);
    if (filter.username) query.where('username', filter.username);
    if (filter.from) query.where('at', '>=', filter.from);
    if (filter.to) query.where('at', '<', filter.to);
    if (filter.before) query.where('id', '<', filter.before);
    const rows = await query;
    return rows.map((row: Omit<AuditRow, 'id' | 'at'> & { id: number | string; at: Date }) => ({
      ...row,
      id: String(row.id),
      at: row.at.toISOString(),
    }));
  }
}
