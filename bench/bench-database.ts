import pg from 'pg';
import { createDatabase } from '../api/src/database.js';
import { importOsmPakistan } from '../etl/src/import-osm-pakistan.js';
import { loadSampleDutyOfficers } from '../scripts/sample-data.js';
import { enableGroupCommit } from '../sql/group-commit.js';
import { migrateToLatest } from '../sql/migrate.js';

export const BENCH_DATABASE_URL =
  process.env.TALASH_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/talash_bench';

/**
 * Creates the benchmark database if it is missing, applies migrations, imports the bundled
 * boundaries and loads a duty officer per district and region, so that every routed report sends
 * its SMS to a DPO and an RPO as in production (each step does nothing when already done).
 * Returns its URL.
 */
export async function prepareBenchDatabase(databaseUrl = BENCH_DATABASE_URL): Promise<string> {
  const serverUrl = new URL(databaseUrl);
  const name = serverUrl.pathname.slice(1);
  serverUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: serverUrl.toString() });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  // As `npm run setup` does: concurrent intake commits share WAL flushes.
  await enableGroupCommit(admin, name);
  await admin.end();

  const db = createDatabase(databaseUrl, 2);
  try {
    await migrateToLatest(db);
    await importOsmPakistan(db, { publish: true, createdBy: 'bench' });
    await loadSampleDutyOfficers(db);
  } finally {
    await db.destroy();
  }
  return databaseUrl;
}

/**
 * Drops and recreates the database of `databaseUrl`, then prepares it as `prepareBenchDatabase`
 * does, so that a benchmark starts from the same state on every run: the bundled boundaries, the
 * duty officers and no cases. Returns its URL.
 */
export async function recreateBenchDatabase(databaseUrl: string): Promise<string> {
  const serverUrl = new URL(databaseUrl);
  const name = serverUrl.pathname.slice(1);
  serverUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: serverUrl.toString() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  return prepareBenchDatabase(databaseUrl);
}

/** Returns the URL of the database on the same server as `databaseUrl`, named with `suffix` appended. */
export function siblingDatabaseUrl(databaseUrl: string, suffix: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `${url.pathname}${suffix}`;
  return url.toString();
}
