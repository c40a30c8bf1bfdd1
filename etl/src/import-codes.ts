import type { DraftJurisdiction, StagedRow } from './boundary-import-repository.js';
import type { ImportLevel } from './import-levels.js';
import { PROVINCE_CODES, slugifyName } from './jurisdiction-codes.js';

/**
 * Gives every accepted feature its jurisdiction code: the code attribute's value when the file has
 * one, otherwise a code built from the name as the bundled import builds them. Re-importing the same
 * boundaries so keeps the codes that duty officers are registered under. Provinces get their
 * ISO 3166-2 code, regions `PK-PB-LAHORE-DIV`, districts `PK-PB-LAHORE`, and stations the district
 * code followed by the station name.
 */
export function assignCodes(
  rows: StagedRow[],
  level: ImportLevel,
  above: Map<number, DraftJurisdiction>,
): { index: number; code: string }[] {
  return rows.map((row) => {
    if (row.code) return { index: row.index, code: row.code };
    const slug = slugifyName(row.name) || `FEATURE-${row.index}`;
    const parent = row.parentId === null ? undefined : above.get(row.parentId);
    const province = provinceOf(parent, above);
    const codes: Record<ImportLevel, string> = {
      province: PROVINCE_CODES[row.name] ?? slug,
      region: province ? `${province.code}-${slug}-DIV` : `${slug}-DIV`,
      district: province ? `${province.code}-${slug}` : slug,
      station: parent ? `${parent.code}-${slug}` : slug,
    };
    return { index: row.index, code: codes[level] };
  });
}

function provinceOf(
  jurisdiction: DraftJurisdiction | undefined,
  above: Map<number, DraftJurisdiction>,
): DraftJurisdiction | undefined {
  let current = jurisdiction;
  while (current && current.level !== 'province') {
    current = current.parentId === null ? undefined : above.get(current.parentId);
  }
  return current;
}
