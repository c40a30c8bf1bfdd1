import { PAKISTAN_TIME } from './sms-text.js';

/**
 * The SMS to a DPO when a sighting photo strongly resembles a registered child. Like the report
 * alert it leaves names out, and it says plainly that a person must compare the photos first.
 */
export function faceMatchAlertSms(match: {
  trackingCode: string;
  similarity: number;
  seenAt: Date;
  lat: number;
  lon: number;
  sightingDistrictName: string | null;
}): string {
  const place = `${match.lat.toFixed(5)},${match.lon.toFixed(5)}`;
  const district = match.sightingDistrictName ? `, ${match.sightingDistrictName}` : '';
  return (
    `Talash SIGHTING ${match.trackingCode}: a public sighting photo resembles the missing child ` +
    `(similarity ${Math.round(match.similarity * 100)}%), seen ${PAKISTAN_TIME.format(match.seenAt)} PKT ` +
    `at ${place}${district}. Possible match only: compare the photos on the dashboard before acting.`
  );
}
