import { UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Knex } from 'knex';
import { publishDashboardEvent } from '../events/dashboard-events.js';
import { createLogger } from '../logger.js';
import type { CaseRepository } from '../repositories/case-repository.js';
import type { OutboxMessage, OutboxRepository } from '../repositories/outbox-repository.js';
import { type SmsGateway, SmsGatewayError } from '../sms/sms-gateway.js';

const log = createLogger('OutboxDelivery');

export type DeliveryOutcome = 'sent' | 'skipped' | 'failed';

/**
 * Delivers one outbox row: an SMS through the gateway, or a dashboard update over Redis.
 *
 * The row stays locked (SELECT … FOR UPDATE) while it is sent and is marked sent in the same
 * transaction. If the worker dies after the gateway accepted the SMS but before the commit, the
 * row is pending again and is retried with the same idempotency key, which the gateway answers
 * without sending a second message. That is what makes each SMS go out once.
 */
export class OutboxDelivery {
  constructor(
    private readonly db: Knex,
    private readonly outbox: OutboxRepository,
    private readonly cases: CaseRepository,
    private readonly gateway: SmsGateway,
    private readonly redis: Redis,
    private readonly redisPrefix: string,
    /** Test seam: runs after the gateway accepted a message and before it is marked sent. */
    private readonly afterSend: (message: OutboxMessage) => Promise<void> = async () => undefined,
  ) {}

  /**
   * Delivers several rows at once (a case's SMS and dashboard update). Throws the first retryable
   * failure after all were tried, so the job is retried; rows already sent are skipped then.
   */
  async deliverAll(outboxIds: string[]): Promise<DeliveryOutcome[]> {
    const results = await Promise.allSettled(outboxIds.map((id) => this.deliver(id)));
    const retryable = results.find(
      (result): result is PromiseRejectedResult =>
        result.status === 'rejected' && !(result.reason instanceof UnrecoverableError),
    );
    if (retryable) throw retryable.reason;
    return results.map((result) => (result.status === 'fulfilled' ? result.value : 'failed'));
  }

  async deliver(outboxId: string): Promise<DeliveryOutcome> {
    try {
      return await this.db.transaction(async (trx) => {
        const message = await this.outbox.claim(trx, outboxId);
        if (!message) return 'skipped';

        const gatewayMessageId =
          message.kind === 'sms' ? await this.sendSms(message) : await this.publish(message);
        await this.afterSend(message);
        await this.outbox.markSent(trx, message.id, gatewayMessageId);
        log.info(
          { outboxId, kind: message.kind, caseId: message.caseId, gatewayMessageId },
          'outbox message delivered',
        );
        return 'sent';
      });
    } catch (error) {
      const text = (error as Error).message;
      const retryable = !(error instanceof SmsGatewayError) || error.retryable;
      await this.outbox.recordFailedAttempt(outboxId, text, !retryable);
      log.warn(
        { outboxId, err: text, retryable },
        retryable ? 'outbox delivery failed; will retry' : 'outbox delivery rejected; marked failed',
      );
      if (!retryable) throw new UnrecoverableError(text);
      throw error;
    }
  }

  private async sendSms(message: OutboxMessage): Promise<string | null> {
    const body = message.payload.body;
    if (typeof body !== 'string' || !message.recipient) {
      throw new SmsGatewayError(`outbox row ${message.id} has no SMS body or recipient`, false);
    }
    const result = await this.gateway.send({
      idempotencyKey: message.id,
      recipient: message.recipient,
      body,
    });
    return result.gatewayMessageId;
  }

  private async publish(message: OutboxMessage): Promise<null> {
    const payload = message.payload as { type?: string; caseId?: string };
    if (payload.type === 'alerts' && payload.caseId) {
      for (const alert of await this.cases.listAlertsOfCase(payload.caseId)) {
        const { jurisdictionCode, ...view } = alert;
        await publishDashboardEvent(this.redis, this.redisPrefix, {
          type: 'alert',
          jurisdictionCode,
          alert: view,
        });
      }
    } else if (payload.type === 'case-unassigned' && payload.caseId) {
      const view = await this.cases.findCaseView(payload.caseId);
      if (view)
        await publishDashboardEvent(this.redis, this.redisPrefix, { type: 'case-unassigned', case: view });
    } else {
      log.error(
        { outboxId: message.id, type: payload.type },
        'unknown dashboard event type; marking it sent',
      );
    }
    return null;
  }
}
