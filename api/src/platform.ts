import type { Server } from 'node:http';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Knex } from 'knex';
import { FACE_MATCH_THRESHOLD } from '../../models/src/face-match.js';
import type { Config } from './config.js';
import { createDatabase } from './database.js';
import { subscribeDashboardEvents } from './events/dashboard-events.js';
import { publishFacesChanged } from './events/face-events.js';
import { type FaceDetector, FaceDetectorPool } from './faces/face-detector-pool.js';
import { FaceGalleries } from './faces/face-galleries.js';
import { LiveDistrictLocatorHolder } from './geofence/live-district-locator.js';
import { createApp } from './http/app.js';
import { OfficerSessions } from './http/session.js';
import { SseHub } from './http/sse-hub.js';
import { CallBatcher } from './jobs/call-batcher.js';
import {
  createDeadlineQueue,
  type DeadlineJobData,
  type DeadlinePrompt,
  enqueueDeadlinePrompts,
} from './jobs/deadline-queue.js';
import { startDeadlineWorker } from './jobs/deadline-worker.js';
import { createFacesQueue, enqueueFaceJobs, type FaceJobData } from './jobs/faces-queue.js';
import { startFacesWorker } from './jobs/faces-worker.js';
import { OutboxJobBatcher } from './jobs/outbox-job-batcher.js';
import { createOutboxQueue, type OutboxJobData } from './jobs/outbox-queue.js';
import { startOutboxWorker } from './jobs/outbox-worker.js';
import { createLogger } from './logger.js';
import { NominatimGeocoder } from './places/nominatim-geocoder.js';
import { AccountRepository } from './repositories/account-repository.js';
import { AlertRepository } from './repositories/alert-repository.js';
import { AnalysisRepository } from './repositories/analysis-repository.js';
import { AuditRepository } from './repositories/audit-repository.js';
import { BoundaryReviewRepository } from './repositories/boundary-review-repository.js';
import { CaseEventRepository } from './repositories/case-event-repository.js';
import { CaseRegisterRepository } from './repositories/case-register-repository.js';
import { CaseRepository } from './repositories/case-repository.js';
import { CaseTimingRepository } from './repositories/case-timing-repository.js';
import { CaseWorkflowRepository } from './repositories/case-workflow-repository.js';
import { DashboardRepository } from './repositories/dashboard-repository.js';
import { DeadlineRepository } from './repositories/deadline-repository.js';
import { DuplicateRepository } from './repositories/duplicate-repository.js';
import { DutyOfficerRepository } from './repositories/duty-officer-repository.js';
import { FaceMatchRepository } from './repositories/face-match-repository.js';
import { FaceRepository, type PhotoRef } from './repositories/face-repository.js';
import { IncidentRepository } from './repositories/incident-repository.js';
import { JurisdictionRepository } from './repositories/jurisdiction-repository.js';
import { OutboxRepository } from './repositories/outbox-repository.js';
import { PlaceRepository } from './repositories/place-repository.js';
import { PublicRegisterRepository } from './repositories/public-register-repository.js';
import { ReporterRepository } from './repositories/reporter-repository.js';
import { SightingRepository } from './repositories/sighting-repository.js';
import { AccountAdminService } from './services/account-admin-service.js';
import { AccountService } from './services/account-service.js';
import { AnalysisService } from './services/analysis-service.js';
import { BoundaryImportService } from './services/boundary-import-service.js';
import { CaseRegisterService } from './services/case-register-service.js';
import { CaseWorkflowService } from './services/case-workflow-service.js';
import { DeadlineClockService } from './services/deadline-clock-service.js';
import { DuplicateService } from './services/duplicate-service.js';
import { FaceMatchReviewService } from './services/face-match-review-service.js';
import { FaceProcessingService } from './services/face-processing-service.js';
import { FaceSearchService } from './services/face-search-service.js';
import { GeofenceService } from './services/geofence-service.js';
import { IncidentService } from './services/incident-service.js';
import { OutboxDelivery } from './services/outbox-delivery.js';
import { PlaceLookupService } from './services/place-lookup-service.js';
import { PublicRegisterService } from './services/public-register-service.js';
import { ReportService } from './services/report-service.js';
import { ReporterService } from './services/reporter-service.js';
import { SightingService } from './services/sighting-service.js';
import { SubmissionChallenges } from './services/submission-challenge.js';
import { HttpSmsGateway } from './sms/http-sms-gateway.js';
import { LogSmsGateway } from './sms/log-sms-gateway.js';
import type { SmsGateway } from './sms/sms-gateway.js';

const log = createLogger('Platform');
/** Minimum time between two Redis calls that queue deadline prompts. */
const DEADLINE_PROMPT_INTERVAL_MS = 250;

/** Everything a running Talash process shares: connections, repositories, services. */
export interface Platform {
  config: Config;
  /** In-memory geofencing for report intake, built when the API starts. */
  districtLocator: LiveDistrictLocatorHolder;
  db: Knex;
  redis: Redis;
  queue: Queue<OutboxJobData>;
  /**
   * Batch the outbox jobs of the API; drained before the queue closes. Report intake's jobs start at
   * most every `OUTBOX_JOB_INTERVAL_MS`. The other services queue at once, because some of them await
   * each case before the next (a deadline sweep, a boundary publish that re-routes cases).
   */
  outboxJobs: { reports: OutboxJobBatcher; immediate: OutboxJobBatcher };
  repositories: {
    cases: CaseRepository;
    jurisdictions: JurisdictionRepository;
    dutyOfficers: DutyOfficerRepository;
    outbox: OutboxRepository;
    faces: FaceRepository;
    faceMatches: FaceMatchRepository;
    caseEvents: CaseEventRepository;
    caseRegister: CaseRegisterRepository;
    sightings: SightingRepository;
    accounts: AccountRepository;
    audit: AuditRepository;
    caseWorkflow: CaseWorkflowRepository;
    boundaryReview: BoundaryReviewRepository;
    deadlines: DeadlineRepository;
    alerts: AlertRepository;
    duplicates: DuplicateRepository;
    dashboard: DashboardRepository;
    publicRegister: PublicRegisterRepository;
    reporters: ReporterRepository;
    incidents: IncidentRepository;
    analysis: AnalysisRepository;
    caseTiming: CaseTimingRepository;
    places: PlaceRepository;
  };
  services: {
    geofence: GeofenceService;
    reports: ReportService;
    delivery: OutboxDelivery;
    faceSearch: FaceSearchService;
    faceProcessing: FaceProcessingService;
    faceMatchReview: FaceMatchReviewService;
    sightings: SightingService;
    caseRegister: CaseRegisterService;
    accounts: AccountService;
    caseWorkflow: CaseWorkflowService;
    boundaryImports: BoundaryImportService;
    deadlineClock: DeadlineClockService;
    duplicates: DuplicateService;
    accountAdmin: AccountAdminService;
    publicRegister: PublicRegisterService;
    reporters: ReporterService;
    challenges: SubmissionChallenges;
    incidents: IncidentService;
    analysis: AnalysisService;
    places: PlaceLookupService;
  };
  faces: {
    detector: FaceDetector;
    /** Whether closePlatform closes the detector (false when the caller passed its own). */
    ownsDetector: boolean;
    queue: Queue<FaceJobData>;
    galleries: FaceGalleries;
  };
  sessions: OfficerSessions;
  hub: SseHub;
  gateway: SmsGateway;
  /** Delayed prompts for deadline escalations, run by the worker. */
  deadlineQueue: Queue<DeadlineJobData>;
  /** Batch the deadline prompts of the API, split as `outboxJobs` is; drained before the queue closes. */
  deadlinePrompts: { reports: CallBatcher<DeadlinePrompt[]>; immediate: CallBatcher<DeadlinePrompt[]> };
}

export interface PlatformOptions {
  /** Replaces the configured SMS driver (tests pass one that talks to their loopback gateway). */
  gateway?: SmsGateway;
  /** A face detector to use instead of starting one; tests share one so the model loads once. */
  faceDetector?: FaceDetector;
  /** The clock of deadline checks; tests pass one they can move forward. */
  now?: () => Date;
  /** Names the process's database sessions in `pg_stat_activity`: `talash-api`, `talash-worker`. */
  applicationName?: string;
}

export function createPlatform(config: Config, options: PlatformOptions = {}): Platform {
  const db = createDatabase(config.DATABASE_URL, 20, options.applicationName);
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  const queue = createOutboxQueue(redis, config.REDIS_PREFIX);

  const repositories = {
    cases: new CaseRepository(db),
    jurisdictions: new JurisdictionRepository(db),
    dutyOfficers: new DutyOfficerRepository(db),
    outbox: new OutboxRepository(db),
    faces: new FaceRepository(db),
    faceMatches: new FaceMatchRepository(db),
    caseEvents: new CaseEventRepository(db),
    caseRegister: new CaseRegisterRepository(db),
    sightings: new SightingRepository(db),
    accounts: new AccountRepository(db),
    audit: new AuditRepository(db),
    caseWorkflow: new CaseWorkflowRepository(db),
    boundaryReview: new BoundaryReviewRepository(db),
    deadlines: new DeadlineRepository(db),
    alerts: new AlertRepository(),
    duplicates: new DuplicateRepository(db),
    dashboard: new DashboardRepository(db),
    publicRegister: new PublicRegisterRepository(db),
    reporters: new ReporterRepository(db),
    incidents: new IncidentRepository(db),
    analysis: new AnalysisRepository(db),
    caseTiming: new CaseTimingRepository(db),
    places: new PlaceRepository(db),
  };
  const gateway = options.gateway ?? createGateway(config, db);
  const queueOptions = { attempts: config.OUTBOX_ATTEMPTS, retryBaseMs: config.OUTBOX_RETRY_BASE_MS };
  const outboxJobs = {
    reports: new OutboxJobBatcher(queue, queueOptions, config.OUTBOX_JOB_INTERVAL_MS),
    immediate: new OutboxJobBatcher(queue, queueOptions),
  };
  const enqueueReportOutbox = (caseId: string, outboxIds: string[]) =>
    outboxJobs.reports.add(caseId, outboxIds);
  const enqueueCaseOutbox = (caseId: string, outboxIds: string[]) =>
    outboxJobs.immediate.add(caseId, outboxIds);
  const faces = createFaces(config, redis, repositories.faces, options);
  const enqueuePhotos = (photos: PhotoRef[]) =>
    enqueueFaceJobs(faces.queue, photos, {
      attempts: config.FACES_ATTEMPTS,
      retryBaseMs: config.FACES_RETRY_BASE_MS,
    });
  const facesRemoved = async () => {
    await publishFacesChanged(redis, config.REDIS_PREFIX, true);
    await faces.galleries.syncAll();
  };

  const deadlineQueue = createDeadlineQueue(redis, config.REDIS_PREFIX);
  const now = options.now ?? (() => new Date());
  // The prompts of reports stored while one queue call runs, or within 250 ms of the last call, go
  // to Redis together in the next call. A prompt wakes the deadline sweep in the second its clock
  // falls due, hours later, so a quarter of a second in the queue does not delay any escalation.
  const sendPrompts = (groups: DeadlinePrompt[][]) =>
    enqueueDeadlinePrompts(deadlineQueue, groups.flat(), now);
  const deadlinePrompts = {
    reports: new CallBatcher<DeadlinePrompt[]>(sendPrompts, 1000, DEADLINE_PROMPT_INTERVAL_MS),
    immediate: new CallBatcher<DeadlinePrompt[]>(sendPrompts),
  };
  const clocks = {
    settings: {
      firMinutes: config.FIR_DEADLINE_MINUTES,
      contactMinutes: config.CONTACT_DEADLINE_MINUTES,
      igAfterMinutes: config.IG_ESCALATION_AFTER_MINUTES,
    },
    prompt: (prompts: DeadlinePrompt[]) => deadlinePrompts.immediate.add(prompts),
  };
  const reportClocks = {
    ...clocks,
    prompt: (prompts: DeadlinePrompt[]) => deadlinePrompts.reports.add(prompts),
  };

  const districtLocator = new LiveDistrictLocatorHolder(db);
  const services = {
    geofence: new GeofenceService(repositories.jurisdictions),
    reports: new ReportService(
      repositories,
      enqueueReportOutbox,
      enqueuePhotos,
      districtLocator,
      reportClocks,
    ),
    delivery: new OutboxDelivery(
      db,
      repositories.outbox,
      repositories.cases,
      gateway,
      redis,
      config.REDIS_PREFIX,
      repositories.sightings,
    ),
    faceSearch: new FaceSearchService(repositories.faces, faces.detector, () => faces.galleries.ready(), {
      threshold: FACE_MATCH_THRESHOLD,
      limits: { maxBytes: config.MAX_PHOTO_BYTES, maxPixels: config.MAX_PHOTO_PIXELS },
    }),
    faceProcessing: new FaceProcessingService(
      db,
      repositories,
      faces.detector,
      () => faces.galleries.ready(),
      { match: FACE_MATCH_THRESHOLD, alert: config.FACE_ALERT_THRESHOLD },
      {
        facesChanged: () => publishFacesChanged(redis, config.REDIS_PREFIX, false),
        enqueueOutbox: enqueueCaseOutbox,
      },
    ),
    faceMatchReview: new FaceMatchReviewService(db, repositories),
    sightings: new SightingService(db, repositories, enqueuePhotos, enqueueCaseOutbox),
    caseRegister: new CaseRegisterService(
      db,
      { register: repositories.caseRegister, caseEvents: repositories.caseEvents },
      enqueuePhotos,
      facesRemoved,
    ),
    accounts: new AccountService(repositories.accounts, repositories.jurisdictions),
    caseWorkflow: new CaseWorkflowService(
      db,
      {
        workflow: repositories.caseWorkflow,
        jurisdictions: repositories.jurisdictions,
        audit: repositories.audit,
        deadlines: repositories.deadlines,
        alerts: repositories.alerts,
      },
      enqueueCaseOutbox,
      clocks,
    ),
    deadlineClock: new DeadlineClockService(
      db,
      repositories,
      enqueueCaseOutbox,
      clocks.prompt,
      clocks.settings,
      now,
    ),
    duplicates: new DuplicateService(
      db,
      {
        duplicates: repositories.duplicates,
        workflow: repositories.caseWorkflow,
        caseEvents: repositories.caseEvents,
        audit: repositories.audit,
      },
      async () => (await faces.galleries.ready()).cases,
      FACE_MATCH_THRESHOLD,
    ),
    boundaryImports: new BoundaryImportService(
      db,
      { review: repositories.boundaryReview, audit: repositories.audit },
      enqueueCaseOutbox,
      districtLocator,
      clocks.settings,
      clocks.prompt,
    ),
    publicRegister: new PublicRegisterService(db, {
      register: repositories.publicRegister,
      caseEvents: repositories.caseEvents,
      audit: repositories.audit,
    }),
    reporters: new ReporterService(
      db,
      {
        reporters: repositories.reporters,
        register: repositories.caseRegister,
        caseEvents: repositories.caseEvents,
      },
      enqueuePhotos,
    ),
    challenges: new SubmissionChallenges(redis, config.REDIS_PREFIX, {
      bits: config.PUBLIC_CHALLENGE_BITS,
      ttlMs: config.PUBLIC_CHALLENGE_TTL_MS,
      secret: config.CHALLENGE_SECRET,
    }),
    incidents: new IncidentService(db, { incidents: repositories.incidents, audit: repositories.audit }),
    analysis: new AnalysisService({ analysis: repositories.analysis, caseTiming: repositories.caseTiming }),
    places: new PlaceLookupService(
      repositories,
      config.GEOCODER_URL
        ? new NominatimGeocoder({ url: config.GEOCODER_URL, timeoutMs: config.GEOCODER_TIMEOUT_MS })
        : undefined,
    ),
  };
  const accountAdmin = new AccountAdminService(db, services.accounts, repositories);
  const sessions = new OfficerSessions(services.accounts, config.SECURE_COOKIES);

  return {
    config,
    db,
    redis,
    queue,
    outboxJobs,
    repositories,
    services: { ...services, accountAdmin },
    faces,
    sessions,
    hub: new SseHub(),
    gateway,
    districtLocator,
    deadlineQueue,
    deadlinePrompts,
  };
}

function createFaces(
  config: Config,
  redis: Redis,
  faceRepository: FaceRepository,
  options: PlatformOptions,
): Platform['faces'] {
  const detector =
    options.faceDetector ??
    new FaceDetectorPool({
      threads: config.FACE_DETECTOR_THREADS,
      maxQueued: config.FACE_DETECTOR_MAX_QUEUED,
    });
  return {
    detector,
    ownsDetector: !options.faceDetector,
    queue: createFacesQueue(redis, config.REDIS_PREFIX),
    galleries: new FaceGalleries(faceRepository, redis, config.REDIS_PREFIX, {
      directory: config.FACE_INDEX_DIR,
      syncIntervalMs: config.FACE_INDEX_SYNC_INTERVAL_MS,
    }),
  };
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
  // Report intake geofences in memory; until this is built (or if it fails) it asks PostGIS.
  await platform.districtLocator.reload();
  const unsubscribe = await subscribeDashboardEvents(
    platform.redis.duplicate(),
    platform.config.REDIS_PREFIX,
    (event) => platform.hub.dispatch(event),
  );
  // The API searches both face galleries and saves them, so a restart loads instead of rebuilding.
  await platform.faces.galleries.acquire(true);
  if (platform.config.FACE_DETECTOR_PRELOAD) {
    platform.faces.detector.modelVersion().catch((error: Error) => {
      log.error({ err: error.message }, 'face model failed to load; face search and the face job will fail');
    });
  }
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
      await platform.faces.galleries.release();
      log.info('API stopped');
    },
  };
}

export async function startWorker(platform: Platform): Promise<() => Promise<void>> {
  const { config } = platform;
  const stopOutbox = await startOutboxWorker(
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
      giveUpAttempts: config.OUTBOX_GIVE_UP_ATTEMPTS,
    },
  );

  if (!(await platform.repositories.outbox.autovacuumIsOn())) {
    log.warn('autovacuum is off on the PostgreSQL server: the outbox keeps its dead rows until VACUUM');
  }

  // The faces sweep finds photos described with an older model version only once this process has
  // loaded the model, so the worker loads it at start. After an upgrade that changes the model
  // version, search skips the old faces until the sweep has described their photos again.
  if (config.FACE_DETECTOR_PRELOAD) {
    platform.faces.detector.modelVersion().catch((error: Error) => {
      log.error({ err: error.message }, 'face model failed to load; the face job will fail');
    });
  }

  // The face job matches sighting faces against open cases, so the worker keeps the case gallery too.
  // In a worker-only process it starts from the API's saved copy when there is one and never saves.
  await platform.faces.galleries.acquire(false);
  const stopFaces = await startFacesWorker(
    platform.redis,
    config.REDIS_PREFIX,
    platform.faces.queue,
    platform.services.faceProcessing,
    platform.repositories.faces,
    platform.faces.detector,
    {
      concurrency: config.FACES_CONCURRENCY,
      attempts: config.FACES_ATTEMPTS,
      retryBaseMs: config.FACES_RETRY_BASE_MS,
      sweepIntervalMs: config.FACES_SWEEP_INTERVAL_MS,
      sweepGraceMs: config.FACES_SWEEP_GRACE_MS,
      lockDurationMs: config.FACES_LOCK_MS,
    },
  );

  const stopDeadlines = await startDeadlineWorker(
    platform.redis,
    config.REDIS_PREFIX,
    platform.deadlineQueue,
    platform.services.deadlineClock,
    { sweepIntervalMs: config.DEADLINE_SWEEP_INTERVAL_MS, lockDurationMs: config.OUTBOX_LOCK_MS },
  );

  return async () => {
    await stopDeadlines();
    await stopFaces();
    await stopOutbox();
    await platform.faces.galleries.release();
  };
}

export async function closePlatform(platform: Platform): Promise<void> {
  await Promise.all([platform.outboxJobs.reports.drain(), platform.outboxJobs.immediate.drain()]);
  await Promise.all([platform.deadlinePrompts.reports.drain(), platform.deadlinePrompts.immediate.drain()]);
  await platform.queue.close();
  await platform.faces.queue.close();
  await platform.deadlineQueue.close();
  if (platform.faces.ownsDetector) await platform.faces.detector.close();
  platform.redis.disconnect();
  await platform.db.destroy();
}
