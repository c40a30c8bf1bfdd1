// `npm run import -- FILE [options]`: imports a boundary file as a draft boundary version and prints
// its validation report; see HELP below. Exit status 0 on success, 1 when the file cannot be
// imported or a publish/rollback is refused, 2 for invalid arguments.
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { loadConfig } from '../../api/src/config.js';
import { createDatabase } from '../../api/src/database.js';
import { rerouteAfterSwitch, switchLiveVersion } from '../../api/src/services/boundary-switch.js';
import { type ImportProgress, importBoundaryFile } from './boundary-import.js';
import { discardDraft, publishInTransaction, rollbackInTransaction } from './boundary-publishing.js';
import { ImportError } from './import-error.js';
import { IMPORT_LEVELS, type ImportLevel } from './import-levels.js';
import { formatImportReport } from './import-report-text.js';
import { LayerChoiceError, SourceFormatError } from './readers/source.js';

const HELP = `Usage:
  npm run import -- FILE [options]      import FILE as a draft boundary version and print its report
  npm run import -- --publish-draft N   make draft version N live
  npm run import -- --rollback          make the previously live version live again
  npm run import -- --discard-draft N   delete draft version N

Publishing and rolling back re-route every open case whose district changes and alert its new
DPO and RPO (the outbox worker sends the SMS).

FILE: GeoJSON, TopoJSON, ESRI shapefile (.shp with its .dbf/.shx/.prj, or a .zip), KML/KMZ,
GeoPackage (.gpkg) or CSV with a WKT column.

Options:
  --level LEVEL          province, region, district (default) or station
  --layer NAME           layer to import from a file with several (they are listed when needed)
  --srid N               EPSG code of the coordinates, when the file declares none or a wrong one
  --encoding NAME        text encoding of the attributes, e.g. windows-1256 (shapefile, CSV)
  --code-field F         attribute with the jurisdiction code (default: proposed from the names;
                         without one, codes are made from the names)
  --name-field F         attribute with the English name
  --name-ur-field F      attribute with the Urdu name
  --parent-field F       attribute naming the parent (division, province or district)
                         Pass an empty value (--parent-field '') to use none of them.
  --population-field F   attribute with the resident population (optional; proposed from names
                         such as pop, population or pop_2023 when their values are numbers)
  --population-year-field F
                         attribute with the year of the population figure (default: the year in
                         the population attribute's name, such as 2023 in pop_2023)
  --replace MODE         scope (default): replace every jurisdiction of the level in the provinces
                         (for stations: districts) the file covers; same-code: only those whose
                         code the file brings again
  --publish              make the draft live right away, unless its report blocks it
  --allow-removals       publish although the draft drops jurisdiction codes that are live now
  --by NAME              who is importing, recorded with the version (default: your user name)
  --min-area KM2         smallest overlap or gap listed in the report (default 0.01 km²)
  --json                 print the report as JSON instead of text
  -h, --help             show this help
Database: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/talash).`;

class UsageError extends Error {}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseArguments>;
  try {
    parsed = parseArguments(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, file } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }

  const config = loadConfig();
  const db = createDatabase(config.DATABASE_URL, 2);
  const deadlineSettings = {
    firMinutes: config.FIR_DEADLINE_MINUTES,
    contactMinutes: config.CONTACT_DEADLINE_MINUTES,
    igAfterMinutes: config.IG_ESCALATION_AFTER_MINUTES,
  };
  const by = values.by ?? userInfo().username;
  try {
    if (values.rollback) {
      const { published: result, rerouted } = await switchLiveVersion(
        db,
        (trx) => rollbackInTransaction(trx, by),
        { action: 'rollback', by, deadlines: deadlineSettings },
      );
      console.log(
        `Boundary version ${result.versionId} is live again; version ${result.retiredVersionId} was retired.`,
      );
      console.log(reroutedSummary(rerouted.length));
      return 0;
    }
    if (values['publish-draft'] !== undefined) {
      const versionId = toInteger(values['publish-draft'], '--publish-draft');
      const { published: result, rerouted } = await switchLiveVersion(
        db,
        (trx) => publishInTransaction(trx, versionId, by, { allowRemovals: values['allow-removals'] }),
        { action: 'publish', by, deadlines: deadlineSettings },
      );
      console.log(
        `Boundary version ${result.versionId} is live` +
          (result.retiredVersionId === null ? '.' : `; version ${result.retiredVersionId} was retired.`),
      );
      console.log(reroutedSummary(rerouted.length));
      return 0;
    }
    if (values['discard-draft'] !== undefined) {
      const versionId = toInteger(values['discard-draft'], '--discard-draft');
      await discardDraft(db, versionId);
      console.log(`Draft boundary version ${versionId} was deleted.`);
      return 0;
    }
    if (!file) throw new UsageError('Name the boundary file to import.');

    const progress = createProgressDisplay();
    let rerouted: number | undefined;
    const report = await importBoundaryFile(db, file, {
      createdBy: by,
      level: values.level as ImportLevel | undefined,
      layer: values.layer,
      srid: values.srid === undefined ? undefined : toInteger(values.srid, '--srid'),
      encoding: values.encoding,
      mapping: {
        code: values['code-field'],
        name: values['name-field'],
        nameUr: values['name-ur-field'],
        parent: values['parent-field'],
        population: values['population-field'],
        populationYear: values['population-year-field'],
      },
      replace: values.replace as 'scope' | 'same-code' | undefined,
      publish: values.publish,
      allowRemovals: values['allow-removals'],
      onPublished: async (trx, published) => {
        rerouted = (
          await rerouteAfterSwitch(trx, published, { action: 'publish', by, deadlines: deadlineSettings })
        ).length;
      },
      minReportedAreaKm2: values['min-area'] === undefined ? undefined : Number(values['min-area']),
      onProgress: progress.update,
    }).finally(progress.stop);

    console.log(values.json ? JSON.stringify(report, null, 2) : formatImportReport(report));
    if (rerouted !== undefined) console.error(reroutedSummary(rerouted));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${HELP}`);
      return 2;
    }
    if (
      error instanceof ImportError ||
      error instanceof SourceFormatError ||
      error instanceof LayerChoiceError
    ) {
      console.error(`Import failed: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await db.destroy();
  }
}

function parseArguments(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      level: { type: 'string' },
      layer: { type: 'string' },
      srid: { type: 'string' },
      encoding: { type: 'string' },
      'code-field': { type: 'string' },
      'name-field': { type: 'string' },
      'name-ur-field': { type: 'string' },
      'parent-field': { type: 'string' },
      'population-field': { type: 'string' },
      'population-year-field': { type: 'string' },
      replace: { type: 'string' },
      publish: { type: 'boolean' },
      'allow-removals': { type: 'boolean' },
      by: { type: 'string' },
      'min-area': { type: 'string' },
      json: { type: 'boolean' },
      rollback: { type: 'boolean' },
      'publish-draft': { type: 'string' },
      'discard-draft': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (positionals.length > 1)
    throw new UsageError(`Import one file at a time; got ${positionals.join(', ')}.`);
  if (values.level !== undefined && !IMPORT_LEVELS.includes(values.level as ImportLevel)) {
    throw new UsageError(`--level ${values.level} is not a level; use one of ${IMPORT_LEVELS.join(', ')}.`);
  }
  if (values.replace !== undefined && !['scope', 'same-code'].includes(values.replace)) {
    throw new UsageError(`--replace ${values.replace} is not a mode; use scope or same-code.`);
  }
  if (values['min-area'] !== undefined && !(Number(values['min-area']) >= 0)) {
    throw new UsageError(
      `--min-area ${values['min-area']} is not an area in km²; use a number such as 0.01.`,
    );
  }
  return { values, file: positionals[0] };
}

function reroutedSummary(count: number): string {
  return (
    `${count} open ${count === 1 ? 'case was' : 'cases were'} re-routed to the district the new boundaries put them in; ` +
    'the outbox worker sends the alerts to their new DPO and RPO.'
  );
}

function toInteger(value: string, option: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${option} ${value} is not a whole number.`);
  return Number(value);
}

/** Shows a progress bar on a terminal while the file is read, and one line per phase otherwise. */
function createProgressDisplay(): { update: (progress: ImportProgress) => void; stop: () => void } {
  const interactive = process.stderr.isTTY;
  let bar: cliProgress.SingleBar | undefined;
  let phase: string | undefined;

  return {
    update: (progress) => {
      if (progress.phase !== phase) {
        bar?.stop();
        bar = undefined;
        phase = progress.phase;
        if (!interactive || progress.unit === 'steps') console.error(`${progress.phase}…`);
      }
      if (interactive && progress.unit !== 'steps') {
        if (!bar) {
          bar = new cliProgress.SingleBar(
            {
              format: `${progress.phase} [{bar}] {percentage}% | {value}/{total} ${progress.unit === 'bytes' ? 'bytes' : 'features'}`,
              stream: process.stderr,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(progress.total, 0);
        }
        bar.setTotal(Math.max(progress.total, progress.done));
        bar.update(progress.done);
      }
    },
    stop: () => {
      bar?.stop();
    },
  };
}

process.exitCode = await main();
