import type { CaseState } from './case-states.js';

/**
 * The two duties with a legal deadline: register the FIR ('fir', 2 hours by default) and contact the
 * reporter ('contact', 24 hours by default), both counted from the alert to the district.
 */
export const DEADLINE_DUTIES = ['fir', 'contact'] as const;
export type DeadlineDuty = (typeof DEADLINE_DUTIES)[number];

/** Who a missed deadline goes to: first the region's RPO, later the province's IG. */
export type EscalationLevel = 'RPO' | 'IG';

export interface DeadlineSettings {
  firMinutes: number;
  contactMinutes: number;
  /** Time after the RPO escalation at which a duty still not done goes to the IG. */
  igAfterMinutes: number;
}

/**
 * The deadlines of the law behind Zainab Alert: FIR within 2 hours and reporter contact within
 * 24 hours of the alert. The IG period is this project's default, not a legal one.
 */
export const DEFAULT_DEADLINE_SETTINGS: DeadlineSettings = {
  firMinutes: 120,
  contactMinutes: 24 * 60,
  igAfterMinutes: 120,
};

export function dutyMinutes(settings: DeadlineSettings): { duty: DeadlineDuty; minutes: number }[] {
  return [
    { duty: 'fir', minutes: settings.firMinutes },
    { duty: 'contact', minutes: settings.contactMinutes },
  ];
}

/**
 * The duties a move into `state` completes: reaching a duty's state does it, and the end of a case
 * (recovered, closed) stops both clocks.
 */
export function dutiesDoneBy(state: CaseState): DeadlineDuty[] {
  if (state === 'fir_registered') return ['fir'];
  if (state === 'reporter_contacted') return ['contact'];
  if (state === 'recovered' || state === 'closed') return ['fir', 'contact'];
  return [];
}
