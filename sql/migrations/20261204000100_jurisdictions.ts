import type { Knex } from 'knex';
import { readSqlFile } from '../read-sql-file.js';

// Boundary versions and the jurisdiction tree (province → region → district).
// Every imported file becomes one version; exactly one version is live, and routing only reads it.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE EXTENSION IF NOT EXISTS postgis;

    CREATE TABLE boundary_versions (
      id            serial PRIMARY KEY,
      source_name   text NOT NULL,
      source_sha256 text NOT NULL,
      status        text NOT NULL CHECK (status IN ('draft', 'live', 'retired')),
      created_at    timestamptz NOT NULL DEFAULT now(),
      created_by    text NOT NULL,
      published_at  timestamptz,
      retired_at    timestamptz,
      import_report jsonb NOT NULL DEFAULT '{}'::jsonb
    );
    -- At most one live version at a time: a publish retires the old one in the same transaction.
    CREATE UNIQUE INDEX boundary_versions_one_live ON boundary_versions ((true)) WHERE status = 'live';

    CREATE TABLE jurisdictions (
      id          serial PRIMARY KEY,
      version_id  integer NOT NULL REFERENCES boundary_versions (id) ON DELETE CASCADE,
      level       text NOT NULL CHECK (level IN ('province', 'region', 'district')),
      code        text NOT NULL COLLATE "C",
      name        text NOT NULL,
      name_ur     text,
      parent_id   integer REFERENCES jurisdictions (id) ON DELETE CASCADE,
      source_ref  text,
      repaired    boolean NOT NULL DEFAULT false,
      repair_note text,
      geom        geometry(MultiPolygon, 4326) NOT NULL,
      UNIQUE (version_id, level, code),
      CHECK ((level = 'province') = (parent_id IS NULL))
    );
    CREATE INDEX jurisdictions_geom ON jurisdictions USING gist (geom);
    CREATE INDEX jurisdictions_parent ON jurisdictions (parent_id);

    -- Jurisdiction polygons cut into pieces of at most a few hundred vertices (ST_Subdivide), so that a
    -- point lookup tests a small polygon found through the GiST index instead of a whole province.
    CREATE TABLE jurisdiction_pieces (
      id              bigserial PRIMARY KEY,
      jurisdiction_id integer NOT NULL REFERENCES jurisdictions (id) ON DELETE CASCADE,
      version_id      integer NOT NULL REFERENCES boundary_versions (id) ON DELETE CASCADE,
      level           text NOT NULL,
      geom            geometry(Polygon, 4326) NOT NULL
    );
    CREATE INDEX jurisdiction_pieces_geom ON jurisdiction_pieces USING gist (geom);
    CREATE INDEX jurisdiction_pieces_jurisdiction ON jurisdiction_pieces (jurisdiction_id);
  `);
  await knex.raw(readSqlFile('functions/geofence.sql'));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP FUNCTION IF EXISTS geofence_point(double precision, double precision);
    DROP TABLE IF EXISTS jurisdiction_pieces, jurisdictions, boundary_versions;
  `);
}
