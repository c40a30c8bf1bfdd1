import { UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Knex } from 'knex';
import { type DashboardEvent, dashboardChannel } from '../events/dashboard-events.js';
import { createLogger } from '../logger.js';
import type { AlertView, CaseRepository } from '../repositories/case-repository.js';
import type { OutboxMessage, OutboxRepository } from '../repositories/outbox-repository.js';
import type { SightingRepository } from '../repositories/sighting-repository.js';
import { type SmsGateway, SmsGatewayError, type SmsMessage } from '../sms/sms-gateway.js';

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
    /** Reads a sighting for its dashboard update; without it sighting updates are dropped with an error log. */
    private readonly sightings?: SightingRepository,
  ) {}

  /**
   * Delivers a job's rows (the SMS and dashboard updates of one or more cases) in one transaction.
   * Rows already sent, or locked by another worker, are skipped. Throws after recording the failures
   * when any of them can be retried, so that BullMQ retries the job; the rows sent meanwhile are then
   * skipped.
   */
  async deliverAll(outboxIds: string[]): Promise<{ sent: number; failed: number }> {
    const failures: DeliveryFailure[] = [];

    const sent = await this.db.transaction(async (trx) => {
      // Losing this commit in a crash only makes the rows pending again: the retry sends them with
      // the same idempotency key, which the gateway delivers once. So the commit need not wait for
      // the disk, which saves a WAL flush per job under load.
      await trx.raw('SET LOCAL synchronous_commit = off');
      const messages = await this.outbox.claimMany(trx, outboxIds);
      const sms = messages.filter((message) => message.kind === 'sms');
      const dashboard = messages.filter((message) => message.kind !== 'sms');

      const outcomes = (await Promise.all([this.sendAllSms(sms), this.publishAll(dashboard)])).flat();
      const delivered: { id: string; gatewayMessageId: string | null }[] = [];
      for (const outcome of outcomes) {
        if ('failure' in outcome) failures.push(outcome.failure);
        else delivered.push(outcome);
      }
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

  /** Sends SMS rows, in one gateway call when the gateway takes several messages at once. */
  private async sendAllSms(messages: OutboxMessage[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    const ready: { id: string; sms: SmsMessage }[] = [];
    for (const message of messages) {
      const body = message.payload.body;
      if (typeof body !== 'string' || !message.recipient) {
        const text = `outbox row ${message.id} has no SMS body or recipient`;
        outcomes.push({ failure: { id: message.id, message: text, retryable: false } });
      } else {
        ready.push({
          id: message.id,
          sms: { idempotencyKey: message.id, recipient: message.recipient, body },
        });
      }
    }

    const { gateway } = this;
    if (gateway.sendMany && ready.length > 0) {
      try {
        const results = await gateway.sendMany(ready.map((item) => item.sms));
        for (const [index, item] of ready.entries()) {
          outcomes.push({ id: item.id, gatewayMessageId: results[index]?.gatewayMessageId ?? null });
        }
      } catch (error) {
        for (const item of ready) outcomes.push({ failure: failureOf(item.id, error) });
      }
      return outcomes;
    }

    await Promise.all(
      ready.map(async (item) => {
        try {
          const result = await gateway.send(item.sms);
          outcomes.push({ id: item.id, gatewayMessageId: result.gatewayMessageId });
        } catch (error) {
          outcomes.push({ failure: failureOf(item.id, error) });
        }
      }),
    );
    return outcomes;
  }

  /**
   * Publishes dashboard rows. The alerts of all the rows' cases are read in one query, and the
   * events of all the rows go to Redis in one pipeline.
   */
  private async publishAll(messages: OutboxMessage[]): Promise<Outcome[]> {
    if (messages.length === 0) return [];
    const alertCaseIds = messages
      .map((message) => message.payload as DashboardPayload)
      .filter((payload) => payload.type === 'alerts' && payload.caseId)
      .map((payload) => payload.caseId as string);
    let alertsByCase: Map<string, CaseAlert[]>;
    try {
      alertsByCase = groupByCase(await this.cases.listAlertsOfCases([...new Set(alertCaseIds)]));
    } catch (error) {
      return messages.map((message) => ({ failure: failureOf(message.id, error) }));
    }

    const prepared = await Promise.all(
      messages.map(async (message) => {
        try {
          return { message, events: await this.eventsOf(message, alertsByCase) };
        } catch (error) {
          return { message, failure: failureOf(message.id, error) };
        }
      }),
    );
    const channel = dashboardChannel(this.redisPrefix);
    const pipeline = this.redis.pipeline();
    for (const item of prepared) {
      for (const event of item.events ?? []) pipeline.publish(channel, JSON.stringify(event));
    }
    let replies: [Error | null, unknown][] = [];
    let pipelineError: unknown;
    try {
      replies = (await pipeline.exec()) ?? [];
    } catch (error) {
      pipelineError = error;
    }

    // The replies come in the order of the events, so each row takes as many as it had events.
    let next = 0;
    return prepared.map((item): Outcome => {
      if (item.failure) return { failure: item.failure };
      const own = replies.slice(next, next + item.events.length);
      next += item.events.length;
      const error = pipelineError ?? own.find(([replyError]) => replyError)?.[0];
      return error
        ? { failure: failureOf(item.message.id, error) }
        : { id: item.message.id, gatewayMessageId: null };
    });
  }

  /** The dashboard events of one outbox row; none when the row's case or sighting is gone. */
  private async eventsOf(
    message: OutboxMessage,
    alertsByCase: Map<string, CaseAlert[]>,
  ): Promise<DashboardEvent[]> {
    const payload = message.payload as DashboardPayload;
    if (payload.type === 'alerts' && payload.caseId) {
      // A face-match update names its own alerts; a report's update publishes all of the case's.
      const alerts = alertsByCase.get(payload.caseId) ?? [];
      const wanted = payload.alertIds ? new Set(payload.alertIds) : undefined;
      const published = alerts.filter((item) => !wanted || wanted.has(item.id));
      const events: DashboardEvent[] = published.map(
        ({ jurisdictionCode, provinceCode: _province, ...view }) => ({
          type: 'alert',
          jurisdictionCode,
          alert: view,
        }),
      );
      // A new report alerts its district and region only, so the IG's board, which follows the
      // province, hears of it through a case change addressed to the province alone.
      const reportAlert = published.find((alert) => alert.kind === 'report' && alert.provinceCode);
      if (reportAlert?.provinceCode) {
        events.push({
          type: 'case-status',
          jurisdictionCodes: [reportAlert.provinceCode],
          case: reportAlert.case,
        });
      }
      return events;
    }
    if (payload.type === 'case-status' && payload.caseId) {
      const found = await this.cases.findCaseViewWithJurisdictions(payload.caseId);
      return found
        ? [{ type: 'case-status', jurisdictionCodes: found.jurisdictionCodes, case: found.view }]
        : [];
    }
    if (payload.type === 'sighting' && payload.sightingId && this.sightings) {
      const sighting = await this.sightings.findNoticeView(payload.sightingId);
      return sighting
        ? [{ type: 'sighting', jurisdictionCodes: payload.jurisdictionCodes ?? [], sighting }]
        : [];
    }
    if (payload.type === 'case-unassigned' && payload.caseId) {
      const view = await this.cases.findCaseView(payload.caseId);
      return view ? [{ type: 'case-unassigned', case: view }] : [];
    }
    log.error({ outboxId: message.id, type: payload.type }, 'unknown dashboard event type; marking it sent');
    return [];
  }
}

type CaseAlert = AlertView & { jurisdictionCode: string; provinceCode: string | null };

interface DashboardPayload {
  type?: string;
  caseId?: string;
  alertIds?: string[];
  sightingId?: string;
  jurisdictionCodes?: string[];
}

/** Outcome of one row: delivered (with the gateway's message id, if any) or failed. */
type Outcome = { id: string; gatewayMessageId: string | null } | { failure: DeliveryFailure };

function failureOf(id: string, error: unknown): DeliveryFailure {
  const retryable = !(error instanceof SmsGatewayError) || error.retryable;
  return { id, message: (error as Error).message, retryable };
}

function groupByCase(alerts: CaseAlert[]): Map<string, CaseAlert[]> {
  const byCase = new Map<string, CaseAlert[]>();
  for (const alert of alerts) {
    const list = byCase.get(alert.case.id) ?? [];
    list.push(alert);
    byCase.set(alert.case.id, list);
  }
  return byCase;
}
