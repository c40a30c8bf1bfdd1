// CPU time and WAL per report of the intake statement alone: `ReportService.submit` runs in this
// process on `INTAKE_STATEMENT_CONNECTIONS` pooled connections (default 8) as fast as they go, with
// no HTTP, no Redis and no worker. Prints the CPU time of those PostgreSQL backends per report, and,
// when pg_waldump can read the server's WAL directory, the WAL records of the benchmark database per
// report (records of other databases in the same range are left out by database OID).
//
//   npx tsx bench/intake-statement-cpu.ts                      # 3,000 reports
//   INTAKE_STATEMENT_REPORTS=5000 PG_WAL_DIRECTORY=/var/lib/postgresql/15/main/pg_wal npx tsx bench/intake-statement-cpu.ts
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createDatabase } from '../api/src/database.js';
import { LiveDistrictLocatorHolder } from '../api/src/geofence/live-district-locator.js';
import { CaseRepository } from '../api/src/repositories/case-repository.js';
import { JurisdictionRepository } from '../api/src/repositories/jurisdiction-repository.js';
import { ReportService } from '../api/src/services/report-service.js';
import { BENCH_DATABASE_URL, prepareBenchDatabase } from './bench-database.js';
import { loadLastSeenPoints, reportBodyMaker } from './last-seen-points.js';

const APPLICATION_NAME = 'talash-intake-statement-cpu';
const CONNECTIONS = Number(process.env.INTAKE_STATEMENT_CONNECTIONS ?? 8);
const REPORTS = Number(process.env.INTAKE_STATEMENT_REPORTS ?? 3000);
const WAL_DIRECTORY = process.env.PG_WAL_DIRECTORY ?? '/var/lib/postgresql/15/main/pg_wal';
const PG_WALDUMP = process.env.PG_WALDUMP ?? '/usr/lib/postgresql/15/bin/pg_waldump';
const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString());

/** CPU time of a process in milliseconds (user + system). */
function cpuMilliseconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Sums the WAL records between two LSNs that touch the database `oid`, or undefined without pg_waldump. */
function walOfDatabase(
  from: string,
  to: string,
  oid: number,
): { bytes: number; records: number } | undefined {
  let dump: string;
  try {
    dump = execFileSync(PG_WALDUMP, ['-p', WAL_DIRECTORY, '-s', from, '-e', to], {
      maxBuffer: 1 << 30,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString();
  } catch {
    return undefined;
  }
  let bytes = 0;
  let records = 0;
  for (const line of dump.split('\n')) {
    // NOTE: commit and MultiXact records name no relation, so those of other databases in the
    // same range are counted too.
    if (!line.includes(`/${oid}/`) && !/Transaction|MultiXact/.test(line)) continue;
    const length = line.match(/len \(rec\/tot\):\s*\d+\/\s*(\d+)/);
    if (!length) continue;
    bytes += Number(length[1]);
    records += 1;
  }
  return { bytes, records };
}

const databaseUrl = new URL(
  await prepareBenchDatabase(process.env.TALASH_BENCH_DATABASE_URL ?? BENCH_DATABASE_URL),
);
databaseUrl.searchParams.set('application_name', APPLICATION_NAME);
const db = createDatabase(databaseUrl.toString(), CONNECTIONS);
const reportBody = reportBodyMaker(await loadLastSeenPoints(db));
const locator = new LiveDistrictLocatorHolder(db);
await locator.reload();
const reports = new ReportService(
  { cases: new CaseRepository(db), jurisdictions: new JurisdictionRepository(db) },
  async () => undefined,
  undefined,
  locator,
);

async function submit(count: number): Promise<void> {
  let left = count;
  const submitOne = async (): Promise<void> => {
    const body = JSON.parse(reportBody());
    body.lastSeen.at = new Date(body.lastSeen.at);
    await reports.submit(body);
  };
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (left-- > 0) await submitOne();
    }),
  );
}

const query = async <Row>(sql: string): Promise<Row> => (await db.raw<{ rows: Row[] }>(sql)).rows[0] as Row;

try {
  await submit(CONNECTIONS * 20); // warm-up: every connection open, every statement prepared
  const backends = (
    await db.raw<{ rows: { pid: number }[] }>('SELECT pid FROM pg_stat_activity WHERE application_name = ?', [
      APPLICATION_NAME,
    ])
  ).rows.map((row) => row.pid);
  const { oid } = await query<{ oid: number }>(
    'SELECT oid FROM pg_database WHERE datname = current_database()',
  );
  const { lsn: lsnBefore } = await query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
  const cpuBefore = backends.map(cpuMilliseconds);
  const started = Date.now();

  await submit(REPORTS);

  const elapsed = Date.now() - started;
  const cpu = backends.reduce((sum, pid, index) => sum + cpuMilliseconds(pid) - (cpuBefore[index] ?? 0), 0);
  const { lsn: lsnAfter } = await query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
  console.log(
    `${REPORTS} reports on ${backends.length} connections, ${((REPORTS * 1000) / elapsed).toFixed(0)}/s: ` +
      `${(cpu / REPORTS).toFixed(3)} ms of PostgreSQL backend CPU per report`,
  );
  const wal = walOfDatabase(lsnBefore, lsnAfter, oid);
  if (wal) {
    console.log(
      `WAL of this database: ${(wal.bytes / REPORTS).toFixed(0)} bytes and ${(wal.records / REPORTS).toFixed(1)} records per report`,
    );
  } else {
    console.log(`WAL not counted: ${PG_WALDUMP} could not read ${WAL_DIRECTORY} (set PG_WAL_DIRECTORY)`);
  }
} finally {
  await db.destroy();
}
