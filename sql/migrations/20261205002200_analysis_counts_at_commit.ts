import type { Knex } from 'knex';
import * as analysisCounts from './20261205001300_analysis_counts.js';
import { FIRST_COUNT_LEVEL, LAST_COUNT_LEVEL } from './20261205001300_analysis_counts.js';

// Applies the changes of incidents to the analysis counts once per transaction, at commit, instead of
// once per statement. A bulk load inserts its incidents in chunks of a few thousand rows, and each
// chunk used to upsert its own count rows: most rows of the fine levels were written once per chunk
// instead of once per load, and the deletes of emptied count rows scanned the whole count table on
// every statement, so the time per chunk grew with the table.
//
// The statement triggers on incidents now append each changed row to a temporary table of the
// transaction. A deferred constraint trigger on a one-row temporary table calls analysis_counts_flush()
// at commit, which aggregates all pending changes with one GROUP BY per count table and upserts them.
// Count rows whose count falls to 0 are deleted by the ctid that the upsert returns.
// NOTE: a transaction does not see its own incident changes in the counts before it commits, unless
// it calls analysis_counts_flush() itself. The API reads the counts in transactions of their own.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP FUNCTION analysis_counts_sql(text);

    -- Adds the changes pending in analysis_pending_incidents to the four count tables, deletes the
    -- count rows that fall to 0, and empties the pending table. Rows are upserted in key order, so
    -- that transactions that commit at the same time lock shared count rows in the same order and
    -- wait for each other instead of deadlocking. A row whose count another transaction is changing
    -- stays locked until that transaction commits. An upsert then updates the committed row, or
    -- inserts it again when that transaction deleted it.
    CREATE FUNCTION analysis_counts_flush() RETURNS void
    LANGUAGE plpgsql
    -- The GROUP BY of a load of a million incidents aggregates seven million rows, one per count level.
    SET work_mem = '64MB'
    AS $fn$
    BEGIN
      IF to_regclass('pg_temp.analysis_pending_incidents') IS NULL THEN
        RETURN;
      END IF;
      -- EXECUTE plans the statements on every call: the temporary tables are new in every transaction.
      EXECUTE $sql$
        CREATE TEMP TABLE IF NOT EXISTS analysis_pending_cells (LIKE analysis_cell_counts) ON COMMIT DROP;
        CREATE TEMP TABLE IF NOT EXISTS analysis_pending_times (
          month date, day_of_week smallint, hour smallint, type text, category text, age_band text,
          sex text, count integer
        ) ON COMMIT DROP;
        CREATE TEMP TABLE IF NOT EXISTS analysis_zeroed_rows (row_id tid) ON COMMIT DROP;
        TRUNCATE analysis_pending_cells, analysis_pending_times, analysis_zeroed_rows;

        INSERT INTO analysis_pending_cells
        SELECT l.level, date_trunc('month', c.occurred_at AT TIME ZONE 'Asia/Karachi')::date,
               analysis_cell_x(c.lon, l.level), analysis_cell_y(c.lat, l.level), c.type, c.category,
               c.age_band, c.sex, sum(c.sign), sum(c.sign * c.lon), sum(c.sign * c.lat)
        FROM analysis_pending_incidents c
          CROSS JOIN generate_series(${FIRST_COUNT_LEVEL}, ${LAST_COUNT_LEVEL}) AS l(level)
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

        WITH changed AS (
          INSERT INTO analysis_cell_counts AS t
          SELECT * FROM analysis_pending_cells
          -- A row that moved inside its cell changes the sums but not the count.
          WHERE count <> 0 OR sum_lon <> 0 OR sum_lat <> 0
          ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
          ON CONFLICT ON CONSTRAINT analysis_cell_counts_key DO UPDATE
            SET count = t.count + excluded.count, sum_lon = t.sum_lon + excluded.sum_lon,
                sum_lat = t.sum_lat + excluded.sum_lat
          RETURNING t.ctid, t.count
        )
        INSERT INTO analysis_zeroed_rows SELECT ctid FROM changed WHERE count = 0;
        DELETE FROM analysis_cell_counts WHERE ctid = ANY (ARRAY(SELECT row_id FROM analysis_zeroed_rows));
        TRUNCATE analysis_zeroed_rows;

        WITH changed AS (
          INSERT INTO analysis_cell_type_counts AS t
          SELECT level, month, cell_x, cell_y, type, sum(count), sum(sum_lon), sum(sum_lat)
          FROM analysis_pending_cells
          GROUP BY 1, 2, 3, 4, 5
          HAVING sum(count) <> 0 OR sum(sum_lon) <> 0 OR sum(sum_lat) <> 0
          ORDER BY 1, 2, 3, 4, 5
          ON CONFLICT ON CONSTRAINT analysis_cell_type_counts_key DO UPDATE
            SET count = t.count + excluded.count, sum_lon = t.sum_lon + excluded.sum_lon,
                sum_lat = t.sum_lat + excluded.sum_lat
          RETURNING t.ctid, t.count
        )
        INSERT INTO analysis_zeroed_rows SELECT ctid FROM changed WHERE count = 0;
        DELETE FROM analysis_cell_type_counts WHERE ctid = ANY (ARRAY(SELECT row_id FROM analysis_zeroed_rows));
        TRUNCATE analysis_zeroed_rows;

        INSERT INTO analysis_pending_times
        SELECT date_trunc('month', at)::date, extract(isodow FROM at), extract(hour FROM at),
               type, category, age_band, sex, sum(sign)
        FROM (SELECT c.*, c.occurred_at AT TIME ZONE 'Asia/Karachi' AS at FROM analysis_pending_incidents c) local
        GROUP BY 1, 2, 3, 4, 5, 6, 7;

        WITH changed AS (
          INSERT INTO analysis_weekday_counts AS t
          SELECT month, day_of_week, type, category, age_band, sex, sum(count) FROM analysis_pending_times
          GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(count) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
          ON CONFLICT ON CONSTRAINT analysis_weekday_counts_key DO UPDATE SET count = t.count + excluded.count
          RETURNING t.ctid, t.count
        )
        INSERT INTO analysis_zeroed_rows SELECT ctid FROM changed WHERE count = 0;
        DELETE FROM analysis_weekday_counts WHERE ctid = ANY (ARRAY(SELECT row_id FROM analysis_zeroed_rows));
        TRUNCATE analysis_zeroed_rows;

        WITH changed AS (
          INSERT INTO analysis_hour_counts AS t
          SELECT month, hour, type, category, age_band, sex, sum(count) FROM analysis_pending_times
          GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(count) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
          ON CONFLICT ON CONSTRAINT analysis_hour_counts_key DO UPDATE SET count = t.count + excluded.count
          RETURNING t.ctid, t.count
        )
        INSERT INTO analysis_zeroed_rows SELECT ctid FROM changed WHERE count = 0;
        DELETE FROM analysis_hour_counts WHERE ctid = ANY (ARRAY(SELECT row_id FROM analysis_zeroed_rows));

        TRUNCATE analysis_pending_incidents, analysis_pending_cells, analysis_pending_times, analysis_zeroed_rows;
      $sql$;
    END
    $fn$;

    CREATE FUNCTION analysis_counts_flush_at_commit() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM analysis_counts_flush();
      DELETE FROM analysis_counts_commit_flush;
      RETURN NULL;
    END
    $$;

    -- Creates the transaction's table of pending incident changes at its first change, and requests
    -- analysis_counts_flush() at commit: inserting the row of analysis_counts_commit_flush queues
    -- its deferred trigger. The flush at commit deletes that row, so a change after a flush that ran
    -- early (SET CONSTRAINTS ALL IMMEDIATE) requests another one.
    CREATE FUNCTION analysis_counts_pending() RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
      IF to_regclass('pg_temp.analysis_pending_incidents') IS NULL THEN
        CREATE TEMP TABLE analysis_pending_incidents OF analysis_change ON COMMIT DROP;
        CREATE TEMP TABLE analysis_counts_commit_flush (requested boolean) ON COMMIT DROP;
        CREATE CONSTRAINT TRIGGER analysis_counts_flush AFTER INSERT ON analysis_counts_commit_flush
          DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION analysis_counts_flush_at_commit();
      END IF;
      INSERT INTO analysis_counts_commit_flush
      SELECT true WHERE NOT EXISTS (SELECT FROM analysis_counts_commit_flush);
    END
    $$;

    -- The statement triggers on incidents: one call per INSERT, UPDATE or DELETE statement, whatever
    -- its row count. An UPDATE stages only the rows whose counted columns changed. The transition
    -- tables are visible only in the trigger function's own queries, so the function stages them.
    CREATE OR REPLACE FUNCTION analysis_counts_after_insert() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM analysis_counts_pending();
      EXECUTE 'INSERT INTO analysis_pending_incidents SELECT c.* FROM new_rows n, analysis_change_of(n::incidents, 1) c';
      RETURN NULL;
    END
    $$;
    CREATE OR REPLACE FUNCTION analysis_counts_after_delete() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM analysis_counts_pending();
      EXECUTE 'INSERT INTO analysis_pending_incidents SELECT c.* FROM old_rows o, analysis_change_of(o::incidents, -1) c';
      RETURN NULL;
    END
    $$;
    CREATE OR REPLACE FUNCTION analysis_counts_after_update() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM analysis_counts_pending();
      EXECUTE
        'INSERT INTO analysis_pending_incidents
         SELECT (v.change).* FROM old_rows o FULL JOIN new_rows n ON n.id = o.id
         CROSS JOIN LATERAL (VALUES (analysis_change_of(o::incidents, -1)), (analysis_change_of(n::incidents, 1))) AS v(change)
         WHERE (v.change).occurred_at IS NOT NULL
           AND analysis_change_of(o::incidents, 1) IS DISTINCT FROM analysis_change_of(n::incidents, 1)';
      RETURN NULL;
    END
    $$;

    -- Recounts every row of incidents at once. Changes still pending in this transaction are
    -- dropped, because the recount already contains them.
    CREATE OR REPLACE FUNCTION analysis_counts_rebuild() RETURNS void
    LANGUAGE plpgsql AS $$
    BEGIN
      TRUNCATE analysis_cell_counts, analysis_cell_type_counts, analysis_weekday_counts, analysis_hour_counts;
      PERFORM analysis_counts_pending();
      EXECUTE 'TRUNCATE analysis_pending_incidents';
      EXECUTE 'INSERT INTO analysis_pending_incidents SELECT c.* FROM incidents i, analysis_change_of(i, 1) c';
      PERFORM analysis_counts_flush();
    END
    $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  // Restores the counts kept per statement by dropping them and creating them again as the
  // analysis_counts migration did, which also recounts every incident.
  await knex.raw(`
    DROP FUNCTION IF EXISTS analysis_counts_pending();
    DROP FUNCTION IF EXISTS analysis_counts_flush_at_commit();
    DROP FUNCTION IF EXISTS analysis_counts_flush();
  `);
  await analysisCounts.down(knex);
  await analysisCounts.up(knex);
}
