import type { Knex } from 'knex';

// The public register of missing children: a random public id per case for register links (the case
// id and tracking code never appear on public pages), the name the family agreed to publish, the
// family's takedown request, and the reporter's own additions to a case. Sightings get a routing
// table so that one sighting reaches the district where it was seen and the district of its case.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- 32 hex characters from a random UUID: about 122 random bits, so register links cannot be
    -- enumerated. Existing cases get one too, through the default.
    ALTER TABLE cases
      ADD COLUMN public_id text NOT NULL DEFAULT replace(gen_random_uuid()::text, '-', '')
        CONSTRAINT cases_public_id_key UNIQUE,
      ADD COLUMN public_name text CHECK (public_name IS NULL OR length(public_name) BETWEEN 1 AND 100),
      ADD COLUMN register_takedown_at timestamptz;
    CREATE INDEX cases_register_listed ON cases (last_seen_at DESC, id)
      WHERE published_at IS NOT NULL AND register_takedown_at IS NULL;

    -- Each district a sighting is routed to, and why: 'seen-in' for the district of the place,
    -- 'case-district' for the district of the case the reporter named. One row per district, so a
    -- sighting inside its case's own district has one row with both reasons.
    CREATE TABLE sighting_routes (
      sighting_id       uuid NOT NULL REFERENCES sightings (id) ON DELETE CASCADE,
      jurisdiction_code text NOT NULL COLLATE "C",
      reasons           text[] NOT NULL CHECK (reasons <@ ARRAY['seen-in', 'case-district']::text[]
                                               AND cardinality(reasons) > 0),
      created_at        timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (sighting_id, jurisdiction_code)
    );
    CREATE INDEX sighting_routes_jurisdiction ON sighting_routes (jurisdiction_code, created_at DESC);
    ALTER TABLE sightings ADD COLUMN at_risk boolean NOT NULL DEFAULT false;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE IF EXISTS sighting_routes;
    ALTER TABLE sightings DROP COLUMN IF EXISTS at_risk;
    DROP INDEX IF EXISTS cases_register_listed;
    ALTER TABLE cases
      DROP COLUMN IF EXISTS register_takedown_at,
      DROP COLUMN IF EXISTS public_name,
      DROP COLUMN IF EXISTS public_id;
  `);
}
