// Report intake under concurrent load: POST /api/reports against a real server process and its
// worker process. Each report is geofenced and stored with its alerts and outbox in one statement.
// GET /api/health on the same server is the floor that HTTP, Express and one query cost.
import { once } from 'node:events';
import autocannon from 'autocannon';
import { createDatabase } from '../api/src/database.js';
import { BENCH_DATABASE_URL, recreateBenchDatabase, siblingDatabaseUrl } from './bench-database.js';
import { startBenchServer, workerProcessOf } from './bench-server.js';
import { type ConstantRateResult, offerConstantRate } from './constant-rate-load.js';
import { loadLastSeenPoints, reportBodyMaker } from './last-seen-points.js';

const PORT = 18_080;
const TARGET_RATE = 500;

export interface IntakeBenchOptions {
  /** The database to run on. It is dropped and recreated; by default `talash_bench_intake`. */
  databaseUrl?: string;
  durationSeconds?: number;
  connections?: number;
}

export async function runIntakeBench(options: IntakeBenchOptions = {}): Promise<void> {
  // A new database on every run. A benchmark database that earlier runs had filled with 760,000
  // cases and 2.8 million outbox rows (3.5 GB, 27 times the default shared_buffers) made every line
  // slower, so the figures of one run could not be compared with the next.
  const databaseUrl = await recreateBenchDatabase(
    options.databaseUrl ?? siblingDatabaseUrl(BENCH_DATABASE_URL, '_intake'),
  );
  const duration = options.durationSeconds ?? 10;
  const connections = options.connections ?? 16;
  const server = await startBenchServer(databaseUrl, PORT);

  try {
    const base = `http://127.0.0.1:${PORT}`;
    await load({ url: `${base}/api/health`, duration: 3, connections }); // warm-up
    const health = await load({ url: `${base}/api/health`, duration, connections });
    const db = createDatabase(databaseUrl, 1);
    const reportBody = reportBodyMaker(await loadLastSeenPoints(db));
    const countCases = async () =>
      Number((await db('cases').count<{ count: number }[]>('* as count'))[0]?.count);
    // Each run adds about 15,000 cases to the benchmark database. Between lines the tables are
    // vacuumed and analysed, as autovacuum would do on a server between two runs a few minutes apart.
    // With stale statistics the worker's alert query once switched to scanning all cases, and this
    // machine's PostgreSQL runs with autovacuum off, so without VACUUM the outbox kept every dead row.
    const vacuumAndAnalyse = () =>
      db.raw('VACUUM (ANALYZE) cases, alerts, outbox, case_deadlines, sms_log, audit_log');
    await vacuumAndAnalyse();
    const casesBefore = await countCases();
    const saturated = await load({ url: `${base}/api/reports`, duration, connections, body: reportBody });
    await vacuumAndAnalyse();
    const offerTargetRate = () =>
      offerConstantRate({
        url: `${base}/api/reports`,
        rate: TARGET_RATE,
        durationSeconds: duration,
        warmUpSeconds: 2,
        body: reportBody,
      });
    // The line before leaves the worker a backlog of outbox rows, which it delivers first.
    await waitForDeliveredOutbox(db);
    const atTarget = await offerTargetRate();
    // The same load with the worker process stopped (SIGSTOP), as when the worker runs on other
    // cores: intake alone. The outbox rows wait and are delivered after SIGCONT.
    let withoutWorker: ConstantRateResult | undefined;
    const workerPid = workerProcessOf(server.pid);
    if (workerPid !== undefined) {
      await vacuumAndAnalyse();
      process.kill(workerPid, 'SIGSTOP');
      try {
        withoutWorker = await offerTargetRate();
      } finally {
        process.kill(workerPid, 'SIGCONT');
      }
      await waitForDeliveredOutbox(db);
    }
    // With INTAKE_BENCH_BURST=1, also the load that this line used before: autocannon's overallRate,
    // which sends each second's requests in a burst at its start (see constant-rate-load.ts).
    let burst: autocannon.Result | undefined;
    if (process.env.INTAKE_BENCH_BURST) {
      await vacuumAndAnalyse();
      burst = await load({
        url: `${base}/api/reports`,
        duration,
        connections: 64,
        body: reportBody,
        rate: TARGET_RATE,
      });
    }
    const casesAfter = await countCases();
    await db.destroy();

    console.log(
      `\nReport intake (${duration} s per line; the API process and its outbox worker process, as \`npm start\` runs them)`,
    );
    console.log('  load                                       req/s   p50 ms   p99 ms   non-2xx');
    const printLine = (name: string, rate: number, p50: number, p99: number, failed: number) => {
      const columns = [
        rate.toFixed(0).padStart(6),
        p50.toFixed(0).padStart(6),
        p99.toFixed(0).padStart(6),
        String(failed).padStart(7),
      ];
      console.log(`  ${name.padEnd(42)} ${columns.join('   ')}`);
    };
    const printAutocannon = (name: string, result: autocannon.Result) =>
      printLine(name, result.requests.average, result.latency.p50, result.latency.p99, result.non2xx);
    const printConstantRate = (name: string, result: ConstantRateResult) =>
      printLine(name, result.throughput, result.latency.p50, result.latency.p99, result.failed);

    printAutocannon(`GET /api/health, ${connections} connections (floor)`, health);
    printAutocannon(`POST /api/reports, ${connections} connections (max)`, saturated);
    printConstantRate(`POST /api/reports, ${TARGET_RATE}/s constant rate`, atTarget);
    if (withoutWorker) printConstantRate(`  the same, worker process stopped`, withoutWorker);
    if (burst) printAutocannon(`POST /api/reports, ${TARGET_RATE}/s in bursts`, burst);
    for (const [name, result] of [
      ['constant rate', atTarget],
      ['worker stopped', withoutWorker],
    ] as const) {
      const failures = Object.entries(result?.failuresByStatus ?? {});
      if (failures.length > 0) {
        console.log(
          `  ${name}: failures by status ${failures.map(([status, n]) => `${status} x${n}`).join(', ')}`,
        );
      }
    }
    console.log(
      `  constant rate: p90 ${atTarget.latency.p90.toFixed(0)} ms, max ${atTarget.latency.max.toFixed(0)} ms, counted from each request's due time`,
    );
    console.log(
      `  constant rate, highest latency per second (ms): ${atTarget.maxLatencyPerSecond.map((ms) => ms.toFixed(0)).join(' ')}`,
    );
    const answered =
      saturated['2xx'] + atTarget.succeeded + (withoutWorker?.succeeded ?? 0) + (burst?.['2xx'] ?? 0);
    console.log(
      `  cases stored: ${casesAfter - casesBefore} (warm-up seconds included), 2xx responses counted: ${answered}`,
    );
    console.log(`  target: ${TARGET_RATE} reports/s with p99 under 50 ms`);
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
}

/** Waits until the worker has delivered every outbox row, or 60 s have passed. */
async function waitForDeliveredOutbox(db: ReturnType<typeof createDatabase>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const [row] = await db('outbox').where({ status: 'pending' }).count<{ count: string }[]>('* as count');
    if (Number(row?.count) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  console.warn('intake-bench: outbox rows still pending after 60 s; the next line starts anyway');
}

interface LoadOptions {
  url: string;
  duration: number;
  connections: number;
  /** Request body maker; each request gets a fresh one. GET when absent. */
  body?: () => string;
  /** Requests per second offered in total; unlimited when absent. */
  rate?: number;
}

async function load(options: LoadOptions): Promise<autocannon.Result> {
  const { body } = options;
  return autocannon({
    url: options.url,
    duration: options.duration,
    connections: options.connections,
    overallRate: options.rate,
    method: body ? 'POST' : 'GET',
    headers: body ? { 'content-type': 'application/json' } : {},
    requests: body ? [{ setupRequest: (request) => ({ ...request, body: body() }) }] : undefined,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runIntakeBench();
}
