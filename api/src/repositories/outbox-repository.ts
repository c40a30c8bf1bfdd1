import type { Knex } from 'knex';

export type OutboxKind = 'sms' | 'dashboard';

export interface NewOutboxMessage {
  kind: OutboxKind;
  caseId: string;
  alertId?: string | null;
  recipient?: string | null;
  payload: object;
}

export interface OutboxMessage {
  id: string;
  kind: OutboxKind;
  caseId: string | null;
  alertId: string | null;
  recipient: string | null;
  payload: Record<string, unknown>;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
}

/** All SQL about the transactional outbox. */
export class OutboxRepository {
  constructor(private readonly db: Knex) {}

  async insert(trx: Knex.Transaction, messages: NewOutboxMessage[]): Promise<string[]> {
    if (messages.length === 0) return [];
    const rows = await trx('outbox')
      .insert(
        messages.map((message) => ({
          kind: message.kind,
          case_id: message.caseId,
          alert_id: message.alertId ?? null,
          recipient: message.recipient ?? null,
          payload: JSON.stringify(message.payload),
        })),
      )
      .returning('id');
    return rows.map((row: { id: string }) => row.id);
  }

  /**
   * Locks one pending message for delivery in the caller's transaction. Returns undefined when it is
   * already sent, missing, or locked by another worker that is delivering it right now.
   * The lock is FOR NO KEY UPDATE so that rows referencing the message (sms_log) can still be
   * inserted from another connection while it is held; FOR UPDATE would block them until commit.
   */
  async claim(trx: Knex.Transaction, id: string): Promise<OutboxMessage | undefined> {
    const result = await trx.raw<{ rows: OutboxMessage[] }>(
      `SELECT id, kind, case_id AS "caseId", alert_id AS "alertId", recipient, payload, status, attempts
       FROM outbox
       WHERE id = ? AND status = 'pending'
       FOR NO KEY UPDATE SKIP LOCKED`,
      [id],
    );
    return result.rows[0];
  }

  async markSent(trx: Knex.Transaction, id: string, gatewayMessageId: string | null): Promise<void> {
    await trx('outbox')
      .where({ id })
      .update({
        status: 'sent',
        sent_at: trx.fn.now(),
        gateway_message_id: gatewayMessageId,
        attempts: trx.raw('attempts + 1'),
      });
  }

  /** Records a failed delivery; `final` marks the row failed so that nothing retries it. */
  async recordFailedAttempt(id: string, error: string, final: boolean): Promise<void> {
    await this.db('outbox')
      .where({ id, status: 'pending' })
      .update({
        attempts: this.db.raw('attempts + 1'),
        last_error: error.slice(0, 1000),
        ...(final ? { status: 'failed' } : {}),
      });
  }

  /** Ids of messages still pending after `olderThanMs`, oldest first: the sweeper re-queues them. */
  async listStalePending(olderThanMs: number, limit: number): Promise<string[]> {
    const rows = await this.db('outbox')
      .where('status', 'pending')
      .andWhere('created_at', '<', this.db.raw(`now() - make_interval(secs => ?)`, [olderThanMs / 1000]))
      .orderBy('created_at')
      .limit(limit)
      .select('id');
    return rows.map((row: { id: string }) => row.id);
  }
}
