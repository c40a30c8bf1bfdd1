import type { ImportLevel } from './import-levels.js';
import { PARENT_LEVEL } from './import-levels.js';

/** Names of the source attributes that contain each value the importer needs. */
export interface AttributeMapping {
  code?: string;
  name?: string;
  nameUr?: string;
  parent?: string;
  /** Resident population, optional. */
  population?: string;
  /** Year of the census or estimate that the population comes from, optional. */
  populationYear?: string;
}

/** The keys of AttributeMapping, in the order the importer and its report list them. */
export const MAPPING_KEYS = ['code', 'name', 'nameUr', 'parent', 'population', 'populationYear'] as const;

/** Samples of each attribute's values, gathered while the features stream in. */
export class AttributeStatistics {
  private static readonly MAX_SAMPLES = 2000;
  readonly fields: string[] = [];
  private readonly distinct = new Map<string, Set<string>>();
  private readonly arabicScript = new Map<string, number>();
  private readonly filled = new Map<string, number>();
  private readonly counts = new Map<string, number>();
  private readonly years = new Map<string, number>();
  private sampled = 0;

  add(properties: Record<string, unknown>): void {
    if (this.sampled >= AttributeStatistics.MAX_SAMPLES) return;
    this.sampled += 1;
    for (const [field, value] of Object.entries(properties)) {
      if (!this.distinct.has(field)) {
        this.fields.push(field);
        this.distinct.set(field, new Set());
      }
      const scalar = Array.isArray(value) ? value[0] : value;
      if (scalar === null || scalar === undefined || typeof scalar === 'object') continue;
      const text = String(scalar).trim();
      if (text === '') continue;
      this.distinct.get(field)?.add(text);
      this.filled.set(field, (this.filled.get(field) ?? 0) + 1);
      if (/[\u0600-\u06ff]/.test(text)) this.arabicScript.set(field, (this.arabicScript.get(field) ?? 0) + 1);
      const count = parseCount(text);
      if (count !== undefined) this.counts.set(field, (this.counts.get(field) ?? 0) + 1);
      if (count !== undefined && isYear(count)) this.years.set(field, (this.years.get(field) ?? 0) + 1);
    }
  }

  /** Share of filled values that are whole or decimal numbers of at least 1, such as a population. */
  countRatio(field: string): number {
    const filled = this.filled.get(field) ?? 0;
    return filled === 0 ? 0 : (this.counts.get(field) ?? 0) / filled;
  }

  /** Share of filled values that are years from 1800 to 2200. */
  yearRatio(field: string): number {
    const filled = this.filled.get(field) ?? 0;
    return filled === 0 ? 0 : (this.years.get(field) ?? 0) / filled;
  }

  /** Share of sampled features with a distinct value in this field (1 = every value differs). */
  distinctRatio(field: string): number {
    return this.sampled === 0 ? 0 : (this.distinct.get(field)?.size ?? 0) / this.sampled;
  }

  /** Share of sampled features with any value in this field. */
  filledRatio(field: string): number {
    return this.sampled === 0 ? 0 : (this.filled.get(field) ?? 0) / this.sampled;
  }

  /** Share of filled values written in Arabic script (Urdu, Arabic, Persian, Sindhi, Pashto). */
  arabicScriptRatio(field: string): number {
    const filled = this.filled.get(field) ?? 0;
    return filled === 0 ? 0 : (this.arabicScript.get(field) ?? 0) / filled;
  }
}

// Words that name each level in attribute names, including shapefile-truncated and ADM forms.
const LEVEL_WORDS: Record<ImportLevel, RegExp> = {
  province: /(province|prov|adm1|admin1|state|territory)/i,
  region: /(division|divisn|region|adm2|admin2|range)/i,
  district: /(district|dist|adm2|adm3|admin2|admin3|county)/i,
  station: /(station|police|thana|ps_|_ps|precinct|beat)/i,
};

const NAME_UR =
  /^(name[:_ -]?(ur|urd|urdu)(_x_preferred)?|urdu[_ ]?name|name[_ ]?urdu|nam[_-]?ur|.*_ur|urdu)$/i;
const NAME = /(^|[_:. ])(name|nam|naam)(_en|_eng|_english|:en|_x_preferred)?$|^(name|nam|naam)|_n$/i;
const CODE = /(^|[_:. ])(code|pcode|cod|iso|_c)$|(code|pcode)$|_c$/i;
// pop, population, pop_2023, POP2017, total_pop, pop_total; not pop_density, pop_male or popular.
const POPULATION = /^(.*[_:. ])?(total[_:. ]?)?(pop|popn|population)([_:. ]?(total|tot|both|\d{4}))?$/i;
// Attributes of part of the population or derived from it: female_pop, urban_pop, pop_growth_rate, ...
const POPULATION_PART = /(male|urban|rural|child|boys|girls|men|dens|pct|percent|share|growth|rate)/i;
// pop_year, population_year, census_year, census_yr.
const POPULATION_YEAR = /^(.*[_:. ])?(pop|popn|population|census)[_:. ]?(year|yr)$/i;

/**
 * Parses a count such as a population: digits with optional thousands separators (commas or spaces)
 * and decimals, at least 1. Returns undefined for anything else.
 */
export function parseCount(text: string): number | undefined {
  const compact = text.trim().replace(/[,\s]/g, '');
  if (!/^\d+(\.\d+)?$/.test(compact)) return undefined;
  const value = Number(compact);
  return value >= 1 && Number.isFinite(value) ? value : undefined;
}

function isYear(value: number): boolean {
  return Number.isInteger(value) && value >= 1800 && value <= 2200;
}

/** Returns the year in an attribute name such as pop_2023 or POP2017, or undefined when it has none. */
export function yearInAttributeName(field: string): number | undefined {
  const match = /(?:^|\D)(1[89]\d{2}|2[01]\d{2})(?:\D|$)/.exec(field);
  return match ? Number(match[1]) : undefined;
}

/**
 * Proposes which attributes hold the code, English name, Urdu name and parent of each feature of a
 * layer imported at `level`, from attribute names (`name`, `NAME`, `district_n`, `PC_NAME`,
 * `wof:name`, `name:urd_x_preferred`, ...) and how their sampled values look. It also proposes the
 * population (`pop`, `population`, `pop_2023`, ...) and its year (`census_year`, ...) when an
 * attribute of that name contains numbers. Fields listed in `excluded` (text of unknown encoding) are
 * never proposed.
 */
export function proposeAttributeMapping(
  statistics: AttributeStatistics,
  level: ImportLevel,
  excluded: string[] = [],
): AttributeMapping {
  const fields = statistics.fields.filter((field) => !excluded.includes(field));
  const parentLevel = PARENT_LEVEL[level];
  const otherLevels = (Object.keys(LEVEL_WORDS) as ImportLevel[]).filter((other) => other !== level);
  const mentionsOtherLevel = (field: string) =>
    otherLevels.some((other) => LEVEL_WORDS[other].test(field)) && !LEVEL_WORDS[level].test(field);

  const nameUr = best(fields, (field) => {
    if (statistics.filledRatio(field) === 0) return 0;
    if (NAME_UR.test(field)) return 3 + statistics.arabicScriptRatio(field);
    return statistics.arabicScriptRatio(field) > 0.8 && NAME.test(field) ? 2 : 0;
  });

  const name = best(fields, (field) => {
    if (field === nameUr || !NAME.test(field) || NAME_UR.test(field)) return 0;
    if (statistics.filledRatio(field) < 0.5 || statistics.arabicScriptRatio(field) > 0.5) return 0;
    let score = 1 + statistics.distinctRatio(field);
    if (/^(name|wof:name)$/i.test(field)) score += 1;
    if (LEVEL_WORDS[level].test(field)) score += 1.5;
    if (mentionsOtherLevel(field)) score -= 1.5;
    return score;
  });

  const code = best(fields, (field) => {
    if (!CODE.test(field) || statistics.filledRatio(field) < 0.5) return 0;
    let score = 1 + statistics.distinctRatio(field);
    if (LEVEL_WORDS[level].test(field)) score += 1.5;
    if (mentionsOtherLevel(field)) score -= 1.5;
    return score;
  });

  const parent = parentLevel
    ? best(fields, (field) => {
        if ([name, code, nameUr].includes(field) || statistics.filledRatio(field) < 0.5) return 0;
        if (CODE.test(field) && !NAME.test(field)) return 0;
        if (LEVEL_WORDS[parentLevel].test(field)) return 3 - statistics.distinctRatio(field);
        const ancestors = ancestorLevels(level).slice(1);
        if (ancestors.some((ancestor) => LEVEL_WORDS[ancestor].test(field)))
          return 2 - statistics.distinctRatio(field);
        return 0;
      })
    : undefined;

  // Of several population attributes, the one of the latest year in its name.
  const population = best(fields, (field) => {
    if (!POPULATION.test(field) || POPULATION_PART.test(field) || statistics.filledRatio(field) < 0.5)
      return 0;
    // Most values must be counts; the rest (n/a, empty) are stored as unknown.
    if (statistics.countRatio(field) < 0.5) return 0;
    return 1 + (yearInAttributeName(field) ?? 0) / 10_000;
  });
  const populationYear = population
    ? best(fields, (field) => (POPULATION_YEAR.test(field) && statistics.yearRatio(field) >= 0.9 ? 1 : 0))
    : undefined;

  const mapping: AttributeMapping = { code, name, nameUr, parent };
  if (population) mapping.population = population;
  if (populationYear) mapping.populationYear = populationYear;
  return mapping;
}

function ancestorLevels(level: ImportLevel): ImportLevel[] {
  const ancestors: ImportLevel[] = [];
  for (let parent = PARENT_LEVEL[level]; parent; parent = PARENT_LEVEL[parent]) ancestors.push(parent);
  return ancestors;
}

function best(fields: string[], score: (field: string) => number): string | undefined {
  let chosen: string | undefined;
  let chosenScore = 0;
  for (const field of fields) {
    const value = score(field);
    if (value > chosenScore) {
      chosen = field;
      chosenScore = value;
    }
  }
  return chosen;
}
