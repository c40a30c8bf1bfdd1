import { createHash } from 'node:crypto';
import { DEFAULT_DEADLINE_SETTINGS, type DeadlineSettings, dutyMinutes } from '../cases/deadlines.js';
import { ApiError } from '../errors.js';
import type { LiveDistrictLocatorHolder } from '../geofence/live-district-locator.js';
import type { DeadlinePrompter } from '../jobs/deadline-queue.js';
import type { FaceJobEnqueuer } from '../jobs/faces-queue.js';
import { createLogger } from '../logger.js';
import type {
  CaseRepository,
  ChildSex,
  IdempotentCase,
  NewPhoto,
  NewReport,
  Post,
} from '../repositories/case-repository.js';
import type { GeofenceMatch, JurisdictionRepository } from '../repositories/jurisdiction-repository.js';
import { officerAlertSms, reporterConfirmationSms } from './sms-text.js';
import { createTrackingCode } from './tracking-code.js';

export interface ReportInput {
  child: { name: string; age: number; sex: ChildSex; description: string | null };
  /** placeDescription is the place as the reporter typed it. Officers see it and the public never does. */
  lastSeen: { lat: number; lon: number; at: Date; placeDescription?: string | null };
  reporter: { name: string; phone: string };
}

export interface ReportReceipt {
  id: string;
  trackingCode: string;
  createdAt: string;
  /** Null when the point lay outside every district: the case then waits in the unassigned queue. */
  district: { code: string; name: string; nameUr: string | null } | null;
  region: { code: string; name: string; nameUr: string | null } | null;
  province: { code: string; name: string; nameUr: string | null } | null;
  onBorder: boolean;
  alerted: Post[];
  /** True when an earlier request with the same Idempotency-Key created this case. */
  replayed: boolean;
}

/** The deadline settings of new cases, and the function that queues their delayed escalation prompts. */
export interface ReportClocks {
  settings: DeadlineSettings;
  prompt?: DeadlinePrompter;
}

/** Hands a case's outbox ids to the delivery queue. A failure is not fatal: the sweeper re-queues pending rows. */
export type OutboxEnqueuer = (caseId: string, outboxIds: string[]) => Promise<void>;

const log = createLogger('ReportService');

/** Inserts tried per report; each retry follows a boundary switch that made its geofence stale. */
const MAX_STORE_ATTEMPTS = 3;

/** The geofence result of a report and its boundary version (null when no version was live). */
interface Located {
  match: GeofenceMatch | undefined;
  versionId: number | null;
  inMemory: boolean;
}

type StoredReport = NonNullable<Awaited<ReturnType<CaseRepository['insertReport']>>>;

/**
 * Takes a missing-child report in. It geofences the last-seen point, in memory when it can. Then one
 * statement stores the case, its photo, the alerts to the district's DPO and the region's RPO, and an
 * outbox row per SMS and dashboard update. Last, it queues the outbox for delivery.
 */
export class ReportService {
  constructor(
    private readonly repositories: { cases: CaseRepository; jurisdictions: JurisdictionRepository },
    private readonly enqueueOutbox: OutboxEnqueuer,
    /** Without it (sample data), the faces sweeper of the worker queues the photos. */
    private readonly enqueueFaceJobs: FaceJobEnqueuer = async () => undefined,
    /** In-memory geofencing; without it every report is geofenced in PostGIS. */
    private readonly locator?: LiveDistrictLocatorHolder,
    /** Deadline lengths, and the delayed prompts for them (without it the deadline sweeper finds them). */
    private readonly clocks: ReportClocks = { settings: DEFAULT_DEADLINE_SETTINGS },
  ) {}

  /** Locates the report in memory, with the boundary version used; undefined when PostGIS must do it. */
  private locateInMemory(input: ReportInput): Located | undefined {
    const locator = this.locator?.current();
    if (!locator) return undefined;
    const match = locator.locate(input.lastSeen.lon, input.lastSeen.lat);
    return match === null ? undefined : { match, versionId: locator.versionId, inMemory: true };
  }

  private async locateInPostgis(input: ReportInput): Promise<Located> {
    const { lon, lat } = input.lastSeen;
    const located = await this.repositories.jurisdictions.geofenceWithVersion(lon, lat);
    return { ...located, inMemory: false };
  }

  private newReport(
    input: ReportInput,
    photo: NewPhoto | undefined,
    trackingCode: string,
    match: GeofenceMatch | undefined,
    routedWithVersionId: number | null,
    idempotency: NewReport['idempotency'],
  ): NewReport {
    return {
      ...input,
      trackingCode,
      jurisdiction: match,
      photo,
      alerts: match ? alertsFor(match, trackingCode, input) : [],
      reporterSms: reporterConfirmationSms(trackingCode, match),
      dashboardEvent: match ? 'alerts' : 'case-unassigned',
      routedWithVersionId,
      deadlines: dutyMinutes(this.clocks.settings),
      idempotency,
    };
  }

  /**
   * Stores a report. With an idempotency key, a repeat of an earlier request returns that request's
   * case instead of a second one, and the same key with another request is rejected.
   */
  async submit(input: ReportInput, photo?: NewPhoto, idempotencyKey?: string): Promise<ReportReceipt> {
    const { cases } = this.repositories;
    const idempotency = idempotencyKey
      ? { key: idempotencyKey, requestSha256: hashReport(input, photo) }
      : undefined;
    if (idempotency) {
      const earlier = await this.findEarlier(idempotency);
      if (earlier) return earlier;
    }

    const trackingCode = createTrackingCode();
    let located = this.locateInMemory(input) ?? (await this.locateInPostgis(input));
    let report: NewReport;
    let stored: StoredReport | undefined;
    for (let attempt = 1; ; attempt++) {
      const { match, versionId } = located;
      report = this.newReport(input, photo, trackingCode, match, versionId, idempotency);
      stored = await cases.insertReport(report);
      if (stored) break;

      if (idempotency) {
        // A concurrent request with the same key may have stored its case first.
        const earlier = await this.findEarlier(idempotency);
        if (earlier) return earlier;
      }
      // Another boundary version went live between the geofence and the insert.
      if (attempt === MAX_STORE_ATTEMPTS) {
        throw new Error(
          `the live boundary version changed during each of ${MAX_STORE_ATTEMPTS} attempts to store a report`,
        );
      }
      if (located.inMemory && versionId !== null) this.locator?.invalidate(versionId);
      located = await this.locateInPostgis(input);
    }
    const { match } = located;

    log.info(
      { caseId: stored.id, district: match?.district.code ?? null, outbox: stored.outboxIds.length },
      match ? 'report stored and routed' : 'report stored outside every district; queued as unassigned',
    );
    // The report is stored, so the response need not wait for Redis: the outbox rows are delivered
    // by this job or, if it never arrives, by the sweeper after its grace period.
    void this.enqueueOutbox(stored.id, stored.outboxIds).catch((error: Error) => {
      log.warn(
        { caseId: stored.id, err: error.message },
        'could not queue outbox; the sweeper will deliver it',
      );
    });
    if (photo) await this.queuePhotoFaces(stored.id);
    // Like the outbox job, the prompts need not hold up the response: the deadline sweeper finds
    // every due clock without them.
    if (match) void this.promptDeadlines(stored.id, stored.createdAt);

    return {
      id: stored.id,
      trackingCode,
      createdAt: stored.createdAt.toISOString(),
      district: match ? publicRef(match.district) : null,
      region: match ? publicRef(match.region) : null,
      province: match ? publicRef(match.province) : null,
      onBorder: match?.onBorder ?? false,
      alerted: report.alerts.map((alert) => alert.post),
      replayed: false,
    };
  }

  /** Queues the delayed deadline prompts of a routed case; on failure the deadline sweeper still finds it. */
  private async promptDeadlines(caseId: string, createdAt: Date): Promise<void> {
    if (!this.clocks.prompt) return;
    const prompts = dutyMinutes(this.clocks.settings).map(({ duty, minutes }) => ({
      caseId,
      duty,
      level: 'RPO' as const,
      at: new Date(createdAt.getTime() + minutes * 60_000),
    }));
    await this.clocks.prompt(prompts).catch((error: Error) => {
      log.warn(
        { caseId, err: error.message },
        'could not queue the deadline prompts; the sweeper will escalate',
      );
    });
  }

  /** Returns the receipt of the case an earlier request with this key created, if there is one. */
  private async findEarlier(idempotency: {
    key: string;
    requestSha256: Buffer;
  }): Promise<ReportReceipt | undefined> {
    const earlier = await this.repositories.cases.findByIdempotencyKey(idempotency.key);
    if (!earlier) return undefined;
    if (!earlier.requestSha256.equals(idempotency.requestSha256)) {
      throw new ApiError(
        422,
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was used for a different report. Send a new key with each new report.',
        'Idempotency-Key',
      );
    }
    log.info({ caseId: earlier.id }, 'repeated report; returned the case its first request created');
    return replayedReceipt(earlier);
  }

  /** Queues the face job for the case's photo; on failure the faces sweeper queues it later. */
  private async queuePhotoFaces(caseId: string): Promise<void> {
    try {
      const photoIds = await this.repositories.cases.listPhotoIds(caseId);
      await this.enqueueFaceJobs(photoIds.map((photoId) => ({ kind: 'case', photoId })));
    } catch (error) {
      log.warn(
        { caseId, err: (error as Error).message },
        'could not queue the face job; the faces sweeper will',
      );
    }
  }
}

function alertsFor(match: GeofenceMatch, trackingCode: string, input: ReportInput) {
  return [
    { jurisdiction: match.district, post: 'DPO' as const },
    { jurisdiction: match.region, post: 'RPO' as const },
  ].map(({ jurisdiction, post }) => ({
    jurisdictionId: jurisdiction.id,
    jurisdictionCode: jurisdiction.code,
    post,
    smsBody: officerAlertSms(trackingCode, input, match, post),
  }));
}

/**
 * Hashes the content of a report, so that a reused idempotency key with another report is caught. The
 * parsed input is hashed, not the raw body, so that field order and spacing do not matter.
 */
function hashReport(input: ReportInput, photo: NewPhoto | undefined): Buffer {
  return createHash('sha256')
    .update(
      JSON.stringify({ ...input, lastSeen: { ...input.lastSeen, at: input.lastSeen.at.toISOString() } }),
    )
    .update(photo?.sha256 ?? 'no photo')
    .digest();
}

function replayedReceipt(earlier: IdempotentCase): ReportReceipt {
  return {
    id: earlier.id,
    trackingCode: earlier.trackingCode,
    createdAt: earlier.createdAt.toISOString(),
    district: earlier.district,
    region: earlier.region,
    province: earlier.province,
    onBorder: earlier.onBorder,
    alerted: earlier.alerted,
    replayed: true,
  };
}

function publicRef(ref: { code: string; name: string; nameUr: string | null }) {
  return { code: ref.code, name: ref.name, nameUr: ref.nameUr };
}
