import { existsSync, readFileSync } from 'node:fs';

export type JurisdictionLevel = 'province' | 'region' | 'district';

/**
 * Reads `level,name,name_ur` rows into a lookup keyed by `level|name`. A missing file or an empty
 * `name_ur` leaves that name without an Urdu spelling; the map then falls back to the English name.
 */
export function loadUrduNames(csvPath: string): Map<string, string> {
  const names = new Map<string, string>();
  if (!existsSync(csvPath)) return names;

  const lines = readFileSync(csvPath, 'utf8').split(/\r?\n/);
  const header = lines.shift()?.trim();
  if (header !== 'level,name,name_ur') {
    throw new Error(`${csvPath}: expected the header "level,name,name_ur", found "${header}"`);
  }

  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const cells = line.split(',');
    if (cells.length !== 3) {
      throw new Error(`${csvPath}:${index + 2}: expected 3 comma-separated values, found ${cells.length}`);
    }
    const [level, name, nameUr] = cells.map((cell) => cell.trim()) as [string, string, string];
    if (nameUr !== '') names.set(`${level}|${name}`, nameUr);
  }
  return names;
}
