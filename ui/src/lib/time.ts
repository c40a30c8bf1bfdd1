// Relative ("12 min ago") and absolute times for the dashboard, in the page's Intl locale and the
// browser's time zone.

const UNITS: { unit: Intl.RelativeTimeFormatUnit; seconds: number }[] = [
  { unit: 'day', seconds: 86_400 },
  { unit: 'hour', seconds: 3_600 },
  { unit: 'minute', seconds: 60 },
];

export function formatRelativeTime(iso: string, now: number, intlLocale: string): string {
  const elapsedSeconds = (Date.parse(iso) - now) / 1000;
  const format = new Intl.RelativeTimeFormat(intlLocale, { numeric: 'auto', style: 'short' });

  for (const { unit, seconds } of UNITS) {
    if (Math.abs(elapsedSeconds) >= seconds) {
      return format.format(Math.round(elapsedSeconds / seconds), unit);
    }
  }
  // Under a minute reads as "now" rather than a count of seconds.
  return format.format(0, 'second');
}

export function formatAbsoluteTime(iso: string, intlLocale: string): string {
  return new Intl.DateTimeFormat(intlLocale, { dateStyle: 'medium', timeStyle: 'short' }).format(
    new Date(iso),
  );
}
