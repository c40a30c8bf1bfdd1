import { z } from 'zod';
import { ApiError } from '../errors.js';
import type { ReportInput } from '../services/report-service.js';
import { parseOrThrow } from './validation.js';

const CLOCK_SKEW_MS = 10 * 60_000;
const OLDEST_LAST_SEEN_MS = 18 * 365.25 * 24 * 3600_000;

/** Normalises a phone number to E.164; Pakistani numbers may be written 03xx-xxxxxxx or 0092…. */
export function normalisePhone(input: string): string | undefined {
  const compact = input.replace(/[\s\-().]/g, '');
  let e164 = compact;
  if (/^00\d+$/.test(compact)) e164 = `+${compact.slice(2)}`;
  else if (/^03\d{9}$/.test(compact)) e164 = `+92${compact.slice(1)}`;
  return /^\+[1-9]\d{7,14}$/.test(e164) ? e164 : undefined;
}

// Control characters (a NUL byte above all, which PostgreSQL rejects in text) never belong in a report.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the purpose.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const noControlCharacters = (value: string) => !CONTROL_CHARACTERS.test(value);

/** Optional free text: trimmed, at most `max` characters, without control characters. */
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .refine(noControlCharacters, 'must not contain control characters')
    .nullish();

const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine(noControlCharacters, 'must not contain control characters');

export const reportSchema = z
  .object({
    child: z
      .object({
        name: text(200),
        age: z
          .number()
          .int('must be a whole number of years')
          .min(0)
          .max(17, 'must be 17 or less: Talash handles children'),
        sex: z.enum(['female', 'male', 'other', 'unknown']),
        description: optionalText(2000),
      })
      .strict(),
    lastSeen: z
      .object({
        lat: z.number().min(-90, 'must be between -90 and 90').max(90, 'must be between -90 and 90'),
        lon: z.number().min(-180, 'must be between -180 and 180').max(180, 'must be between -180 and 180'),
        at: z.iso
          .datetime({
            offset: true,
            message: 'must be an ISO 8601 time with a zone, e.g. 2026-12-01T10:00:00Z',
          })
          .transform((value) => new Date(value))
          .refine((date) => date.getTime() <= Date.now() + CLOCK_SKEW_MS, 'must not be in the future')
          .refine(
            (date) => date.getTime() >= Date.now() - OLDEST_LAST_SEEN_MS,
            'must be within the last 18 years',
          ),
        // The address, town or district as typed. The case is routed by lat and lon, not by this text.
        placeDescription: optionalText(500),
      })
      .strict(),
    reporter: z
      .object({
        name: text(200),
        phone: z.string().transform((value, context) => {
          const phone = normalisePhone(value);
          if (!phone) {
            context.addIssue({
              code: 'custom',
              message: 'must be a phone number such as +923001234567 or 0300-1234567',
            });
            return z.NEVER;
          }
          return phone;
        }),
      })
      .strict(),
  })
  .strict();

/** Validates a JSON report body, throwing INVALID_REPORT (400) naming the first bad field. */
export function parseReport(body: unknown): ReportInput {
  const report = parseOrThrow(reportSchema, body, 'INVALID_REPORT');
  return {
    ...report,
    child: { ...report.child, description: report.child.description ?? null },
    lastSeen: { ...report.lastSeen, placeDescription: report.lastSeen.placeDescription || null },
  };
}

const NUMERIC_FIELDS = new Set(['child.age', 'lastSeen.lat', 'lastSeen.lon']);
const FIELD_GROUPS = new Set(['child', 'lastSeen', 'reporter']);
const DECIMAL_NUMBER = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*$/;

/**
 * Turns multipart form fields into the JSON report shape. Fields are either one `report` field with
 * the whole JSON, or dotted names such as `child.name` and `lastSeen.lat`. Throws INVALID_REPORT
 * naming the field for a name outside those groups, a repeated field or invalid `report` JSON.
 */
export function multipartFieldsToReport(fields: Record<string, unknown>): unknown {
  if (fields.report !== undefined) {
    if (typeof fields.report !== 'string' || Object.keys(fields).length > 1) {
      throw new ApiError(
        400,
        'INVALID_REPORT',
        'Send either one "report" field or the dotted fields, not both.',
        'report',
      );
    }
    try {
      return JSON.parse(fields.report);
    } catch {
      throw new ApiError(400, 'INVALID_REPORT', 'The "report" field is not valid JSON.', 'report');
    }
  }

  // Objects without a prototype: a field named "__proto__.x" must not reach Object.prototype.
  const report: Record<string, Record<string, unknown>> = Object.create(null);
  for (const [name, value] of Object.entries(fields)) {
    const [group, key, ...rest] = name.split('.');
    if (!group || !key || rest.length > 0 || !FIELD_GROUPS.has(group)) {
      throw new ApiError(
        400,
        'INVALID_REPORT',
        `Unknown field "${name}". Use child.*, lastSeen.* and reporter.* fields.`,
        name,
      );
    }
    if (typeof value !== 'string') {
      throw new ApiError(400, 'INVALID_REPORT', `The field "${name}" was sent more than once.`, name);
    }
    report[group] ??= Object.create(null) as Record<string, unknown>;
    const target = report[group] as Record<string, unknown>;
    target[key] = NUMERIC_FIELDS.has(name) && DECIMAL_NUMBER.test(value) ? Number(value) : value;
  }
  return { ...report };
}
