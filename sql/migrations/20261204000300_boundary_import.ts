import type { Knex } from 'knex';

// The general boundary importer: police-station level, source details of every imported feature,
// what an import covered, and the publication history of boundary versions (who made which version
// live, from when until when), so that a rollback can restore the previous one.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE jurisdictions DROP CONSTRAINT jurisdictions_level_check;
    ALTER TABLE jurisdictions ADD CONSTRAINT jurisdictions_level_check
      CHECK (level IN ('province', 'region', 'district', 'station'));

    -- A draft may hold features whose parent was not found, so that its report can show them all;
    -- publishing refuses a version with such orphans, so a live version still has a full tree.
    ALTER TABLE jurisdictions DROP CONSTRAINT jurisdictions_check;
    ALTER TABLE jurisdictions ADD CONSTRAINT jurisdictions_province_has_no_parent
      CHECK (level <> 'province' OR parent_id IS NULL);

    ALTER TABLE jurisdictions
      ADD COLUMN source_index integer,
      ADD COLUMN source_properties jsonb;

    ALTER TABLE boundary_versions
      ADD COLUMN level text CHECK (level IN ('province', 'region', 'district', 'station')),
      ADD COLUMN source_format text,
      ADD COLUMN source_layer text,
      ADD COLUMN source_crs text,
      ADD COLUMN scope_codes text[],
      ADD COLUMN based_on_version_id integer REFERENCES boundary_versions (id) ON DELETE SET NULL,
      ADD COLUMN published_by text,
      ADD COLUMN retired_by text;

    -- One row per period a version was live. valid_to is NULL for the live one.
    CREATE TABLE boundary_publications (
      id                  serial PRIMARY KEY,
      version_id          integer NOT NULL REFERENCES boundary_versions (id) ON DELETE CASCADE,
      previous_version_id integer REFERENCES boundary_versions (id) ON DELETE SET NULL,
      action              text NOT NULL CHECK (action IN ('publish', 'rollback')),
      published_by        text NOT NULL,
      valid_from          timestamptz NOT NULL DEFAULT now(),
      valid_to            timestamptz,
      ended_by            text
    );
    CREATE UNIQUE INDEX boundary_publications_one_open ON boundary_publications ((true)) WHERE valid_to IS NULL;
    CREATE INDEX boundary_publications_version ON boundary_publications (version_id);

    -- Versions published before this table existed get their period from published_at/retired_at.
    INSERT INTO boundary_publications (version_id, action, published_by, valid_from, valid_to)
    SELECT id, 'publish', created_by, published_at, retired_at
    FROM boundary_versions
    WHERE published_at IS NOT NULL
    ORDER BY published_at;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE IF EXISTS boundary_publications;
    ALTER TABLE boundary_versions
      DROP COLUMN IF EXISTS level,
      DROP COLUMN IF EXISTS source_format,
      DROP COLUMN IF EXISTS source_layer,
      DROP COLUMN IF EXISTS source_crs,
      DROP COLUMN IF EXISTS scope_codes,
      DROP COLUMN IF EXISTS based_on_version_id,
      DROP COLUMN IF EXISTS published_by,
      DROP COLUMN IF EXISTS retired_by;
    ALTER TABLE jurisdictions DROP COLUMN IF EXISTS source_index, DROP COLUMN IF EXISTS source_properties;
    DELETE FROM jurisdictions WHERE level = 'station';
    ALTER TABLE jurisdictions DROP CONSTRAINT jurisdictions_province_has_no_parent;
    ALTER TABLE jurisdictions ADD CONSTRAINT jurisdictions_check CHECK ((level = 'province') = (parent_id IS NULL));
    ALTER TABLE jurisdictions DROP CONSTRAINT jurisdictions_level_check;
    ALTER TABLE jurisdictions ADD CONSTRAINT jurisdictions_level_check
      CHECK (level IN ('province', 'region', 'district'));
  `);
}
