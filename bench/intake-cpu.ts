// CPU time per report of each process on the intake path: the API process, its outbox worker
// process, the PostgreSQL backends serving each of them, Redis and this load generator. Offers reports
// at a constant rate, waits until the worker has delivered every outbox row, and divides each process's CPU
// time (utime + stime from /proc/<pid>/stat) by the number of cases stored. CPU time per report
// changes much less than latency when other jobs share the machine.
//
//   npx tsx bench/intake-cpu.ts                      # 300 reports/s for 10 s
//   INTAKE_CPU_RATE=400 INTAKE_CPU_SECONDS=20 npx tsx bench/intake-cpu.ts
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createDatabase } from '../api/src/database.js';
import { BENCH_DATABASE_URL, recreateBenchDatabase, siblingDatabaseUrl } from './bench-database.js';
import { startBenchServer, workerProcessOf } from './bench-server.js';
import { type ConstantRateResult, offerConstantRate } from './constant-rate-load.js';
import { loadLastSeenPoints, reportBodyMaker } from './last-seen-points.js';

const RATE = Number(process.env.INTAKE_CPU_RATE ?? 300);
const SECONDS = Number(process.env.INTAKE_CPU_SECONDS ?? 10);
const PORT = Number(process.env.INTAKE_CPU_PORT ?? 18_081);
const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString());

/** CPU time of a process in milliseconds (user + system), or undefined once it has exited. */
function cpuMilliseconds(pid: number): number | undefined {
  try {
    // The command name, in brackets, may contain spaces: the fields after it are fixed.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime and stime (fields 14 and 15)
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

function pidsOf(name: string): number[] {
  try {
    return execFileSync('pgrep', ['-x', name]).toString().trim().split('\n').map(Number);
  } catch {
    return [];
  }
}

// A new database on every run, as in intake-bench.ts.
const databaseUrl = await recreateBenchDatabase(siblingDatabaseUrl(BENCH_DATABASE_URL, '_intake'));
const databaseName = new URL(databaseUrl).pathname.slice(1);
const server = await startBenchServer(databaseUrl, PORT, {
  REDIS_PREFIX: process.env.REDIS_PREFIX ?? 'talash-bench',
});
const db = createDatabase(databaseUrl, 1);
const reportBody = reportBodyMaker(await loadLastSeenPoints(db));

async function pendingOutbox(): Promise<number> {
  const rows = await db.raw<{ rows: { count: number }[] }>(
    `SELECT count(*)::int AS count FROM outbox WHERE status = 'pending'`,
  );
  return rows.rows[0]?.count ?? 0;
}

async function waitForDelivery(): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await pendingOutbox()) > 0) {
    if (Date.now() > deadline) throw new Error('the worker left outbox rows unsent after 120 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Lists the backends of the benchmark database with the process they serve (see `createDatabase`). */
async function backendPids(): Promise<{ pid: number; applicationName: string }[]> {
  const rows = await db.raw<{ rows: { pid: number; applicationName: string }[] }>(
    `SELECT pid, application_name AS "applicationName"
     FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()`,
    [databaseName],
  );
  return rows.rows;
}

async function countCases(): Promise<number> {
  const rows = await db.raw<{ rows: { count: number }[] }>('SELECT count(*)::int AS count FROM cases');
  return rows.rows[0]?.count ?? 0;
}

async function walLsn(): Promise<string> {
  const rows = await db.raw<{ rows: { lsn: string }[] }>('SELECT pg_current_wal_lsn()::text AS lsn');
  return rows.rows[0]?.lsn ?? '0/0';
}

async function walBytesBetween(from: string, to: string): Promise<number> {
  const rows = await db.raw<{ rows: { bytes: number }[] }>('SELECT pg_wal_lsn_diff(?, ?)::float8 AS bytes', [
    to,
    from,
  ]);
  return rows.rows[0]?.bytes ?? 0;
}

function offer(rate: number, seconds: number): Promise<ConstantRateResult> {
  return offerConstantRate({
    url: `http://127.0.0.1:${PORT}/api/reports`,
    rate,
    durationSeconds: seconds,
    body: reportBody,
  });
}

try {
  const apiPid = server.pid ?? 0;
  // Warm-up: JIT, prepared statements and pool connections.
  await offer(RATE, 3);
  await waitForDelivery();
  const workerPid = workerProcessOf(apiPid) ?? 0;
  const redisPids = pidsOf('redis-server');
  const postgresPids = pidsOf('postgres');

  const backends = await backendPids();
  const before = new Map<number, number>();
  for (const pid of [apiPid, workerPid, ...redisPids, ...postgresPids]) {
    before.set(pid, cpuMilliseconds(pid) ?? 0);
  }
  const selfBefore = process.cpuUsage();
  const casesBefore = await countCases();
  const lsnBefore = await walLsn();
  const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

  const result = await offer(RATE, SECONDS);
  await waitForDelivery();

  const selfAfter = process.cpuUsage(selfBefore);
  const cases = (await countCases()) - casesBefore;
  const walBytes = await walBytesBetween(lsnBefore, await walLsn());
  // A process that exited during the run (another database's backend) is left out.
  const used = (pids: number[]) =>
    pids.reduce((sum, pid) => {
      const now = cpuMilliseconds(pid);
      return now === undefined ? sum : sum + now - (before.get(pid) ?? 0);
    }, 0);
  const allBackends = [...backends, ...(await backendPids())];
  const backendsOf = (applicationName: string) => [
    ...new Set(
      allBackends.filter((item) => item.applicationName === applicationName).map((item) => item.pid),
    ),
  ];
  const backendSet = new Set(allBackends.map((item) => item.pid));
  const postgresOther = postgresPids.filter((pid) => !backendSet.has(pid));

  const perReport = (ms: number) => (ms / cases).toFixed(3).padStart(6);
  console.log(
    `${cases} cases at ${RATE}/s offered for ${SECONDS} s (p50 ${result.latency.p50.toFixed(0)} ms, p99 ${result.latency.p99.toFixed(0)} ms, ${result.failed} failed); load average before ${loadBefore}`,
  );
  console.log(`  API process                   ${perReport(used([apiPid]))} ms CPU per report`);
  console.log(`  worker process                ${perReport(used([workerPid]))}`);
  console.log(`  PostgreSQL, API sessions      ${perReport(used(backendsOf('talash-api')))}`);
  console.log(`  PostgreSQL, worker sessions   ${perReport(used(backendsOf('talash-worker')))}`);
  console.log(`  PostgreSQL other (shared)     ${perReport(used(postgresOther))}`);
  console.log(`  Redis (shared)                ${perReport(used(redisPids))}`);
  console.log(`  load generator                ${perReport((selfAfter.user + selfAfter.system) / 1000)}`);
  console.log(
    `  WAL (whole server)            ${(walBytes / cases).toFixed(0).padStart(6)} bytes per report`,
  );
} finally {
  await db.destroy();
  server.kill('SIGTERM');
  await once(server, 'exit');
}
