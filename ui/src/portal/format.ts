// Date and time formatting for the portal in the page language.
import { locale } from '../i18n/locale.svelte';

/** Formats a calendar day (YYYY-MM-DD, a day in Pakistan time) without shifting it by time zone. */
export function formatDay(day: string): string {
  const [year, month, date] = day.split('-').map(Number);
  const utcNoon = new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, date ?? 1, 12));
  return new Intl.DateTimeFormat(locale.intlLocale, { dateStyle: 'medium', timeZone: 'UTC' }).format(utcNoon);
}

/** Formats an instant as date and time in Pakistan time. */
export function formatInstant(iso: string): string {
  return new Intl.DateTimeFormat(locale.intlLocale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'Asia/Karachi',
  }).format(new Date(iso));
}
