import pg from 'pg';

/**
 * Microseconds a committing transaction waits before flushing the WAL, so that the commits of
 * concurrent reports share one flush. PostgreSQL waits only when at least `commit_siblings` (default
 * 5) other transactions are active, so a quiet server commits without delay.
 */
export const COMMIT_DELAY_MICROSECONDS = 1000;

/**
 * Sets `commit_delay` on the database (`ALTER DATABASE … SET`, for new sessions). It is a superuser
 * setting, so with another role nothing changes and this returns false.
 */
export async function enableGroupCommit(admin: pg.Client, databaseName: string): Promise<boolean> {
  const role = await admin.query<{ rolsuper: boolean }>(
    'SELECT rolsuper FROM pg_roles WHERE rolname = current_user',
  );
  if (!role.rows[0]?.rolsuper) return false;
  await admin.query(
    `ALTER DATABASE ${pg.escapeIdentifier(databaseName)} SET commit_delay = ${COMMIT_DELAY_MICROSECONDS}`,
  );
  return true;
}
