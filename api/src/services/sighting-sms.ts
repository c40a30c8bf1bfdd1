import { PAKISTAN_TIME } from './sms-text.js';

/**
 * Builds the SMS that informs a district's DPO of a public sighting routed to the district. It
 * carries no personal data: the reporter's phone and the description are on the dashboard only.
 */
export function sightingNoticeSms(sighting: {
  trackingCode: string | null;
  seenAt: Date;
  lat: number;
  lon: number;
  seenInDistrictName: string | null;
  atRisk: boolean;
}): string {
  const place = `${sighting.lat.toFixed(5)},${sighting.lon.toFixed(5)}`;
  const district = sighting.seenInDistrictName ? `, ${sighting.seenInDistrictName}` : '';
  const child = sighting.trackingCode
    ? `the missing child of case ${sighting.trackingCode}`
    : 'a child who seems lost or at risk';
  const danger = sighting.atRisk ? ' The caller thinks the child is in danger.' : '';
  return (
    `Talash SIGHTING: a member of the public saw ${child} at ${PAKISTAN_TIME.format(sighting.seenAt)} PKT ` +
    `at ${place}${district}.${danger} Details on the dashboard.`
  );
}
