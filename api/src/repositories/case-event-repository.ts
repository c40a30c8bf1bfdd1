import type { Knex } from 'knex';

/** The author of a case event: 'system', 'public', or `account:<id>` for a signed-in officer (never a name). */
export type CaseEventActor = 'system' | 'public' | `account:${string}`;

export interface NewCaseEvent {
  caseId: string;
  kind: string;
  actor: CaseEventActor;
  details?: Record<string, unknown>;
}

export interface CaseEvent {
  id: string;
  caseId: string;
  at: string;
  kind: string;
  actor: string;
  details: Record<string, unknown>;
}

/** All SQL about the append-only case timeline (case_events). */
export class CaseEventRepository {
  constructor(private readonly db: Knex) {}

  async append(event: NewCaseEvent, connection: Knex | Knex.Transaction = this.db): Promise<void> {
    await connection('case_events').insert({
      case_id: event.caseId,
      kind: event.kind,
      actor: event.actor,
      details: JSON.stringify(event.details ?? {}),
    });
  }

  /** Lists a case's events, oldest first. */
  async list(caseId: string, limit: number): Promise<CaseEvent[]> {
    const rows = await this.db('case_events')
      .where({ case_id: caseId })
      .orderBy([{ column: 'at' }, { column: 'id' }])
      .limit(limit)
      .select('id', 'case_id as caseId', 'at', 'kind', 'actor', 'details');
    return rows.map(
      (row: {
        id: number;
        caseId: string;
        at: Date;
        kind: string;
        actor: string;
        details: Record<string, unknown>;
      }) => ({
        ...row,
        id: String(row.id),
        at: row.at.toISOString(),
      }),
    );
  }
}
