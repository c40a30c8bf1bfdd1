import type { Knex } from 'knex';
import type { SmsGateway, SmsMessage, SmsSendResult } from './sms-gateway.js';

/**
 * Development driver: "sends" by writing the message to the sms_log table. The unique outbox_id
 * makes a second delivery of the same message a no-op, as a real gateway's idempotency key would.
 */
export class LogSmsGateway implements SmsGateway {
  readonly name = 'log';

  constructor(private readonly db: Knex) {}

  async send(message: SmsMessage): Promise<SmsSendResult> {
    const result = await this.db.raw<{ rows: { id: number }[] }>(
      `INSERT INTO sms_log (outbox_id, recipient, body) VALUES (?, ?, ?)
       ON CONFLICT (outbox_id) DO UPDATE SET outbox_id = EXCLUDED.outbox_id
       RETURNING id`,
      [message.idempotencyKey, message.recipient, message.body],
    );
    return { gatewayMessageId: `log-${result.rows[0]?.id}` };
  }

  /**
   * Writes all the messages in one statement, so a busy worker pays one statement per job. The commit
   * does not wait for the WAL flush, so that this stand-in gateway does not hold up report intake,
   * whose commits must wait. A row lost in a crash is written again by the outbox retry, which runs
   * because the worker's "sent" mark, committed after this row, is lost with it.
   */
  async sendMany(messages: SmsMessage[]): Promise<SmsSendResult[]> {
    return this.db.transaction(async (trx) => {
      await trx.raw('SET LOCAL synchronous_commit = off');
      return this.insertMany(trx, messages);
    });
  }

  private async insertMany(trx: Knex.Transaction, messages: SmsMessage[]): Promise<SmsSendResult[]> {
    const result = await trx.raw<{ rows: { outbox_id: string; id: number }[] }>(
      `INSERT INTO sms_log (outbox_id, recipient, body)
       SELECT * FROM unnest(?::uuid[], ?::text[], ?::text[])
       ON CONFLICT (outbox_id) DO UPDATE SET outbox_id = EXCLUDED.outbox_id
       RETURNING outbox_id, id`,
      [
        messages.map((message) => message.idempotencyKey),
        messages.map((message) => message.recipient),
        messages.map((message) => message.body),
      ],
    );
    const idByKey = new Map(result.rows.map((row) => [row.outbox_id, row.id]));
    return messages.map((message) => ({ gatewayMessageId: `log-${idByKey.get(message.idempotencyKey)}` }));
  }
}
