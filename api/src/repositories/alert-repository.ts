import type { Knex } from 'knex';
import type { DeadlineDuty } from '../cases/deadlines.js';
import type { Post } from './case-repository.js';

/** An alert raised after intake: a missed deadline escalated to a post, or a case transferred in. */
export type LaterAlert =
  | { kind: 'escalation'; duty: DeadlineDuty; caseId: string; jurisdictionId: number; post: Post }
  | { kind: 'transfer'; caseId: string; jurisdictionId: number; post: Post };

/** SQL for alerts raised after intake, with their SMS and dashboard updates in the outbox. */
export class AlertRepository {
  /**
   * Inserts the alert, an SMS with `smsBody` to every duty officer holding the post in
   * `jurisdictionCode`, and the dashboard update that publishes the alert. Returns the alert id and
   * the outbox ids. An escalation violates the unique index alerts_escalation_post if it is
   * inserted twice for the same case, duty and post.
   */
  async insertWithMessages(
    trx: Knex.Transaction,
    alert: LaterAlert,
    jurisdictionCode: string,
    smsBody: string,
  ): Promise<{ alertId: string; outboxIds: string[] }> {
    const [inserted] = await trx('alerts')
      .insert({
        case_id: alert.caseId,
        jurisdiction_id: alert.jurisdictionId,
        post: alert.post,
        kind: alert.kind,
        deadline_duty: alert.kind === 'escalation' ? alert.duty : null,
      })
      .returning('id');
    const alertId = (inserted as { id: string }).id;

    const result = await trx.raw<{ rows: { id: string }[] }>(
      `INSERT INTO outbox (kind, case_id, alert_id, recipient, payload)
       SELECT 'sms', ?::uuid, ?::uuid, o.phone, jsonb_build_object('body', ?::text)
       FROM duty_officers o
       WHERE o.jurisdiction_code = ? AND o.post = ?
       UNION ALL
       SELECT 'dashboard', ?::uuid, NULL, NULL,
              jsonb_build_object('type', 'alerts', 'caseId', ?::text, 'alertIds', jsonb_build_array(?::text))
       RETURNING id`,
      [alert.caseId, alertId, smsBody, jurisdictionCode, alert.post, alert.caseId, alert.caseId, alertId],
    );
    return { alertId, outboxIds: result.rows.map((row) => row.id) };
  }
}
