import type { Knex } from 'knex';
import {
  DEFAULT_DEADLINE_SETTINGS,
  type DeadlineDuty,
  type DeadlineSettings,
  dutyMinutes,
} from '../cases/deadlines.js';
import { createLogger } from '../logger.js';
import type { Post } from '../repositories/case-repository.js';
import type { CaseReroutingRepository, MovedCase } from '../repositories/case-rerouting-repository.js';
import type { DeadlineRepository } from '../repositories/deadline-repository.js';
import type { GeofenceMatch } from '../repositories/jurisdiction-repository.js';
import { PAKISTAN_TIME } from './sms-text.js';

const log = createLogger('CaseRerouting');

/** One case that a change of the live boundary version moved. */
export interface ReroutedCase {
  caseId: string;
  fromDistrict: string | null;
  toDistrict: string | null;
  outboxIds: string[];
  /** The clocks the move started, for a case that came from the unassigned queue; else empty. */
  startedClocks: { duty: DeadlineDuty; dueAt: Date }[];
}

/**
 * Re-routes open cases after the live boundary version changed, inside the transaction that
 * changed it: every open case whose last-seen point lies in another district in the new version
 * moves there. The new district's DPO and the region's RPO are alerted by SMS and on the dashboard,
 * and the case timeline gets a `rerouted` event naming the version and the reason. A case that the
 * new version puts outside every district goes to the unassigned queue.
 *
 * Deadline clocks: a case moved from the unassigned queue into a district starts its FIR and
 * contact clocks at the publish time (the new version's `published_at`), as a report routed at
 * intake does, because its district is alerted then. A case moved between districts keeps its
 * clocks unchanged, as a transfer does. A case moved into the unassigned queue loses its open
 * clocks, because no DPO or RPO owns the duty and the deadline sweeper could not escalate it. Its
 * finished clocks, breaches and escalations stay, and a later version that routes the case into a
 * district starts new clocks.
 */
export class CaseRerouting {
  constructor(
    private readonly repository: CaseReroutingRepository,
    private readonly deadlines: DeadlineRepository,
    private readonly deadlineSettings: DeadlineSettings = DEFAULT_DEADLINE_SETTINGS,
  ) {}

  async rerouteInTransaction(
    trx: Knex.Transaction,
    change: { fromVersionId: number; toVersionId: number; action: 'publish' | 'rollback'; by: string },
  ): Promise<ReroutedCase[]> {
    await this.repository.lockCases(trx);
    const moved = await this.repository.findMovedCases(trx, change.fromVersionId, change.toVersionId);
    const publishedAt =
      moved.length > 0 ? await this.repository.publishedAt(trx, change.toVersionId) : undefined;

    const rerouted: ReroutedCase[] = [];
    for (const item of moved) {
      const reason =
        change.action === 'publish'
          ? `boundary version ${change.toVersionId} re-drew the districts`
          : `the boundaries were rolled back to version ${change.toVersionId}`;
      const outboxIds = await this.repository.moveCase(trx, {
        caseId: item.id,
        to: item.to,
        versionId: change.toVersionId,
        alerts: item.to ? alertsFor(item, item.to, change.toVersionId) : [],
        dashboardEvent: item.to ? 'alerts' : 'case-unassigned',
        eventDetails: {
          reason,
          action: change.action,
          boundaryVersionId: change.toVersionId,
          previousVersionId: change.fromVersionId,
          fromDistrict: item.from?.code ?? null,
          toDistrict: item.to?.district.code ?? null,
          by: change.by,
        },
      });
      let startedClocks: ReroutedCase['startedClocks'] = [];
      if (item.to && !item.from && publishedAt) {
        startedClocks = await this.deadlines.start(
          trx,
          item.id,
          publishedAt,
          dutyMinutes(this.deadlineSettings),
        );
      } else if (!item.to) {
        await this.deadlines.removeOpen(trx, item.id);
      }
      rerouted.push({
        caseId: item.id,
        fromDistrict: item.from?.code ?? null,
        toDistrict: item.to?.district.code ?? null,
        outboxIds,
        startedClocks,
      });
      log.info(
        {
          caseId: item.id,
          fromDistrict: item.from?.code ?? null,
          toDistrict: item.to?.district.code ?? null,
          boundaryVersionId: change.toVersionId,
        },
        'case re-routed by a boundary change',
      );
    }
    return rerouted;
  }
}

function alertsFor(item: MovedCase, to: GeofenceMatch, versionId: number) {
  return [
    { jurisdiction: to.district, post: 'DPO' as const },
    { jurisdiction: to.region, post: 'RPO' as const },
  ].map(({ jurisdiction, post }) => ({
    jurisdictionId: jurisdiction.id,
    jurisdictionCode: jurisdiction.code,
    post,
    smsBody: reroutedAlertSms(item, to, post, versionId),
  }));
}

/**
 * Writes the SMS to the DPO or RPO that a re-routed case now belongs to. Like the report alert it leaves
 * the child's and the reporter's names to the dashboard, because SMS is stored in clear text.
 */
export function reroutedAlertSms(item: MovedCase, to: GeofenceMatch, post: Post, versionId: number): string {
  const place = `${item.lat.toFixed(5)},${item.lon.toFixed(5)}`;
  const duty =
    post === 'DPO'
      ? 'Take over the case and register the FIR within 2 hours if it has none.'
      : 'Follow up with the DPO.';
  return (
    `Talash ALERT ${item.trackingCode}: missing child, ${item.childSex}, age ${item.childAge}, ` +
    `last seen ${PAKISTAN_TIME.format(item.lastSeenAt)} PKT at ${place}, now in ${to.district.name}` +
    `${to.onBorder ? ' (on district border)' : ''}: boundary version ${versionId} moved the district border. ` +
    `${duty} Details on the dashboard.`
  );
}
