// `npm run import:incidents -- FILE [options]`: checks every row of a historical incident file and
// loads it in one transaction; see HELP. Exit status 0 when loaded, 1 when rows are invalid and
// nothing was loaded or the file cannot be read, 2 for invalid arguments.
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { IncidentFileError } from '../api/src/analysis/incident-file.js';
import { loadConfig } from '../api/src/config.js';
import { createDatabase } from '../api/src/database.js';
import { AuditRepository } from '../api/src/repositories/audit-repository.js';
import { IncidentRepository } from '../api/src/repositories/incident-repository.js';
import { IncidentService } from '../api/src/services/incident-service.js';

const HELP = `Usage: npm run import:incidents -- FILE [options]

FILE: CSV (.csv) or GeoJSON (.geojson, .json) with the columns or properties type, category,
occurred_at, lat, lon, age_band or age, and sex. Every row is checked; one invalid row means
nothing is loaded, and each invalid row is listed with its line (CSV) or feature number (GeoJSON).

Options:
  --skip-invalid   load the valid rows and list the invalid ones
  --by NAME        who imports, for the audit trail (default: the operating-system user)
  --help           show this text`;

const OPTIONS = {
  'skip-invalid': { type: 'boolean' },
  by: { type: 'string' },
  help: { type: 'boolean' },
} as const;

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ options: OPTIONS, allowPositionals: true });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(HELP);
    return 0;
  }
  const file = parsed.positionals[0];
  if (!file || parsed.positionals.length > 1) {
    console.error(`Name exactly one file.\n\n${HELP}`);
    return 2;
  }
  const extension = path.extname(file).toLowerCase();
  let format: 'csv' | 'geojson' | null = null;
  if (extension === '.csv') format = 'csv';
  else if (extension === '.geojson' || extension === '.json') format = 'geojson';
  if (!format) {
    console.error(`${file}: the name must end in .csv, .geojson or .json, which decides how it is read.`);
    return 2;
  }

  const content = await readFile(file, 'utf8');
  const db = createDatabase(loadConfig().DATABASE_URL);
  try {
    const service = new IncidentService(db, {
      incidents: new IncidentRepository(db),
      audit: new AuditRepository(db),
    });
    const result = await service.importFile(
      content,
      {
        fileName: path.basename(file),
        format,
        skipInvalid: parsed.values['skip-invalid'] === true,
        importedBy: parsed.values.by ?? `os:${userInfo().username}`,
      },
      null,
      null,
    );
    const label = format === 'csv' ? 'line' : 'feature';
    for (const row of result.invalid) console.log(`${label} ${row.row}: ${row.problems.join('; ')}`);
    if (result.importId === null) {
      console.log(`${result.invalid.length} of ${result.rowCount} rows are invalid; nothing was loaded.`);
      return 1;
    }
    console.log(`Loaded ${result.loaded} of ${result.rowCount} rows as import ${result.importId}.`);
    return 0;
  } catch (error) {
    if (error instanceof IncidentFileError) {
      console.error(`${file}: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await db.destroy();
  }
}

process.exitCode = await main();
