import type { Knex } from 'knex';

// A phone on a weak connection resends a report whose answer it never received. The client sends
// the same Idempotency-Key header with each try, and the key (with a hash of the request, so that a
// reused key with other content is rejected) is stored on the case it created.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE cases
      ADD COLUMN idempotency_key text,
      ADD COLUMN request_sha256 bytea;
    CREATE UNIQUE INDEX cases_idempotency_key ON cases (idempotency_key) WHERE idempotency_key IS NOT NULL;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX IF EXISTS cases_idempotency_key;
    ALTER TABLE cases DROP COLUMN IF EXISTS request_sha256, DROP COLUMN IF EXISTS idempotency_key;
  `);
}
