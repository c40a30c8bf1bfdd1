// Vitest global setup: a fresh `talash_test` database with the schema and the bundled boundaries,
// created once per test run. Tests read its URL from TEST_DATABASE_URL.
import pg from 'pg';
import { createDatabase } from '../api/src/database.js';
import { importOsmPakistan } from '../etl/src/import-osm-pakistan.js';
import { migrateToLatest } from '../sql/migrate.js';

const SERVER_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE_NAME = process.env.TEST_DATABASE_NAME ?? 'talash_test';

export default async function setup(): Promise<void> {
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(DATABASE_NAME)} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(DATABASE_NAME)}`);
  await admin.end();

  const databaseUrl = new URL(SERVER_URL);
  databaseUrl.pathname = `/${DATABASE_NAME}`;
  process.env.TEST_DATABASE_URL = databaseUrl.toString();

  const db = createDatabase(databaseUrl.toString(), 2);
  try {
    await migrateToLatest(db);
    await importOsmPakistan(db, { publish: true, createdBy: 'test-setup' });
  } finally {
    await db.destroy();
  }
}
