import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

// Return bigint counts and numeric values as JavaScript numbers where they fit; Postgres sends
// int8 (count(*)) as text by default.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

/** Creates the connection pool. Every query in the project goes through repositories that receive it. */
export function createDatabase(databaseUrl: string, poolSize = 20): Knex {
  return knexFactory({
    client: 'pg',
    connection: databaseUrl,
    pool: { min: 0, max: poolSize },
  });
}

export type Database = Knex;
