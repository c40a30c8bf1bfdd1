import type { Knex } from 'knex';

// A random token that names this database's faces table. The API saves it with its face index and
// loads a saved index only under the same token. Face ids are numbered by the database, so an index
// saved from another database, or from this one before it was created again, would map ids to
// other people's faces.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE face_index_origin (
      only_row boolean PRIMARY KEY DEFAULT true CONSTRAINT face_index_origin_one_row CHECK (only_row),
      token    uuid NOT NULL DEFAULT gen_random_uuid()
    );
    INSERT INTO face_index_origin DEFAULT VALUES;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS face_index_origin');
}
