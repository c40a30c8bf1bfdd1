import type { Knex } from 'knex';

// The resident population of a jurisdiction, when the boundary file that a province imported brings
// it, and the year of the census or estimate it comes from (NULL when the file does not say). The
// rates per district divide by it. Without it they divide by the area.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE jurisdictions
      ADD COLUMN population bigint CONSTRAINT jurisdictions_population_positive CHECK (population > 0),
      ADD COLUMN population_year smallint
        CONSTRAINT jurisdictions_population_year_range CHECK (population_year BETWEEN 1800 AND 2200),
      ADD CONSTRAINT jurisdictions_population_year_needs_population
        CHECK (population_year IS NULL OR population IS NOT NULL);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE jurisdictions
      DROP CONSTRAINT IF EXISTS jurisdictions_population_year_needs_population,
      DROP COLUMN IF EXISTS population_year,
      DROP COLUMN IF EXISTS population;
  `);
}
