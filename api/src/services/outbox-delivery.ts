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

interface DeliveryFailure {
  id: string;
  message: string;
  retryable: boolean;
}

/**
 * Delivers outbox rows: SMS through the gateway, dashboard updates over Redis.
 *
 * The rows of a job stay locked (SELECT … FOR NO KEY UPDATE) while they are sent and are marked
 * sent in the same transaction. If the worker dies after the gateway accepted an SMS but before the
 * commit, the row is pending again and is retried with the same idempotency key. The gateway then
 * returns the first message's id without sending a second one, so each SMS goes out once.
 */
export class OutboxDelivery {
  constructor(
    private readonly db: Knex,
    private readonly outbox: OutboxRepository,
    private readonly cases: CaseRepository,
    private readonly gateway: SmsGateway,
    private readonly redis: Redis,
    private readonly redisPrefix: string,
  ) {}

  /**
   * Delivers a job's rows (a case's SMS and dashboard update) in one transaction. Rows already sent,
   * or locked by another worker, are skipped. Throws after recording the failures when any of them
   * can be retried, so that BullMQ retries the job; the rows sent meanwhile are then skipped.
   */
  async deliverAll(outboxIds: string[]): Promise<{ sent: number; failed: number }> {
    const failures: DeliveryFailure[] = [];

    const sent = await this.db.transaction(async (trx) => {
      const messages = await this.outbox.claimMany(trx, outboxIds);
      const delivered: { id: string; gatewayMessageId: string | null }[] = [];
      await Promise.all(
        messages.map(async (message) => {
          try {
            const gatewayMessageId =
              message.kind === 'sms' ? await this.sendSms(message) : await this.publish(message);
            delivered.push({ id: message.id, gatewayMessageId });
          } catch (error) {
            const retryable = !(error instanceof SmsGatewayError) || error.retryable;
            failures.push({ id: message.id, message: (error as Error).message, retryable });
          }
        }),
      );
      await this.outbox.markSent(trx, delivered);
      await this.outbox.recordFailedAttempts(trx, failures);
      return delivered;
    });

    for (const { id, gatewayMessageId } of sent)
      log.info({ outboxId: id, gatewayMessageId }, 'outbox message delivered');
    for (const failure of failures) {
      log.warn(
        { outboxId: failure.id, err: failure.message, retryable: failure.retryable },
        failure.retryable ? 'outbox delivery failed; will retry' : 'outbox delivery rejected; marked failed',
      );
    }

    const retryable = failures.find((failure) => failure.retryable);
    if (retryable) throw new Error(`outbox row ${retryable.id}: ${retryable.message}`);
    if (failures.length > 0 && sent.length === 0) throw new UnrecoverableError(failures[0]?.message);
    return { sent: sent.length, failed: failures.length };
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
    const payload = message.payload as { type?: string; caseId?: string; alertIds?: string[] };
    if (payload.type === 'alerts' && payload.caseId) {
      // A face-match update names its own alerts; a report's update publishes all of the case's.
      const alerts = await this.cases.listAlertsOfCase(payload.caseId);
      const wanted = payload.alertIds ? new Set(payload.alertIds) : undefined;
      for (const alert of alerts.filter((item) => !wanted || wanted.has(item.id))) {
        const { jurisdictionCode, ...view } = alert;
        await publishDashboardEvent(this.redis, this.redisPrefix, {
          type: 'alert',
          jurisdictionCode,
          alert: view,
        });
      }
    } else if (payload.type === 'case-status' && payload.caseId) {
      const view = await this.cases.findCaseView(payload.caseId);
      if (view) {
        const jurisdictionCodes = [view.district?.code, view.region?.code].filter((code): code is string =>
          Boolean(code),
        );
        await publishDashboardEvent(this.redis, this.redisPrefix, {
          type: 'case-status',
          jurisdictionCodes,
          case: view,
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
