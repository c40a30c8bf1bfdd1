import type { Knex } from 'knex';

// The worker reads a case's alerts for every dashboard update. The unique indexes on alerts that
// start with case_id are partial (one per alert kind), so they do not serve `WHERE case_id = ?`,
// and without this index each update scanned the whole table.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX IF NOT EXISTS alerts_case ON alerts (case_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS alerts_case');
}
