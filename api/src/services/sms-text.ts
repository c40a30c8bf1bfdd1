import type { Post } from '../repositories/case-repository.js';
import type { GeofenceMatch } from '../repositories/jurisdiction-repository.js';
import type { ReportInput } from './report-service.js';

/** Day, month and 24-hour time in Pakistan Standard Time, as SMS show them. */
export const PAKISTAN_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Karachi',
  day: '2-digit',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

/**
 * The SMS to a DPO or RPO. It carries the tracking code, age, sex, time and place, and leaves the
 * child's and the reporter's names to the dashboard, because SMS travels and is stored in clear text.
 */
export function officerAlertSms(
  trackingCode: string,
  input: ReportInput,
  match: GeofenceMatch,
  post: Post,
): string {
  const place = `${input.lastSeen.lat.toFixed(5)},${input.lastSeen.lon.toFixed(5)}`;
  const duty = post === 'DPO' ? 'Register the FIR within 2 hours.' : 'Follow up with the DPO.';
  return (
    `Talash ALERT ${trackingCode}: missing child, ${input.child.sex}, age ${input.child.age}, ` +
    `last seen ${PAKISTAN_TIME.format(input.lastSeen.at)} PKT at ${place}, ${match.district.name}` +
    `${match.onBorder ? ' (on district border)' : ''}. ${duty} Details on the dashboard.`
  );
}

/** The confirmation SMS to the person who reported, in English and Urdu. */
export function reporterConfirmationSms(trackingCode: string, match: GeofenceMatch | undefined): string {
  if (!match) {
    return (
      `Talash: your report is registered. Tracking code ${trackingCode}. ` +
      'The place is outside our district maps, so a national desk officer will route it. ' +
      `آپ کی رپورٹ درج ہو گئی ہے۔ ٹریکنگ کوڈ ${trackingCode}`
    );
  }
  return (
    `Talash: your report is registered. Tracking code ${trackingCode}. ${match.district.name} police ` +
    'have been alerted and must register the FIR within 2 hours. ' +
    `آپ کی رپورٹ درج ہو گئی ہے۔ ٹریکنگ کوڈ ${trackingCode}۔ پولیس کو اطلاع دے دی گئی ہے۔`
  );
}
