import type { ImportLevel } from './import-levels.js';
import { PARENT_LEVEL } from './import-levels.js';

/** Names of the source attributes that contain each value the importer needs. */
export interface AttributeMapping {
  code?: string;
  name?: string;
  nameUr?: string;
  parent?: string;
}

/** Samples of each attribute's values, gathered while the features stream in. */
export class AttributeStatistics {
  private static readonly MAX_SAMPLES = 2000;
  readonly fields: string[] = [];
  private readonly distinct = new Map<string, Set<string>>();
  private readonly arabicScript = new Map<string, number>();
  private readonly filled = new Map<string, number>();
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
    }
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

/**
 * Proposes which attributes hold the code, English name, Urdu name and parent of each feature of a
 * layer imported at `level`, from attribute names (`name`, `NAME`, `district_n`, `PC_NAME`,
 * `wof:name`, `name:urd_x_preferred`, ...) and how their sampled values look. Fields listed in
 * `excluded` (text of unknown encoding) are never proposed.
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

  return { code, name, nameUr, parent };
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
