import type { CaseRepository } from '../repositories/case-repository.js';
import { deadlineTimelineEntry, type TimelineText } from './deadline-timeline-text.js';

type PublicStatus = NonNullable<Awaited<ReturnType<CaseRepository['findPublicStatus']>>>;

/** One step of the public timeline: `reported`, `alerted-dpo`, `status-fir-registered`, … */
export interface TimelineEvent {
  event: string;
  at: string;
  /** Only on `reporter-update`, which only the reporter sees: what they added. */
  text?: string | null;
  photo?: boolean;
  /** Only on a missed deadline (`deadline-missed-fir`, …): a plain line in English and Urdu. */
  line?: TimelineText;
}

/** Builds what GET /api/track/:code returns: status, district and what was done, without personal data. */
export function publicTrackingView(found: PublicStatus) {
  const { caseRow, alerts } = found;
  const timeline: TimelineEvent[] = [
    { event: 'reported', at: new Date(caseRow.createdAt).toISOString() },
    ...alerts.map((alert: { post: string; createdAt: Date; acknowledgedAt: Date | null }) => ({
      event: `alerted-${alert.post.toLowerCase()}`,
      at: new Date(alert.createdAt).toISOString(),
    })),
    ...alerts
      .filter((alert: { acknowledgedAt: Date | null }) => alert.acknowledgedAt)
      .map((alert: { post: string; acknowledgedAt: Date | null }) => ({
        event: `acknowledged-${alert.post.toLowerCase()}`,
        at: new Date(alert.acknowledgedAt as Date).toISOString(),
      })),
    ...found.stateChanges.map((change) => ({
      event: `status-${change.state.replaceAll('_', '-')}`,
      at: new Date(change.at).toISOString(),
    })),
    ...found.missedDeadlines.map((missed) => deadlineTimelineEntry(missed.duty, missed.level, missed.at)),
  ];
  return {
    trackingCode: caseRow.trackingCode as string,
    status: caseRow.status as string,
    reportedAt: new Date(caseRow.createdAt).toISOString(),
    district: caseRow.districtCode
      ? { code: caseRow.districtCode, name: caseRow.districtName, nameUr: caseRow.districtNameUr }
      : null,
    timeline: timeline.sort((a, b) => a.at.localeCompare(b.at)),
  };
}
