import { z } from 'zod';

export const INCIDENT_TYPES = ['missing_child', 'sighting', 'abuse'] as const;
export const ABUSE_CATEGORIES = [
  'abduction',
  'sexual_abuse',
  'trafficking',
  'child_labour',
  'other',
] as const;
export const AGE_BANDS = ['0-4', '5-9', '10-13', '14-17', 'unknown'] as const;
export const SEXES = ['female', 'male', 'other', 'unknown'] as const;

export type IncidentType = (typeof INCIDENT_TYPES)[number];
export type AbuseCategory = (typeof ABUSE_CATEGORIES)[number];
export type AgeBand = (typeof AGE_BANDS)[number];
export type Sex = (typeof SEXES)[number];

/** An incident ready to store, before geofencing has given it a district. */
export interface IncidentDraft {
  type: IncidentType;
  category: AbuseCategory | null;
  occurredAt: Date;
  lat: number;
  lon: number;
  ageBand: AgeBand;
  sex: Sex;
}

/** Returns the age band of an age in whole years, with the same bands as incident_age_band in SQL. */
export function ageBandOf(age: number): AgeBand {
  if (age <= 4) return '0-4';
  if (age <= 9) return '5-9';
  if (age <= 13) return '10-13';
  return '14-17';
}

// Pakistan Standard Time, UTC+05:00.
// NOTE: Pakistan kept daylight saving time (UTC+06:00) in the summers of 2008 and 2009, so a local
// time from those summers written without an offset is read one hour late.
const PAKISTAN_OFFSET = '+05:00';
const ZONED = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;
const LOCAL = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;
const EARLIEST = Date.parse('1947-08-14T00:00:00+05:00');

/**
 * Parses when an incident happened: an ISO 8601 date and time with an offset, or without one, then
 * read as Pakistan Standard Time. A date without a time is rejected because the hour-of-day trend
 * would count it at midnight.
 */
export function parseOccurredAt(
  input: unknown,
  now = new Date(),
): { ok: true; value: Date } | { ok: false; problem: string } {
  if (typeof input !== 'string' || input.trim() === '')
    return { ok: false, problem: 'occurred_at is missing' };
  const text = input.trim();
  let value: Date;
  if (ZONED.test(text)) {
    value = new Date(text.replace(' ', 'T'));
  } else {
    const local = LOCAL.exec(text);
    if (!local) {
      return {
        ok: false,
        problem: `occurred_at "${text}" is not a date and time such as 2024-03-05T14:30:00+05:00 or 2024-03-05 14:30`,
      };
    }
    value = new Date(`${local[1]}T${local[2]}${PAKISTAN_OFFSET}`);
  }
  if (Number.isNaN(value.getTime()))
    return { ok: false, problem: `occurred_at "${text}" is not a valid date` };
  if (value.getTime() > now.getTime())
    return { ok: false, problem: `occurred_at "${text}" is in the future` };
  if (value.getTime() < EARLIEST)
    return { ok: false, problem: `occurred_at "${text}" is before 14 August 1947` };
  return { ok: true, value };
}

/** The body of POST /api/incidents: an abuse incident recorded by an officer. */
export const recordedIncidentInput = z
  .object({
    category: z.enum(ABUSE_CATEGORIES),
    occurredAt: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with an offset' }),
    place: z
      .object({
        lat: z.number().min(-90).max(90),
        lon: z.number().min(-180).max(180),
      })
      .strict(),
    ageBand: z.enum(AGE_BANDS),
    sex: z.enum(SEXES),
  })
  .strict();

export type RecordedIncidentInput = z.infer<typeof recordedIncidentInput>;
