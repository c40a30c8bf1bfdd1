import type { Knex } from 'knex';
import * as jurisdictions from './migrations/20261204000100_jurisdictions.js';
import * as casesAlertsOutbox from './migrations/20261204000200_cases_alerts_outbox.js';
import * as boundaryImport from './migrations/20261204000300_boundary_import.js';
import * as faces from './migrations/20261204000400_faces.js';
import * as accounts from './migrations/20261204000500_accounts.js';
import * as alertCaseIndex from './migrations/20261204000600_alert_case_index.js';
import * as deadlineClocks from './migrations/20261204000700_deadline_clocks.js';
import * as caseDuplicates from './migrations/20261204000710_case_duplicates.js';
import * as incidents from './migrations/20261204000800_incidents.js';
import * as publicRegister from './migrations/20261204000900_public_register.js';
import * as reportIdempotency from './migrations/20261204001000_report_idempotency.js';
import * as analysisCounts from './migrations/20261205001300_analysis_counts.js';
import * as lastSeenPlaceDescription from './migrations/20261205002100_last_seen_place_description.js';
import * as analysisCountsAtCommit from './migrations/20261205002200_analysis_counts_at_commit.js';
import * as jurisdictionPopulation from './migrations/20261205002210_jurisdiction_population.js';
import * as faceIndexOrigin from './migrations/20261206000100_face_index_origin.js';

type Migration = { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void> };

// Migrations in the order they apply. They are imported here, not discovered on disk by knex, so
// that they load the same way under tsx, vitest and a compiled build. Add new ones at the end.
const MIGRATIONS: [name: string, migration: Migration][] = [
  ['20261204000100_jurisdictions', jurisdictions],
  ['20261204000200_cases_alerts_outbox', casesAlertsOutbox],
  ['20261204000300_boundary_import', boundaryImport],
  ['20261204000400_faces', faces],
  ['20261204000500_accounts', accounts],
  ['20261204000600_alert_case_index', alertCaseIndex],
  ['20261204000700_deadline_clocks', deadlineClocks],
  ['20261204000710_case_duplicates', caseDuplicates],
  ['20261204000800_incidents', incidents],
  ['20261204000900_public_register', publicRegister],
  ['20261204001000_report_idempotency', reportIdempotency],
  ['20261205001300_analysis_counts', analysisCounts],
  ['20261205002100_last_seen_place_description', lastSeenPlaceDescription],
  ['20261205002200_analysis_counts_at_commit', analysisCountsAtCommit],
  ['20261205002210_jurisdiction_population', jurisdictionPopulation],
  ['20261206000100_face_index_origin', faceIndexOrigin],
];

const migrationSource: Knex.MigrationSource<[string, Migration]> = {
  getMigrations: async () => MIGRATIONS,
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};

/** Applies every migration the database has not seen yet. Returns their names. */
export async function migrateToLatest(db: Knex): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource, tableName: 'knex_migrations' })) as [
    number,
    string[],
  ];
  return applied;
}
