import type { FaceJobEnqueuer } from '../jobs/faces-queue.js';
import { createLogger } from '../logger.js';
import type { CaseRepository, ChildSex, NewPhoto, Post } from '../repositories/case-repository.js';
import type { GeofenceMatch, JurisdictionRepository } from '../repositories/jurisdiction-repository.js';
import { officerAlertSms, reporterConfirmationSms } from './sms-text.js';
import { createTrackingCode } from './tracking-code.js';

export interface ReportInput {
  child: { name: string; age: number; sex: ChildSex; description: string | null };
  lastSeen: { lat: number; lon: number; at: Date };
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
}

/** Hands a case's outbox ids to the delivery queue. A failure is not fatal: the sweeper re-queues pending rows. */
export type OutboxEnqueuer = (caseId: string, outboxIds: string[]) => Promise<void>;

const log = createLogger('ReportService');

/**
 * Takes a missing-child report in: geofences the last-seen point, then stores the case, its photo,
 * the alerts to the district's DPO and the region's RPO and one outbox row per SMS and dashboard
 * update in a single statement, and queues the outbox for delivery.
 */
export class ReportService {
  constructor(
    private readonly repositories: { cases: CaseRepository; jurisdictions: JurisdictionRepository },
    private readonly enqueueOutbox: OutboxEnqueuer,
    /** Without it (sample data), the faces sweeper of the worker queues the photos. */
    private readonly enqueueFaceJobs: FaceJobEnqueuer = async () => undefined,
  ) {}

  async submit(input: ReportInput, photo?: NewPhoto): Promise<ReportReceipt> {
    const { cases, jurisdictions } = this.repositories;

    // The geofence reads one snapshot of the live boundaries; the case records which version it used.
    const match = await jurisdictions.geofence(input.lastSeen.lon, input.lastSeen.lat);
    const trackingCode = createTrackingCode();
    const alerts = match ? alertsFor(match, trackingCode, input) : [];
    const stored = await cases.insertReport({
      ...input,
      trackingCode,
      jurisdiction: match,
      photo,
      alerts,
      reporterSms: reporterConfirmationSms(trackingCode, match),
      dashboardEvent: match ? 'alerts' : 'case-unassigned',
    });

    log.info(
      { caseId: stored.id, district: match?.district.code ?? null, outbox: stored.outboxIds.length },
      match ? 'report stored and routed' : 'report stored outside every district; queued as unassigned',
    );
    await this.enqueueOutbox(stored.id, stored.outboxIds).catch((error: Error) => {
      log.warn(
        { caseId: stored.id, err: error.message },
        'could not queue outbox; the sweeper will deliver it',
      );
    });
    if (photo) await this.queuePhotoFaces(stored.id);

    return {
      id: stored.id,
      trackingCode,
      createdAt: stored.createdAt.toISOString(),
      district: match ? publicRef(match.district) : null,
      region: match ? publicRef(match.region) : null,
      province: match ? publicRef(match.province) : null,
      onBorder: match?.onBorder ?? false,
      alerted: alerts.map((alert) => alert.post),
    };
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

function publicRef(ref: { code: string; name: string; nameUr: string | null }) {
  return { code: ref.code, name: ref.name, nameUr: ref.nameUr };
}
