// Report intake under concurrent load: POST /api/reports against a real server process and its
// worker process. Each report is geofenced and stored with its alerts and outbox in one statement.
// GET /api/health on the same server is the floor that HTTP, Express and one query cost.
import { once } from 'node:events';
import autocannon from 'autocannon';
import { createDatabase } from '../api/src/database.js';
import { BENCH_DATABASE_URL, prepareBenchDatabase } from './bench-database.js';
import { startBenchServer } from './bench-server.js';

const PORT = 18_080;
const TARGET_RATE = 500;
// Pakistan's populated band, so most points fall inside a district and a few on its edges or outside.
const LAT_RANGE = [24.5, 35.5] as const;
const LON_RANGE = [61.5, 75.5] as const;

export interface IntakeBenchOptions {
  databaseUrl?: string;
  durationSeconds?: number;
  connections?: number;
}

export async function runIntakeBench(options: IntakeBenchOptions = {}): Promise<void> {
  const databaseUrl = await prepareBenchDatabase(options.databaseUrl ?? BENCH_DATABASE_URL);
  const duration = options.durationSeconds ?? 10;
  const connections = options.connections ?? 16;
  const server = await startBenchServer(databaseUrl, PORT);

  try {
    const base = `http://127.0.0.1:${PORT}`;
    await load({ url: `${base}/api/health`, duration: 3, connections }); // warm-up
    const health = await load({ url: `${base}/api/health`, duration, connections });
    const db = createDatabase(databaseUrl, 1);
    const countCases = async () =>
      Number((await db('cases').count<{ count: number }[]>('* as count'))[0]?.count);
    // Each run adds about 9,000 cases to the benchmark database, faster than autovacuum's one-minute
    // round refreshes the planner's statistics. With stale statistics the worker's alert query
    // switched to scanning all cases and later runs lost a third of their throughput.
    const analyse = () => db.raw('ANALYZE cases, alerts, outbox, case_deadlines');
    await analyse();
    const casesBefore = await countCases();
    const saturated = await load({ url: `${base}/api/reports`, duration, connections, body: reportBody });
    await analyse();
    const atTarget = await load({
      url: `${base}/api/reports`,
      duration,
      connections: 64,
      body: reportBody,
      rate: TARGET_RATE,
    });
    const casesAfter = await countCases();
    await db.destroy();

    console.log(
      `\nReport intake (${duration} s per line; the API process and its outbox worker process, as \`npm start\` runs them)`,
    );
    console.log('  load                                       req/s   p50 ms   p99 ms   non-2xx');
    const lines: [string, autocannon.Result][] = [
      [`GET /api/health, ${connections} connections (floor)`, health],
      [`POST /api/reports, ${connections} connections (max)`, saturated],
      [`POST /api/reports, offered ${TARGET_RATE}/s`, atTarget],
    ];
    for (const [name, result] of lines) {
      const columns = [
        result.requests.average.toFixed(0).padStart(6),
        String(result.latency.p50).padStart(6),
        String(result.latency.p99).padStart(6),
        String(result.non2xx).padStart(7),
      ];
      console.log(`  ${name.padEnd(42)} ${columns.join('   ')}`);
    }
    const answered = saturated['2xx'] + atTarget['2xx'];
    console.log(`  cases stored: ${casesAfter - casesBefore}, 2xx responses: ${answered}`);
    console.log(`  target: ${TARGET_RATE} reports/s with p99 under 50 ms`);
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
}

/** Returns a random report body, as the intake benchmarks send it. */
export function reportBody(): string {
  const lat = LAT_RANGE[0] + Math.random() * (LAT_RANGE[1] - LAT_RANGE[0]);
  const lon = LON_RANGE[0] + Math.random() * (LON_RANGE[1] - LON_RANGE[0]);
  return JSON.stringify({
    child: {
      name: 'Bench Child',
      age: 1 + Math.floor(Math.random() * 16),
      sex: 'female',
      description: 'bench',
    },
    lastSeen: { lat, lon, at: new Date(Date.now() - 3_600_000).toISOString() },
    reporter: { name: 'Bench Reporter', phone: '+923001234567' },
  });
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
