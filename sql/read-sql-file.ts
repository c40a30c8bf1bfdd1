import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Reads a file under `sql/` by its path relative to that folder, for migrations that install SQL functions. */
export function readSqlFile(relativePath: string): string {
  return readFileSync(fileURLToPath(new URL(relativePath, import.meta.url)), 'utf8');
}
