import type { DeadlineDuty, EscalationLevel } from '../cases/deadlines.js';
import { PAKISTAN_TIME } from './sms-text.js';

const DUTY_TEXT: Record<DeadlineDuty, string> = {
  fir: 'register the FIR',
  contact: 'contact the reporter',
};

/**
 * The SMS that escalates a missed deadline to an RPO or IG. Like the alert SMS it names no person:
 * the tracking code leads to the details on the dashboard.
 */
export function escalationSms(
  trackingCode: string,
  duty: DeadlineDuty,
  level: EscalationLevel,
  context: { districtName: string; dueAt: Date },
): string {
  const next = level === 'RPO' ? 'Follow up with the DPO.' : 'The RPO escalation did not get it done.';
  return (
    `Talash ESCALATION ${trackingCode}: ${context.districtName} police did not ${DUTY_TEXT[duty]} ` +
    `by ${PAKISTAN_TIME.format(context.dueAt)} PKT. ${next} Details on the dashboard.`
  );
}

/** The SMS to the receiving district's DPO when a case is transferred in. */
export function transferSms(trackingCode: string, fromDistrictName: string | null): string {
  const from = fromDistrictName ? ` from ${fromDistrictName}` : '';
  return (
    `Talash TRANSFER ${trackingCode}: a missing-child case is transferred to your district${from}. ` +
    'Its deadlines keep running from the first alert. Details on the dashboard.'
  );
}
