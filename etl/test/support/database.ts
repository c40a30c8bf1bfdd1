import type { Knex } from 'knex';
import pg from 'pg';
import { createDatabase } from '../../../api/src/database.js';
import { migrateToLatest } from '../../../sql/migrate.js';
import { importOsmPakistan } from '../../src/import-osm-pakistan.js';

/** Connects to the test database that test/global-setup.ts created, with the bundled boundaries live. */
export function connectTestDatabase(): Knex {
  const url = process.env.TEST_DATABASE_URL;
  if (!url)
    throw new Error('TEST_DATABASE_URL is not set; run the tests through vitest (test/global-setup.ts)');
  return createDatabase(url, 4);
}

/**
 * Creates a separate database with the schema and the bundled boundaries live, for tests that
 * publish versions and so must not change what the shared test database routes to. Returns a
 * connection, the database URL (for a platform started on it) and a function that drops it.
 */
export async function createScratchDatabase(
  suffix: string,
): Promise<{ db: Knex; url: string; drop: () => Promise<void> }> {
  const base = new URL(process.env.TEST_DATABASE_URL as string);
  const name = `${base.pathname.slice(1)}_${suffix}`;
  const adminUrl = new URL(base);
  adminUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  await admin.end();

  const url = new URL(base);
  url.pathname = `/${name}`;
  const db = createDatabase(url.toString(), 4);
  await migrateToLatest(db);
  await importOsmPakistan(db, { publish: true, createdBy: 'test-setup' });
  return {
    db,
    url: url.toString(),
    drop: async () => {
      await db.destroy();
      const cleanup = new pg.Client({ connectionString: adminUrl.toString() });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/** Names of the jurisdictions of one version and level that contain the point. */
export async function namesAt(
  db: Knex,
  versionId: number,
  level: string,
  lon: number,
  lat: number,
): Promise<string[]> {
  const result = await db.raw(
    `SELECT name FROM jurisdictions
     WHERE version_id = ? AND level = ? AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint(?, ?), 4326))
     ORDER BY name`,
    [versionId, level, lon, lat],
  );
  return (result.rows as { name: string }[]).map((row) => row.name);
}
