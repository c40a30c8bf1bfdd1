import type { Knex } from 'knex';
import { createLogger } from '../logger.js';
import type { CaseRepository, ChildSex, NewPhoto, Post } from '../repositories/case-repository.js';
import type { DutyOfficerRepository } from '../repositories/duty-officer-repository.js';
import type { GeofenceMatch, JurisdictionRepository } from '../repositories/jurisdiction-repository.js';
import type { NewOutboxMessage, OutboxRepository } from '../repositories/outbox-repository.js';
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

/** Hands outbox ids to the delivery queue. A failure here is not fatal: the sweeper re-queues pending rows. */
export type OutboxEnqueuer = (outboxIds: string[]) => Promise<void>;

const log = createLogger('ReportService');

/**
 * Takes a missing-child report in: geofences the last-seen point, stores the case, its photo, the
 * alerts to the district's DPO and the region's RPO and one outbox row per SMS and dashboard update,
 * all in one transaction, then queues the outbox for delivery.
 */
export class ReportService {
  constructor(
    private readonly db: Knex,
    private readonly repositories: {
      cases: CaseRepository;
      jurisdictions: JurisdictionRepository;
      dutyOfficers: DutyOfficerRepository;
      outbox: OutboxRepository;
    },
    private readonly enqueueOutbox: OutboxEnqueuer,
  ) {}

  async submit(input: ReportInput, photo?: NewPhoto): Promise<ReportReceipt> {
    const { cases, jurisdictions, dutyOfficers, outbox } = this.repositories;

    const stored = await this.db.transaction(async (trx) => {
      const match = await jurisdictions.geofence(input.lastSeen.lon, input.lastSeen.lat, trx);
      const trackingCode = createTrackingCode();
      const created = await cases.insertCase(trx, { ...input, trackingCode, jurisdiction: match });
      if (photo) await cases.insertPhoto(trx, created.id, photo);

      const alerts = match ? await cases.insertAlerts(trx, created.id, alertTargets(match)) : [];
      const messages = await this.outboxMessages(
        trx,
        created.id,
        trackingCode,
        input,
        match,
        alerts,
        dutyOfficers,
      );
      const outboxIds = await outbox.insert(trx, messages);
      return { ...created, trackingCode, match, alerts, outboxIds };
    });

    log.info(
      { caseId: stored.id, district: stored.match?.district.code ?? null, alerts: stored.alerts.length },
      stored.match
        ? 'report stored and routed'
        : 'report stored outside every district; queued as unassigned',
    );
    await this.enqueueOutbox(stored.outboxIds).catch((error: Error) => {
      log.warn(
        { caseId: stored.id, err: error.message },
        'could not queue outbox; the sweeper will deliver it',
      );
    });

    return {
      id: stored.id,
      trackingCode: stored.trackingCode,
      createdAt: stored.createdAt.toISOString(),
      district: stored.match ? publicRef(stored.match.district) : null,
      region: stored.match ? publicRef(stored.match.region) : null,
      province: stored.match ? publicRef(stored.match.province) : null,
      onBorder: stored.match?.onBorder ?? false,
      alerted: stored.alerts.map((alert) => alert.post),
    };
  }

  private async outboxMessages(
    trx: Knex.Transaction,
    caseId: string,
    trackingCode: string,
    input: ReportInput,
    match: GeofenceMatch | undefined,
    alerts: { id: string; post: Post; jurisdictionId: number }[],
    dutyOfficers: DutyOfficerRepository,
  ): Promise<NewOutboxMessage[]> {
    const messages: NewOutboxMessage[] = [];

    if (match) {
      const posts = [
        { jurisdictionCode: match.district.code, post: 'DPO' as const },
        { jurisdictionCode: match.region.code, post: 'RPO' as const },
      ];
      for (const officer of await dutyOfficers.findForPosts(trx, posts)) {
        const alert = alerts.find((candidate) => candidate.post === officer.post);
        messages.push({
          kind: 'sms',
          caseId,
          alertId: alert?.id ?? null,
          recipient: officer.phone,
          payload: { body: officerAlertSms(trackingCode, input, match, officer.post) },
        });
      }
      messages.push({
        kind: 'dashboard',
        caseId,
        payload: { type: 'alerts', alertIds: alerts.map((alert) => alert.id) },
      });
    } else {
      messages.push({ kind: 'dashboard', caseId, payload: { type: 'case-unassigned', caseId } });
    }

    messages.push({
      kind: 'sms',
      caseId,
      recipient: input.reporter.phone,
      payload: { body: reporterConfirmationSms(trackingCode, match) },
    });
    return messages;
  }
}

function alertTargets(match: GeofenceMatch): { jurisdictionId: number; post: Post }[] {
  return [
    { jurisdictionId: match.district.id, post: 'DPO' },
    { jurisdictionId: match.region.id, post: 'RPO' },
  ];
}

function publicRef(ref: { code: string; name: string; nameUr: string | null }) {
  return { code: ref.code, name: ref.name, nameUr: ref.nameUr };
}
