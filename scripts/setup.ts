// `npm run setup`: prepares a machine to run Talash, and can run again at any time.
// Checks PostgreSQL (with PostGIS) and Redis, installing them from the OS packages when running as
// root on Debian/Ubuntu, or stops with the exact command to run; then creates the database, applies
// migrations, imports the bundled boundaries, builds the native faiss addon and the web UI, and loads
// sample duty officers and reports.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadConfig } from '../api/src/config.js';
import { createDatabase } from '../api/src/database.js';
import { importOsmPakistan } from '../etl/src/import-osm-pakistan.js';
import { COMMIT_DELAY_MICROSECONDS, enableGroupCommit } from '../sql/group-commit.js';
import { migrateToLatest } from '../sql/migrate.js';
import { loadSampleAccounts, SAMPLE_ACCOUNTS_FILE } from './sample-accounts.js';
import { loadSampleData } from './sample-data.js';

const config = loadConfig();
const isRoot = process.getuid?.() === 0;
const skipBuild = process.argv.includes('--no-build');
const skipSampleData = process.argv.includes('--no-sample-data');
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
// Services on another host (a container, a managed database) are never installed or started here.
const databaseIsLocal = LOCAL_HOSTS.has(new URL(config.DATABASE_URL).hostname);
const redisIsLocal = LOCAL_HOSTS.has(new URL(config.REDIS_URL).hostname);
const hasApt = existsSync('/usr/bin/apt-get');

function step(message: string): void {
  console.log(`\n== ${message}`);
}

function fail(message: string): never {
  console.error(`\nsetup failed: ${message}`);
  process.exit(1);
}

function aptInstall(packages: string[]): void {
  console.log(`installing ${packages.join(' ')} from the OS packages`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', ...packages], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

function installOrExplain(packages: string[], reason: string): void {
  if (isRoot && hasApt) {
    aptInstall(packages);
    return;
  }
  fail(
    `${reason}. Install it with:\n  sudo apt-get install -y ${packages.join(' ')}\nthen run 'npm run setup' again.`,
  );
}

/** Connects once; returns undefined on success, or PostgreSQL's error message. */
async function connectionError(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensurePostgres(): Promise<void> {
  step('PostgreSQL');
  const serverUrl = new URL(config.DATABASE_URL);
  const databaseName = serverUrl.pathname.replace(/^\//, '');
  serverUrl.pathname = '/postgres';

  let problem = await connectionError(serverUrl.toString());
  if (problem && !databaseIsLocal) {
    fail(
      `cannot connect to PostgreSQL at ${serverUrl.host} (${problem}); check DATABASE_URL and that the server is up.`,
    );
  }
  if (problem && /password|authentication/i.test(problem)) {
    fail(
      `PostgreSQL at ${serverUrl.host} refused the login (${problem}). Put a user and password in DATABASE_URL, ` +
        'e.g. postgres://talash:secret@127.0.0.1:5432/talash, after creating them with: sudo -u postgres createuser --superuser talash && sudo -u postgres psql -c "ALTER USER talash PASSWORD \'secret\'"',
    );
  }
  if (problem) {
    if (!existsSync('/usr/bin/pg_ctlcluster')) {
      installOrExplain(['postgresql', 'postgresql-contrib'], 'PostgreSQL is not installed');
    }
    if (isRoot && existsSync('/usr/bin/pg_ctlcluster')) {
      spawnSync(
        'bash',
        ['-c', 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | tail -1) main start'],
        {
          stdio: 'inherit',
        },
      );
    }
    problem = await connectionError(serverUrl.toString());
    if (problem) {
      fail(
        `cannot connect to PostgreSQL at ${serverUrl.host} (${problem}). Start it (e.g. 'sudo pg_ctlcluster 15 main start') ` +
          'or set DATABASE_URL to a server you can reach.',
      );
    }
  }

  const admin = new pg.Client({ connectionString: serverUrl.toString() });
  await admin.connect();
  try {
    const version = await admin.query<{ major: string }>(
      `SELECT current_setting('server_version_num')::int / 10000 AS major`,
    );
    const major = version.rows[0]?.major;
    const postgis = await admin.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'`);
    if (postgis.rowCount === 0) {
      if (!databaseIsLocal) fail(`PostGIS is not available on ${serverUrl.host}; install it on that server.`);
      installOrExplain([`postgresql-${major}-postgis-3`], `PostGIS is not installed for PostgreSQL ${major}`);
    }
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName]);
    if (exists.rowCount === 0) {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(databaseName)}`);
      console.log(`created database ${databaseName}`);
    } else {
      console.log(`database ${databaseName} exists`);
    }
    if (await enableGroupCommit(admin, databaseName)) {
      console.log(`set commit_delay = ${COMMIT_DELAY_MICROSECONDS} µs on ${databaseName} (group commit)`);
    } else {
      console.log('commit_delay left at its default: setting it needs a superuser');
    }
    const autovacuum = await admin.query<{ autovacuum: string }>('SHOW autovacuum');
    if (autovacuum.rows[0]?.autovacuum !== 'on') {
      // The outbox is a queue table: every report adds rows that the worker updates within seconds.
      console.warn(
        'WARNING: autovacuum is off on this PostgreSQL server. The outbox and case tables then keep their dead rows and slow down over time; set autovacuum = on in postgresql.conf.',
      );
    }
  } finally {
    await admin.end();
  }
}

async function ensureRedis(): Promise<void> {
  step('Redis');
  const ping = async () => {
    const redis = new Redis(config.REDIS_URL, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    try {
      await redis.connect();
      return (await redis.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      redis.disconnect();
    }
  };
  if (await ping()) {
    console.log('Redis is reachable');
    return;
  }
  if (!redisIsLocal)
    fail(`cannot reach Redis at ${config.REDIS_URL}; check REDIS_URL and that the server is up.`);
  if (!existsSync('/usr/bin/redis-server')) installOrExplain(['redis-server'], 'Redis is not installed');
  if (isRoot) {
    spawnSync('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', '6379'], {
      stdio: 'inherit',
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (!(await ping())) {
    fail(
      `cannot reach Redis at ${config.REDIS_URL}. Start it with 'redis-server --daemonize yes' or set REDIS_URL.`,
    );
  }
}

function buildNativeAndUi(): void {
  step('faiss addon and web UI');
  if (!existsSync('/usr/include/faiss/IndexFlat.h')) {
    installOrExplain(
      ['libfaiss-dev', 'liblapack-dev', 'libblas-dev'],
      'the faiss library headers are missing',
    );
  }
  ensureOpenBlas();
  execFileSync('bash', ['scripts/build-faiss.sh'], { stdio: 'inherit' });
  execFileSync('npx', ['vite', 'build', '--config', 'ui/vite.config.ts', '--logLevel', 'warn'], {
    stdio: 'inherit',
  });
}

/**
 * Installs Debian's OpenBLAS, which registers itself as libblas.so.3 with a higher priority than
 * the reference BLAS, so faiss uses it without a rebuild. An IVF index over 100k faces then builds
 * about 6 times faster (bench/README.md). faiss works without it, so a non-root run only prints a note.
 */
function ensureOpenBlas(): void {
  if (!hasApt || isDebianPackageInstalled('libopenblas0-pthread')) return;
  if (isRoot) {
    aptInstall(['libopenblas0-pthread']);
    return;
  }
  console.log(
    'note: libopenblas0-pthread is missing, so faiss uses the slow reference BLAS (apt-get install -y libopenblas0-pthread)',
  );
}

function isDebianPackageInstalled(name: string): boolean {
  try {
    // dpkg-query's format field, not a JavaScript placeholder.
    const statusFormat = '-f=$' + '{Status}';
    const status = execFileSync('dpkg-query', ['-W', statusFormat, name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return status.includes('install ok installed');
  } catch {
    return false;
  }
}

/** Chromium runs the browser tests; without it they are skipped, so it is installed only when that is easy. */
function ensureTestBrowser(): void {
  if (existsSync('/usr/bin/chromium')) return;
  if (isRoot && hasApt) {
    step('Chromium for the browser tests');
    aptInstall(['chromium']);
    return;
  }
  console.log(
    'note: /usr/bin/chromium is missing, so `npm test` skips the browser tests (apt-get install -y chromium)',
  );
}

async function main(): Promise<void> {
  await ensurePostgres();
  await ensureRedis();
  if (!skipBuild) {
    buildNativeAndUi();
    ensureTestBrowser();
  }

  const db = createDatabase(config.DATABASE_URL, 4);
  try {
    step('migrations');
    const applied = await migrateToLatest(db);
    console.log(applied.length ? `applied ${applied.join(', ')}` : 'schema is up to date');

    step('boundaries');
    // The bundled file seeds a new installation only: once any version has been live, boundaries are
    // the GIS staff's, and running setup again must not replace theirs with the bundled ones.
    const published = await db('boundary_versions').whereIn('status', ['live', 'retired']).first('id');
    const report = published ? undefined : await importOsmPakistan(db, { publish: true, createdBy: 'setup' });
    if (!report) {
      console.log('boundaries were published before; the bundled file is not imported again');
    } else if (report.alreadyImported) {
      console.log(`boundary version ${report.versionId} from this file is already live`);
    } else {
      console.log(
        `version ${report.versionId}: ${report.stored.province} provinces, ${report.stored.region} regions, ` +
          `${report.stored.district} districts, ${report.pieces} lookup pieces`,
      );
      for (const repair of report.repaired)
        console.log(`repaired ${repair.level} ${repair.name}: ${repair.reason}`);
      for (const rejection of report.rejected)
        console.log(`rejected ${rejection.level} ${rejection.name}: ${rejection.reason}`);
    }

    if (skipSampleData) {
      console.log('\n== sample data skipped (--no-sample-data)');
    } else {
      step('sample data');
      const sample = await loadSampleData(db);
      console.log(`${sample.dutyOfficers} sample duty officers and ${sample.reports} sample reports loaded`);
    }

    // A real deployment (--no-sample-data) gets only the administrator, who creates the officers.
    step(skipSampleData ? 'administrator account' : 'sample officer accounts');
    const accounts = await loadSampleAccounts(db, { administratorOnly: skipSampleData });
    for (const account of accounts)
      console.log(`${account.username.padEnd(20)} ${account.password}  (${account.role})`);
    console.log(
      accounts.length > 0
        ? `passwords saved in ${SAMPLE_ACCOUNTS_FILE} (owner-only); sign in on the dashboard with one of them`
        : `sample accounts exist already; their passwords are in ${SAMPLE_ACCOUNTS_FILE}`,
    );
  } finally {
    await db.destroy();
  }
  console.log(`\nsetup complete: run \`npm start\` and open http://localhost:${config.PORT}`);
}

await main();
