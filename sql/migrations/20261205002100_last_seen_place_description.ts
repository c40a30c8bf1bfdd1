import type { Knex } from 'knex';

// The place a family typed for the last sighting ("Address, town or district"), kept as they wrote
// it next to the point they confirmed on the map. It is the family's information: only officers
// read it (the case detail), never the public register or tracking.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE cases ADD COLUMN last_seen_place_description text');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE cases DROP COLUMN IF EXISTS last_seen_place_description');
}
