import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

// Return bigint counts and numeric values as JavaScript numbers where they fit; Postgres sends
// int8 (count(*)) as text by default.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

/**
 * Creates the connection pool. Every query in the project goes through repositories that receive it.
 * `applicationName` shows in `pg_stat_activity`, so that an operator (or a benchmark) can tell the
 * API's sessions from the worker's.
 */
export function createDatabase(databaseUrl: string, poolSize = 20, applicationName = 'talash'): Knex {
  return knexFactory({
    client: 'pg',
    connection: { connectionString: databaseUrl, application_name: applicationName },
    pool: { min: 0, max: poolSize },
  });
}

export type Database = Knex;

interface PgConnection {
  query<Row>(query: { name: string; text: string; values: unknown[] }): Promise<{ rows: Row[] }>;
}

/**
 * Runs a named prepared statement on a pooled connection. Postgres plans a named statement once
 * per connection and reuses the plan, which matters for the hot intake and geofence queries;
 * knex.raw would have the query planned on every call.
 */
export async function queryPrepared<Row>(
  db: Knex,
  name: string,
  text: string,
  values: unknown[],
): Promise<Row[]> {
  const connection = (await db.client.acquireConnection()) as PgConnection;
  try {
    const result = await connection.query<Row>({ name, text, values });
    return result.rows;
  } finally {
    await db.client.releaseConnection(connection);
  }
}
