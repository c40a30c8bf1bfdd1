import type { Knex } from 'knex';
import { z } from 'zod';
import { ABUSE_CATEGORIES, AGE_BANDS, INCIDENT_TYPES, SEXES } from './incident-fields.js';

/**
 * Builds the schema of a query parameter that lists values, either comma-separated
 * (`?sex=female,male`) or repeated (`?sex=female&sex=male`). Every value must be one of `allowed`.
 */
function listOf<T extends readonly [string, ...string[]]>(allowed: T) {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((value) =>
      (Array.isArray(value) ? value : [value])
        .flatMap((part) => part.split(','))
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    )
    .refine((values) => values.length > 0 && values.every((value) => allowed.includes(value)), {
      message: `must list one or more of ${allowed.join(', ')}, separated by commas`,
    })
    .transform((values) => values as T[number][]);
}

/**
 * The filters every analysis route accepts. `from` is inclusive and `to` exclusive. `category`
 * keeps only abuse incidents of those categories, because only abuse incidents have one.
 */
export const analysisFilterShape = {
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  type: listOf(INCIDENT_TYPES).optional(),
  category: listOf(ABUSE_CATEGORIES).optional(),
  ageBand: listOf(AGE_BANDS).optional(),
  sex: listOf(SEXES).optional(),
};

export const analysisFilter = z.object(analysisFilterShape).strict();

export type AnalysisFilter = z.infer<typeof analysisFilter>;

/** A SQL condition over analysis_incidents (aliased `alias`) and its bindings, for knex.raw. */
export interface SqlCondition {
  sql: string;
  bindings: Knex.RawBinding[];
}

/**
 * Builds the WHERE condition of a filter. `publicView` keeps only missing-child cases, so the public
 * gets no abuse incidents or sightings, whatever the filter requests.
 */
export function filterCondition(filter: AnalysisFilter, alias: string, publicView: boolean): SqlCondition {
  const parts: string[] = [];
  const bindings: Knex.RawBinding[] = [];
  if (filter.from) {
    parts.push(`${alias}.occurred_at >= ?`);
    bindings.push(filter.from);
  }
  if (filter.to) {
    parts.push(`${alias}.occurred_at < ?`);
    bindings.push(filter.to);
  }
  if (publicView) {
    parts.push(`${alias}.type = 'missing_child'`);
  } else if (filter.type) {
    parts.push(`${alias}.type = ANY(?::text[])`);
    bindings.push(filter.type);
  }
  if (filter.category) {
    parts.push(`${alias}.category = ANY(?::text[])`);
    bindings.push(filter.category);
  }
  if (filter.ageBand) {
    parts.push(`${alias}.age_band = ANY(?::text[])`);
    bindings.push(filter.ageBand);
  }
  if (filter.sex) {
    parts.push(`${alias}.sex = ANY(?::text[])`);
    bindings.push(filter.sex);
  }
  return { sql: parts.length > 0 ? parts.join(' AND ') : 'true', bindings };
}
