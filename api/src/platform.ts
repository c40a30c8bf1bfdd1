import type { Server } from 'node:http';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Knex } from 'knex';
import { ensureDispatchAccessToken } from './auth/dispatch-access-token.js';
import type { Config } from './config.js';
import { createDatabase } from './database.js';
import { subscribeDashboardEvents } from './events/dashboard-events.js';
import { createApp } from './http/app.js';
import { DispatcherSessions } from './http/session.js';
import { SseHub } from './http/sse-hub.js';
import { createOutboxQueue, enqueueOutbox, type OutboxJobData } from './jobs/outbox-queue.js';
import { startOutboxWorker } from './jobs/outbox-worker.js';
import { createLogger } from './logger.js';
import { CaseRepository } from './repositories/case-repository.js';
import { DutyOfficerRepository } from './repositories/duty-officer-repository.js';
import { JurisdictionRepository } from './repositories/jurisdiction-repository.js';
import { OutboxRepository } from './repositories/outbox-repository.js';
import { GeofenceService } from './services/geofence-service.js';
import { OutboxDelivery } from './services/outbox-delivery.js';
import { ReportService } from './services/report-service.js';
import { HttpSmsGateway } from './sms/http-sms-gateway.js';
import { LogSmsGateway } from './sms/log-sms-gateway.js';
import type { SmsGateway } from './sms/sms-gateway.js';

const log = createLogger('Platform');

/** Everything a running Talash process shares: connections, repositories, services. */
export interface Platform {
  config: Config;
  db: Knex;
  redis: Redis;
  queue: Queue<OutboxJobData>;
  repositories: {
    cases: CaseRepository;
    jurisdictions: JurisdictionRepository;
    dutyOfficers: DutyOfficerRepository;
    outbox: OutboxRepository;
  };
  services: { geofence: GeofenceService; reports: ReportService; delivery: OutboxDelivery };
  sessions: DispatcherSessions;
  hub: SseHub;
  gateway: SmsGateway;
}

export interface PlatformOptions {
  /** Replaces the configured SMS driver (tests pass one that talks to their loopback gateway). */
  gateway?: SmsGateway;
}

export function createPlatform(config: Config, options: PlatformOptions = {}): Platform {
  const db = createDatabase(config.DATABASE_URL);
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  const queue = createOutboxQueue(redis, config.REDIS_PREFIX);

  const repositories = {
    cases: new CaseRepository(db),
    jurisdictions: new JurisdictionRepository(db),
    dutyOfficers: new DutyOfficerRepository(db),
    outbox: new OutboxRepository(db),
  };
  const gateway = options.gateway ?? createGateway(config, db);
  const queueOptions = { attempts: config.OUTBOX_ATTEMPTS, retryBaseMs: config.OUTBOX_RETRY_BASE_MS };
  const services = {
    geofence: new GeofenceService(repositories.jurisdictions),
    reports: new ReportService(repositories, (caseId, outboxIds) =>
      enqueueOutbox(queue, [{ caseId, outboxIds }], queueOptions),
    ),
    delivery: new OutboxDelivery(
      db,
      repositories.outbox,
      repositories.cases,
      gateway,
      redis,
      config.REDIS_PREFIX,
    ),
  };
  const accessToken = ensureDispatchAccessToken(config.DISPATCH_ACCESS_TOKEN).token;
  const sessions = new DispatcherSessions(accessToken, config.SESSION_SECRET);

  return { config, db, redis, queue, repositories, services, sessions, hub: new SseHub(), gateway };
}

function createGateway(config: Config, db: Knex): SmsGateway {
  if (config.SMS_DRIVER === 'http') {
    if (!config.SMS_HTTP_URL)
      throw new Error('SMS_DRIVER=http needs SMS_HTTP_URL, the gateway endpoint to POST to');
    return new HttpSmsGateway({
      url: config.SMS_HTTP_URL,
      token: config.SMS_HTTP_TOKEN,
      timeoutMs: config.SMS_HTTP_TIMEOUT_MS,
    });
  }
  return new LogSmsGateway(db);
}

/** Starts the HTTP server and its dashboard event subscription. Returns the server and a stop function. */
export async function startApi(platform: Platform): Promise<{ server: Server; stop: () => Promise<void> }> {
  const unsubscribe = await subscribeDashboardEvents(
    platform.redis.duplicate(),
    platform.config.REDIS_PREFIX,
    (event) => platform.hub.dispatch(event),
  );
  const app = createApp(platform);
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(platform.config.PORT, platform.config.HOST, () => resolve(listening));
  });
  const address = server.address();
  log.info({ address }, 'API listening');

  return {
    server,
    stop: async () => {
      platform.hub.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await unsubscribe();
      log.info('API stopped');
    },
  };
}

export async function startWorker(platform: Platform): Promise<() => Promise<void>> {
  const { config } = platform;
  return startOutboxWorker(
    platform.redis,
    config.REDIS_PREFIX,
    platform.queue,
    platform.services.delivery,
    platform.repositories.outbox,
    {
      concurrency: config.OUTBOX_CONCURRENCY,
      attempts: config.OUTBOX_ATTEMPTS,
      retryBaseMs: config.OUTBOX_RETRY_BASE_MS,
      sweepIntervalMs: config.OUTBOX_SWEEP_INTERVAL_MS,
      sweepGraceMs: config.OUTBOX_SWEEP_GRACE_MS,
      lockDurationMs: config.OUTBOX_LOCK_MS,
    },
  );
}

export async function closePlatform(platform: Platform): Promise<void> {
  await platform.queue.close();
  platform.redis.disconnect();
  await platform.db.destroy();
}
