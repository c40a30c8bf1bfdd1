import { z } from 'zod';
import type { SightingInput } from '../services/sighting-service.js';
import { normaliseTrackingCode } from '../services/tracking-code.js';
import { publicIdSchema } from './register-input.js';
import { reportSchema } from './report-input.js';
import { parseOrThrow } from './validation.js';

const CLOCK_SKEW_MS = 10 * 60_000;
const OLDEST_SIGHTING_MS = 18 * 365.25 * 24 * 3600_000;

const sightingSchema = z
  .object({
    seenAt: z.iso
      .datetime({ offset: true, message: 'must be an ISO 8601 time with a zone, e.g. 2026-12-01T10:00:00Z' })
      .transform((value) => new Date(value))
      .refine((date) => date.getTime() <= Date.now() + CLOCK_SKEW_MS, 'must not be in the future')
      .refine(
        (date) => date.getTime() >= Date.now() - OLDEST_SIGHTING_MS,
        'must be within the last 18 years',
      ),
    place: z
      .object({
        lat: z.number().min(-90, 'must be between -90 and 90').max(90, 'must be between -90 and 90'),
        lon: z.number().min(-180, 'must be between -180 and 180').max(180, 'must be between -180 and 180'),
      })
      .strict(),
    description: z.string().trim().max(2000, 'must be at most 2000 characters').nullish(),
    trackingCode: z
      .string()
      .transform((value, context) => {
        const code = normaliseTrackingCode(value);
        if (!code) {
          context.addIssue({ code: 'custom', message: 'must be a tracking code such as TL-7KQ4-M2XD-9PBE' });
          return z.NEVER;
        }
        return code;
      })
      .nullish(),
    caseId: z.string().uuid('must be a case id (UUID) as a search result shows it').nullish(),
    registerId: publicIdSchema.nullish(),
    reporter: z.object({ phone: reportSchema.shape.reporter.shape.phone }).strict().nullish(),
    atRisk: z.boolean('must be true or false').optional(),
  })
  .strict();

/** Validates a sighting body, throwing INVALID_SIGHTING (400) naming the first bad field. */
export function parseSighting(body: unknown): SightingInput {
  const sighting = parseOrThrow(sightingSchema, body, 'INVALID_SIGHTING');
  return {
    seenAt: sighting.seenAt,
    place: sighting.place,
    description: sighting.description || null,
    trackingCode: sighting.trackingCode ?? null,
    caseId: sighting.caseId ?? null,
    registerId: sighting.registerId ?? null,
    reporterPhone: sighting.reporter?.phone ?? null,
    atRisk: sighting.atRisk ?? false,
  };
}

const NUMERIC_FIELDS = new Set(['place.lat', 'place.lon']);
const BOOLEAN_FIELDS = new Set(['atRisk']);

/**
 * Turns multipart form fields into the JSON sighting shape: one `sighting` field with the whole JSON,
 * or fields named as in JSON (`seenAt`, `place.lat`, `place.lon`, `reporter.phone`, …).
 */
export function multipartFieldsToSighting(fields: Record<string, unknown>): unknown {
  if (typeof fields.sighting === 'string') {
    try {
      return JSON.parse(fields.sighting);
    } catch {
      return { sighting: 'is not valid JSON' };
    }
  }
  const sighting: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value !== 'string') continue;
    let converted: unknown =
      NUMERIC_FIELDS.has(name) && value.trim() !== '' && !Number.isNaN(Number(value)) ? Number(value) : value;
    if (BOOLEAN_FIELDS.has(name) && (value === 'true' || value === 'false')) converted = value === 'true';
    const [group, key, ...rest] = name.split('.');
    if (group && key && rest.length === 0) {
      sighting[group] ??= {};
      (sighting[group] as Record<string, unknown>)[key] = converted;
    } else if (value !== '') {
      sighting[name] = converted;
    }
  }
  return sighting;
}
