import type { Knex } from 'knex';

/** The SRID of the analysis projection, in the range PostGIS leaves to users (up to 998999). */
const ANALYSIS_SRID = 990001;

// Incidents for the analysts' map and statistics: abuse incidents that officers record, historical
// incidents loaded from files, and a view that adds the live missing-child cases and sightings.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- Distances for the statistics are measured in this azimuthal equidistant projection centred on
    -- Pakistan (30°N 69.5°E). Its scale error stays below 0.5% within 1,000 km of the centre, which
    -- covers the country, so metres in it are metres on the ground for kernel bandwidths and grids.
    -- It gets an SRID of its own because PostGIS caches transformations by SRID; with a PROJ string
    -- instead, every ST_Transform call parsed it again, about 0.5 ms per point.
    INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, proj4text, srtext)
    VALUES (${ANALYSIS_SRID}, 'talash', ${ANALYSIS_SRID}, '+proj=aeqd +lat_0=30 +lon_0=69.5 +datum=WGS84 +units=m +no_defs', '')
    ON CONFLICT (srid) DO NOTHING;
    CREATE FUNCTION analysis_projected(geom geometry) RETURNS geometry
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT ST_Transform(geom, ${ANALYSIS_SRID})
    $$;
    CREATE FUNCTION analysis_unprojected(geom geometry) RETURNS geometry
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT ST_Transform(ST_SetSRID(geom, ${ANALYSIS_SRID}), 4326)
    $$;

    -- One bulk load of historical incidents. Rows of a load that failed validation are never stored.
    CREATE TABLE incident_imports (
      id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      file_name    text NOT NULL,
      file_sha256  text NOT NULL,
      format       text NOT NULL CHECK (format IN ('csv', 'geojson')),
      imported_by  text NOT NULL,
      row_count    integer NOT NULL CHECK (row_count >= 0),
      loaded_count integer NOT NULL CHECK (loaded_count >= 0),
      skipped_rows jsonb NOT NULL DEFAULT '[]'::jsonb,
      created_at   timestamptz NOT NULL DEFAULT now()
    );

    -- district_code, region_code and province_code come from geofence_point when the row is stored;
    -- codes, not ids, so the incident stays attributed when a new boundary version goes live.
    -- NULL codes: the place lies outside every live district.
    CREATE TABLE incidents (
      id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      type          text NOT NULL CHECK (type IN ('missing_child', 'sighting', 'abuse')),
      category      text CHECK (category IN ('abduction', 'sexual_abuse', 'trafficking', 'child_labour', 'other')),
      occurred_at   timestamptz NOT NULL,
      place         geometry(Point, 4326) NOT NULL,
      -- The place in the analysis projection, stored because the statistics read it for every row.
      place_projected geometry(Point, ${ANALYSIS_SRID}) GENERATED ALWAYS AS (ST_Transform(place, ${ANALYSIS_SRID})) STORED,
      age_band      text NOT NULL CHECK (age_band IN ('0-4', '5-9', '10-13', '14-17', 'unknown')),
      sex           text NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
      district_code text COLLATE "C",
      region_code   text COLLATE "C",
      province_code text COLLATE "C",
      source        text NOT NULL CHECK (source IN ('officer', 'import')),
      import_id     uuid REFERENCES incident_imports (id) ON DELETE CASCADE,
      recorded_by   uuid REFERENCES accounts (id),
      created_at    timestamptz NOT NULL DEFAULT now(),
      -- Only abuse incidents carry a category; the category is what the analysts filter abuse by.
      CHECK ((type = 'abuse') = (category IS NOT NULL)),
      CHECK ((source = 'import') = (import_id IS NOT NULL))
    );
    CREATE INDEX incidents_place ON incidents USING gist (place);
    CREATE INDEX incidents_occurred ON incidents (occurred_at);
    CREATE INDEX incidents_district_occurred ON incidents (district_code, occurred_at);

    -- The age bands of the analysis, from a child's age in whole years.
    CREATE FUNCTION incident_age_band(age integer) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT CASE
        WHEN age IS NULL THEN 'unknown'
        WHEN age <= 4 THEN '0-4'
        WHEN age <= 9 THEN '5-9'
        WHEN age <= 13 THEN '10-13'
        ELSE '14-17'
      END
    $$;

    -- Everything the analysis counts: recorded incidents, live missing-child cases (at the place and
    -- time last seen) and public sightings. source tells them apart: officer, import, case, sighting.
    -- Sightings carry no age or sex, so both are 'unknown'. projected is the place in the analysis
    -- projection (see analysis_projected).
    CREATE VIEW analysis_incidents AS
      SELECT i.id, i.type, i.category, i.occurred_at, i.place, i.age_band, i.sex,
             i.district_code, i.region_code, i.province_code, i.source, i.place_projected AS projected
      FROM incidents i
      UNION ALL
      SELECT c.id, 'missing_child', NULL, c.last_seen_at, c.last_seen, incident_age_band(c.child_age), c.child_sex,
             d.code, r.code, p.code, 'case', analysis_projected(c.last_seen)
      FROM cases c
      LEFT JOIN jurisdictions d ON d.id = c.district_id
      LEFT JOIN jurisdictions r ON r.id = c.region_id
      LEFT JOIN jurisdictions p ON p.id = c.province_id
      UNION ALL
      SELECT s.id, 'sighting', NULL, s.seen_at, s.place, 'unknown', 'unknown',
             d.code, r.code, p.code, 'sighting', analysis_projected(s.place)
      FROM sightings s
      LEFT JOIN jurisdictions d ON d.id = s.district_id
      LEFT JOIN jurisdictions r ON r.id = s.region_id
      LEFT JOIN jurisdictions p ON p.id = s.province_id;

    CREATE INDEX cases_last_seen ON cases USING gist (last_seen);
    CREATE INDEX sightings_place ON sightings USING gist (place);

  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP FUNCTION IF EXISTS analysis_unprojected(geometry);
    DROP FUNCTION IF EXISTS analysis_projected(geometry);
    DELETE FROM spatial_ref_sys WHERE srid = ${ANALYSIS_SRID};
    DROP INDEX IF EXISTS sightings_place;
    DROP INDEX IF EXISTS cases_last_seen;
    DROP VIEW IF EXISTS analysis_incidents;
    DROP FUNCTION IF EXISTS incident_age_band(integer);
    DROP TABLE IF EXISTS incidents, incident_imports;
  `);
}
