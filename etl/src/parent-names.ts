import type { DraftJurisdiction } from './boundary-import-repository.js';
import type { ImportLevel } from './import-levels.js';
import { PARENT_LEVEL } from './import-levels.js';

/** Normalises a name or code for matching: case, accents, punctuation and spaces are ignored, & = and. */
export function normalizeForMatch(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, 'and')
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

export interface ResolvedParentValue {
  value: string;
  /** The parent, when the value names exactly one jurisdiction of the parent level. */
  parentId: number | null;
  /** An ancestor above the parent level (e.g. a province for a district), to search within by location. */
  withinId: number | null;
}

/**
 * Resolves parent attribute values against the draft's jurisdictions by code, English or Urdu name.
 * A value that names a jurisdiction of a higher level (a province in a district file that has no
 * division column) narrows the location search to that jurisdiction; an unknown or ambiguous value
 * resolves to nothing, and the parent is then found by location alone.
 */
export function resolveParentValues(
  values: string[],
  candidates: DraftJurisdiction[],
  parentLevel: ImportLevel,
): ResolvedParentValue[] {
  const index = new Map<string, DraftJurisdiction[]>();
  for (const candidate of candidates) {
    const keys = new Set(
      [candidate.code, candidate.name, candidate.nameUr]
        .filter((key): key is string => !!key)
        .map(normalizeForMatch),
    );
    for (const key of keys) {
      const list = index.get(`${candidate.level}|${key}`) ?? [];
      list.push(candidate);
      index.set(`${candidate.level}|${key}`, list);
    }
  }

  return values.map((value) => {
    const key = normalizeForMatch(value);
    const direct = index.get(`${parentLevel}|${key}`) ?? [];
    if (direct.length === 1) return { value, parentId: (direct[0] as DraftJurisdiction).id, withinId: null };
    if (direct.length > 1) return { value, parentId: null, withinId: null };
    for (let level = PARENT_LEVEL[parentLevel]; level; level = PARENT_LEVEL[level]) {
      const ancestors = index.get(`${level}|${key}`) ?? [];
      if (ancestors.length === 1)
        return { value, parentId: null, withinId: (ancestors[0] as DraftJurisdiction).id };
    }
    return { value, parentId: null, withinId: null };
  });
}
