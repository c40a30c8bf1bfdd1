import type { Knex } from 'knex';

// Links between reports of the same child, made and undone by officers, and the name index that
// finding duplicate candidates needs.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- A child's name as duplicate detection compares it: trimmed, inner white space folded, lower case.
    CREATE FUNCTION normalised_child_name(name text) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE
      RETURN lower(regexp_replace(btrim(name), '\\s+', ' ', 'g'));
    CREATE INDEX cases_normalised_child_name ON cases (normalised_child_name(child_name));

    -- A link between two cases, stored once with the smaller id first. Unlinking keeps the row and
    -- sets unlinked_*, so the history of links stays; linking again adds a new row. Linking never
    -- changes either case's status, so closing one case leaves the other open.
    CREATE TABLE case_duplicate_links (
      id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      case_id        uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
      other_case_id  uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
      linked_at      timestamptz NOT NULL DEFAULT now(),
      linked_by      uuid NOT NULL REFERENCES accounts (id),
      link_reason    text NOT NULL,
      unlinked_at    timestamptz,
      unlinked_by    uuid REFERENCES accounts (id),
      unlink_reason  text,
      CHECK (case_id < other_case_id),
      CHECK ((unlinked_at IS NULL) = (unlinked_by IS NULL))
    );
    CREATE UNIQUE INDEX case_duplicate_links_active ON case_duplicate_links (case_id, other_case_id)
      WHERE unlinked_at IS NULL;
    CREATE INDEX case_duplicate_links_other ON case_duplicate_links (other_case_id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE IF EXISTS case_duplicate_links;
    DROP INDEX IF EXISTS cases_normalised_child_name;
    DROP FUNCTION IF EXISTS normalised_child_name(text);
  `);
}
