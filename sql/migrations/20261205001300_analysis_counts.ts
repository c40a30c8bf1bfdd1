import type { Knex } from 'knex';

/**
 * Levels of the cell counts: a level has 2^level cells across the world in Web Mercator. A tile at
 * zoom z reads level z + 6, which is twice as fine as its clusters (32 per tile width), so that the
 * 64/4096 buffer of a tile ends on a cell edge. Levels 6 to 12 serve the tiles of zoom 0 to 6.
 */
export const FIRST_COUNT_LEVEL = 6;
export const LAST_COUNT_LEVEL = 12;

// Counts of the incidents table kept in step by statement triggers, so that low-zoom tiles and the
// trends read far fewer rows than it has incidents. Cases and sightings are not counted: the analysis
// reads them from the analysis_incidents view, so that the public report intake takes no lock on
// the counts and runs no trigger.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- The cell of a point on a Web Mercator grid of 2^level cells across the world, counted from
    -- (0°, 0°) eastwards and northwards. The tile clusters use the same formulas, so a cluster of zoom z
    -- is the cell of level z + 6 shifted right by one bit.
    CREATE FUNCTION analysis_cell_x(lon float8, level integer) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT floor(6378137 * radians(lon) / (2 * pi() * 6378137 / power(2::float8, level)))::integer
    $$;
    CREATE FUNCTION analysis_cell_y(lat float8, level integer) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT floor(6378137 * ln(tan(pi() / 4 + radians(lat) / 2)) / (2 * pi() * 6378137 / power(2::float8, level)))::integer
    $$;

    -- Incidents per cell, calendar month in Pakistan Standard Time and filter value. sum_lon and
    -- sum_lat place a cluster at the mean position of its incidents.
    CREATE TABLE analysis_cell_counts (
      level     smallint NOT NULL,
      month     date NOT NULL,
      cell_x    integer NOT NULL,
      cell_y    integer NOT NULL,
      type      text NOT NULL,
      category  text,
      age_band  text NOT NULL,
      sex       text NOT NULL,
      count     integer NOT NULL,
      sum_lon   float8 NOT NULL,
      sum_lat   float8 NOT NULL,
      CONSTRAINT analysis_cell_counts_key
        UNIQUE NULLS NOT DISTINCT (level, month, cell_x, cell_y, type, category, age_band, sex)
    );
    -- The same counts summed over category, age band and sex, for the map without those filters: a
    -- cell and month has up to 121 combinations of them, so this table has far fewer rows.
    CREATE TABLE analysis_cell_type_counts (
      level     smallint NOT NULL,
      month     date NOT NULL,
      cell_x    integer NOT NULL,
      cell_y    integer NOT NULL,
      type      text NOT NULL,
      count     integer NOT NULL,
      sum_lon   float8 NOT NULL,
      sum_lat   float8 NOT NULL,
      CONSTRAINT analysis_cell_type_counts_key PRIMARY KEY (level, month, cell_x, cell_y, type)
    );

    -- Incidents per month, ISO day of week (1 = Monday) or hour, and filter value, in Pakistan
    -- Standard Time, for the trends.
    CREATE TABLE analysis_weekday_counts (
      month       date NOT NULL,
      day_of_week smallint NOT NULL,
      type        text NOT NULL,
      category    text,
      age_band    text NOT NULL,
      sex         text NOT NULL,
      count       integer NOT NULL,
      CONSTRAINT analysis_weekday_counts_key
        UNIQUE NULLS NOT DISTINCT (month, day_of_week, type, category, age_band, sex)
    );
    CREATE TABLE analysis_hour_counts (
      month     date NOT NULL,
      hour      smallint NOT NULL,
      type      text NOT NULL,
      category  text,
      age_band  text NOT NULL,
      sex       text NOT NULL,
      count     integer NOT NULL,
      CONSTRAINT analysis_hour_counts_key
        UNIQUE NULLS NOT DISTINCT (month, hour, type, category, age_band, sex)
    );

    -- One row of incidents as the counts see it, added (sign 1) or removed (sign -1).
    CREATE TYPE analysis_change AS (
      sign integer, type text, category text, occurred_at timestamptz, lon float8, lat float8,
      age_band text, sex text
    );
    CREATE FUNCTION analysis_change_of(i incidents, sign integer) RETURNS analysis_change
    LANGUAGE sql IMMUTABLE AS $$
      SELECT ROW(sign, i.type, i.category, i.occurred_at, ST_X(i.place), ST_Y(i.place), i.age_band, i.sex)::analysis_change
    $$;

    -- Returns the statements that add the changes the query \`changes\` returns (the columns of
    -- analysis_change) to the three count tables, and delete the rows whose count fell to 0. Rows are
    -- upserted in key order so that concurrent writers lock them in the same order. The caller
    -- EXECUTEs them itself, because a trigger's transition tables are visible only in its own queries.
    CREATE FUNCTION analysis_counts_sql(changes text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE AS $fn$
    BEGIN
      RETURN format($sql$
        CREATE TEMP TABLE IF NOT EXISTS analysis_pending_changes (LIKE analysis_cell_counts) ON COMMIT DROP;
        TRUNCATE analysis_pending_changes;
        INSERT INTO analysis_pending_changes
        SELECT l.level, date_trunc('month', c.occurred_at AT TIME ZONE 'Asia/Karachi')::date,
               analysis_cell_x(c.lon, l.level), analysis_cell_y(c.lat, l.level), c.type, c.category, c.age_band, c.sex, sum(c.sign), sum(c.sign * c.lon), sum(c.sign * c.lat)
        FROM (%1$s) c (sign, type, category, occurred_at, lon, lat, age_band, sex)
          CROSS JOIN generate_series(${FIRST_COUNT_LEVEL}, ${LAST_COUNT_LEVEL}) AS l(level)
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
        INSERT INTO analysis_cell_counts AS t
        SELECT * FROM analysis_pending_changes
        -- A row that moved inside its cell changes the sums but not the count.
        WHERE count <> 0 OR sum_lon <> 0 OR sum_lat <> 0
        ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
        ON CONFLICT ON CONSTRAINT analysis_cell_counts_key DO UPDATE
          SET count = t.count + excluded.count, sum_lon = t.sum_lon + excluded.sum_lon,
              sum_lat = t.sum_lat + excluded.sum_lat;
        DELETE FROM analysis_cell_counts t USING analysis_pending_changes p
        WHERE p.count < 0 AND t.count = 0 AND t.level = p.level AND t.cell_x = p.cell_x
          AND t.cell_y = p.cell_y AND t.month = p.month AND t.type = p.type
          AND t.category IS NOT DISTINCT FROM p.category AND t.age_band = p.age_band AND t.sex = p.sex;
        INSERT INTO analysis_cell_type_counts AS t
        SELECT level, month, cell_x, cell_y, type, sum(count), sum(sum_lon), sum(sum_lat)
        FROM analysis_pending_changes
        GROUP BY 1, 2, 3, 4, 5
        HAVING sum(count) <> 0 OR sum(sum_lon) <> 0 OR sum(sum_lat) <> 0
        ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT ON CONSTRAINT analysis_cell_type_counts_key DO UPDATE
          SET count = t.count + excluded.count, sum_lon = t.sum_lon + excluded.sum_lon,
              sum_lat = t.sum_lat + excluded.sum_lat;
        DELETE FROM analysis_cell_type_counts t USING analysis_pending_changes p
        WHERE p.count < 0 AND t.count = 0 AND t.level = p.level AND t.month = p.month
          AND t.cell_x = p.cell_x AND t.cell_y = p.cell_y AND t.type = p.type;

        CREATE TEMP TABLE IF NOT EXISTS analysis_pending_times (
          month date, day_of_week smallint, hour smallint, type text, category text, age_band text,
          sex text, count integer
        ) ON COMMIT DROP;
        TRUNCATE analysis_pending_times;
        INSERT INTO analysis_pending_times
        SELECT date_trunc('month', at)::date, extract(isodow FROM at), extract(hour FROM at),
               type, category, age_band, sex, sum(sign)
        FROM (SELECT c.*, c.occurred_at AT TIME ZONE 'Asia/Karachi' AS at
              FROM (%1$s) c (sign, type, category, occurred_at, lon, lat, age_band, sex)) local
        GROUP BY 1, 2, 3, 4, 5, 6, 7;
        INSERT INTO analysis_weekday_counts AS t
        SELECT month, day_of_week, type, category, age_band, sex, sum(count) FROM analysis_pending_times
        GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(count) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT ON CONSTRAINT analysis_weekday_counts_key DO UPDATE SET count = t.count + excluded.count;
        INSERT INTO analysis_hour_counts AS t
        SELECT month, hour, type, category, age_band, sex, sum(count) FROM analysis_pending_times
        GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(count) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT ON CONSTRAINT analysis_hour_counts_key DO UPDATE SET count = t.count + excluded.count;
        DELETE FROM analysis_weekday_counts t USING analysis_pending_times p
        WHERE p.count < 0 AND t.count = 0 AND t.month = p.month AND t.day_of_week = p.day_of_week
          AND t.type = p.type AND t.category IS NOT DISTINCT FROM p.category AND t.age_band = p.age_band
          AND t.sex = p.sex;
        DELETE FROM analysis_hour_counts t USING analysis_pending_times p
        WHERE p.count < 0 AND t.count = 0 AND t.month = p.month AND t.hour = p.hour
          AND t.type = p.type AND t.category IS NOT DISTINCT FROM p.category AND t.age_band = p.age_band
          AND t.sex = p.sex;
      $sql$, changes);
    END
    $fn$;

    -- Statement triggers on incidents: one call per INSERT, UPDATE or DELETE statement, whatever its
    -- row count. An UPDATE counts only the rows whose counted columns changed.
    -- NOTE: the upserts lock count rows until the writing transaction commits, so two incident
    -- writers whose rows share a cell, month and filter values run one after the other.
    CREATE FUNCTION analysis_counts_after_insert() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      EXECUTE analysis_counts_sql(format('SELECT c.* FROM new_rows n, analysis_change_of(n::%I, 1) c', TG_TABLE_NAME));
      RETURN NULL;
    END
    $$;
    CREATE FUNCTION analysis_counts_after_delete() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      EXECUTE analysis_counts_sql(format('SELECT c.* FROM old_rows o, analysis_change_of(o::%I, -1) c', TG_TABLE_NAME));
      RETURN NULL;
    END
    $$;
    CREATE FUNCTION analysis_counts_after_update() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      EXECUTE analysis_counts_sql(format(
        'SELECT (v.change).* FROM old_rows o FULL JOIN new_rows n ON n.id = o.id
         CROSS JOIN LATERAL (VALUES (analysis_change_of(o::%1$I, -1)), (analysis_change_of(n::%1$I, 1))) AS v(change)
         WHERE (v.change).occurred_at IS NOT NULL
           AND analysis_change_of(o::%1$I, 1) IS DISTINCT FROM analysis_change_of(n::%1$I, 1)',
        TG_TABLE_NAME));
      RETURN NULL;
    END
    $$;
    -- Recounts every row of incidents.
    CREATE FUNCTION analysis_counts_rebuild() RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
      TRUNCATE analysis_cell_counts, analysis_cell_type_counts, analysis_weekday_counts, analysis_hour_counts;
      EXECUTE analysis_counts_sql(
        'SELECT 1, i.type, i.category, i.occurred_at, ST_X(i.place), ST_Y(i.place), i.age_band, i.sex
         FROM incidents i');
    END
    $$;
    -- TRUNCATE has no transition table, so it recounts everything.
    CREATE FUNCTION analysis_counts_after_truncate() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM analysis_counts_rebuild();
      RETURN NULL;
    END
    $$;
  `);

  await knex.raw(`
    CREATE TRIGGER incidents_analysis_counts_insert AFTER INSERT ON incidents
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION analysis_counts_after_insert();
    CREATE TRIGGER incidents_analysis_counts_update AFTER UPDATE ON incidents
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION analysis_counts_after_update();
    CREATE TRIGGER incidents_analysis_counts_delete AFTER DELETE ON incidents
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION analysis_counts_after_delete();
    CREATE TRIGGER incidents_analysis_counts_truncate AFTER TRUNCATE ON incidents
      FOR EACH STATEMENT EXECUTE FUNCTION analysis_counts_after_truncate();
  `);

  // Counts of the rows already stored.
  await knex.raw('SELECT analysis_counts_rebuild()');
  await knex.raw(
    'ANALYZE analysis_cell_counts, analysis_cell_type_counts, analysis_weekday_counts, analysis_hour_counts',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TRIGGER IF EXISTS incidents_analysis_counts_insert ON incidents;
    DROP TRIGGER IF EXISTS incidents_analysis_counts_update ON incidents;
    DROP TRIGGER IF EXISTS incidents_analysis_counts_delete ON incidents;
    DROP TRIGGER IF EXISTS incidents_analysis_counts_truncate ON incidents;
    DROP FUNCTION IF EXISTS analysis_counts_after_truncate();
    DROP FUNCTION IF EXISTS analysis_counts_rebuild();
    DROP FUNCTION IF EXISTS analysis_counts_after_update();
    DROP FUNCTION IF EXISTS analysis_counts_after_delete();
    DROP FUNCTION IF EXISTS analysis_counts_after_insert();
    DROP FUNCTION IF EXISTS analysis_counts_sql(text);
    DROP FUNCTION IF EXISTS analysis_change_of(incidents, integer);
    DROP TYPE IF EXISTS analysis_change;
    DROP TABLE IF EXISTS analysis_cell_counts, analysis_cell_type_counts, analysis_weekday_counts, analysis_hour_counts;
    DROP FUNCTION IF EXISTS analysis_cell_y(float8, integer);
    DROP FUNCTION IF EXISTS analysis_cell_x(float8, integer);
  `);
}
