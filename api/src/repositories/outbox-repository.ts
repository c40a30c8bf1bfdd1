import type { Knex } from 'knex';

export type OutboxKind = 'sms' | 'dashboard';

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

  /** Cases with messages still pending after `olderThanMs`, oldest first: the sweeper re-queues them. */
  async listStalePending(
    olderThanMs: number,
    limit: number,
  ): Promise<{ caseId: string; outboxIds: string[] }[]> {
    const result = await this.db.raw<{ rows: { caseId: string; outboxIds: string[] }[] }>(
      `SELECT case_id AS "caseId", array_agg(id ORDER BY created_at) AS "outboxIds"
       FROM outbox
       WHERE status = 'pending' AND created_at < now() - make_interval(secs => ?)
       GROUP BY case_id
       ORDER BY min(created_at)
       LIMIT ?`,
      [olderThanMs / 1000, limit],
    );
    return result.rows;
  }
}
