import { z } from 'zod';
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

const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

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
        description: z.string().trim().max(2000, 'must be at most 2000 characters').nullish(),
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
  return { ...report, child: { ...report.child, description: report.child.description ?? null } };
}

const NUMERIC_FIELDS = new Set(['child.age', 'lastSeen.lat', 'lastSeen.lon']);

/**
 * Turns multipart form fields into the JSON report shape. Fields are either one `report` field with
 * the whole JSON, or dotted names such as `child.name` and `lastSeen.lat`.
 */
export function multipartFieldsToReport(fields: Record<string, unknown>): unknown {
  if (typeof fields.report === 'string') {
    try {
      return JSON.parse(fields.report);
    } catch {
      return { __invalidJson: true };
    }
  }
  const report: Record<string, Record<string, unknown>> = {};
  for (const [name, value] of Object.entries(fields)) {
    const [group, key, ...rest] = name.split('.');
    if (!group || !key || rest.length > 0 || typeof value !== 'string') {
      report[name] = value as Record<string, unknown>;
      continue;
    }
    report[group] ??= {};
    const target = report[group] as Record<string, unknown>;
    target[key] =
      NUMERIC_FIELDS.has(name) && value.trim() !== '' && !Number.isNaN(Number(value)) ? Number(value) : value;
  }
  return report;
}
