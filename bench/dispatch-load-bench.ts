// Dispatch under sustained load: reports at a fixed rate for a minute against the server as
// `npm start` runs it (API process and outbox worker process). Dashboards are open on every region,
// and SMS go over HTTP to a gateway on loopback. Measures how long a report takes to reach the
// regional dashboard and the SMS gateway, and checks that every report produced its alerts and SMS
// exactly once. The baseline line is the same server at 10 reports/s.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createDatabase } from '../api/src/database.js';
import { AccountRepository } from '../api/src/repositories/account-repository.js';
import { JurisdictionRepository } from '../api/src/repositories/jurisdiction-repository.js';
import { AccountService } from '../api/src/services/account-service.js';
import { FakeSmsGateway } from '../api/test/support/fake-sms-gateway.js';
import { BENCH_DATABASE_URL, prepareBenchDatabase } from './bench-database.js';
import { startBenchServer } from './bench-server.js';

const PORT = 18_090;
const TRACKING_CODE = /TL-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/;
// Pakistan's populated band, as in the intake benchmark.
const LAT_RANGE = [24.5, 35.5] as const;
const LON_RANGE = [61.5, 75.5] as const;

export interface DispatchLoadOptions {
  databaseUrl?: string;
  /** Reports per second offered during the measured run. */
  rate?: number;
  seconds?: number;
}

/** One report as the load generator saw it. */
interface SentReport {
  sentAt: number;
  respondedAt: number;
  status: number;
  caseId?: string;
  trackingCode?: string;
}

export async function runDispatchLoadBench(options: DispatchLoadOptions = {}): Promise<void> {
  const databaseUrl = await prepareBenchDatabase(options.databaseUrl ?? BENCH_DATABASE_URL);
  const rate = options.rate ?? Number(process.env.DISPATCH_LOAD_RATE ?? 200);
  const seconds = options.seconds ?? Number(process.env.DISPATCH_LOAD_SECONDS ?? 60);

  // Arrival times of SMS at the gateway, by the tracking code in their text.
  const smsArrivals = new Map<string, number[]>();
  const gateway = new FakeSmsGateway();
  gateway.onDelivered = (message) => {
    const code = TRACKING_CODE.exec(message.body)?.[0];
    if (!code) return;
    const arrivals = smsArrivals.get(code) ?? [];
    arrivals.push(performance.now());
    smsArrivals.set(code, arrivals);
  };
  await gateway.start();

  const server = await startBenchServer(databaseUrl, PORT, {
    SMS_DRIVER: 'http',
    SMS_HTTP_URL: gateway.url,
    REDIS_PREFIX: 'talash-bench-dispatch',
  });
  const db = createDatabase(databaseUrl, 2);
  const base = `http://127.0.0.1:${PORT}`;
  let dashboards: Dashboards | undefined;

  try {
    const cookie = await signInSupervisor(db, base);
    const regions: string[] = await db('jurisdictions as j')
      .join('boundary_versions as v', 'v.id', 'j.version_id')
      .where({ 'v.status': 'live', 'j.level': 'region' })
      .pluck('j.code');
    dashboards = await openDashboards(base, cookie, regions);

    const baseline = await offerReports(base, 10, 10);
    const loaded = await offerReports(base, rate, seconds);
    const all = [...baseline, ...loaded];
    const expectations = await expectedDeliveries(db, all);
    await waitUntilDelivered(expectations, smsArrivals, dashboards, 120_000);

    console.log(
      `\nDispatch under load (API and worker processes as \`npm start\` runs them, dashboards open on all ${regions.length} regions, SMS over HTTP to a loopback gateway)`,
    );
    console.log(
      '  line                         reports   intake p50/p99 ms   to dashboard p50/p99 ms   to last SMS p50/p99 ms',
    );
    for (const [name, reports] of [
      ['baseline: 10/s for 10 s', baseline],
      [`${rate}/s for ${seconds} s`, loaded],
    ] as const) {
      const figures = latencies(reports, smsArrivals, dashboards);
      console.log(
        `  ${name.padEnd(28)} ${String(reports.length).padStart(7)}   ${figures.intake.padStart(17)}   ${figures.dashboard.padStart(23)}   ${figures.sms.padStart(22)}`,
      );
    }
    await reportExactlyOnce(db, all, expectations, smsArrivals, dashboards, gateway);
  } finally {
    dashboards?.close();
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    await db.destroy();
    await gateway.stop();
  }
}

async function signInSupervisor(db: ReturnType<typeof createDatabase>, base: string): Promise<string> {
  const accounts = new AccountService(new AccountRepository(db), new JurisdictionRepository(db));
  const credentials = {
    username: `bench.supervisor.${randomBytes(4).toString('hex')}`,
    password: randomBytes(18).toString('base64url'),
  };
  await accounts.create({
    ...credentials,
    displayName: 'Benchmark supervisor',
    role: 'national_supervisor',
    jurisdictionCode: null,
    office: null,
  });
  const response = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(credentials),
  });
  const cookie = response.headers.get('set-cookie')?.split(';')[0];
  if (response.status !== 200 || !cookie)
    throw new Error(`benchmark sign-in failed with HTTP ${response.status}`);
  return cookie;
}

/** Offers `rate` reports per second for `seconds`, without waiting for earlier responses. */
async function offerReports(base: string, rate: number, seconds: number): Promise<SentReport[]> {
  const total = Math.round(rate * seconds);
  const start = performance.now();
  const pending: Promise<SentReport>[] = [];

  for (let index = 0; index < total; index++) {
    const due = start + (index * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(sendReport(base));
  }
  return Promise.all(pending);
}

async function sendReport(base: string): Promise<SentReport> {
  const sentAt = performance.now();
  const response = await fetch(`${base}/api/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: reportBody(),
  });
  const body = (await response.json()) as { id?: string; trackingCode?: string };
  return {
    sentAt,
    respondedAt: performance.now(),
    status: response.status,
    caseId: body.id,
    trackingCode: body.trackingCode,
  };
}

function reportBody(): string {
  return JSON.stringify({
    child: { name: 'Load Child', age: 1 + Math.floor(Math.random() * 16), sex: 'male', description: 'load' },
    lastSeen: {
      lat: LAT_RANGE[0] + Math.random() * (LAT_RANGE[1] - LAT_RANGE[0]),
      lon: LON_RANGE[0] + Math.random() * (LON_RANGE[1] - LON_RANGE[0]),
      at: new Date(Date.now() - 3_600_000).toISOString(),
    },
    reporter: { name: 'Load Reporter', phone: '+923001234567' },
  });
}

/** The dashboard streams of a supervisor following every region, and what reached them. */
interface Dashboards {
  /** First arrival of an alert event per case. */
  firstAlertAt: Map<string, number>;
  /** Alert events received per alert id, to find any sent twice. */
  eventsPerAlert: Map<string, number>;
  close(): void;
}

async function openDashboards(base: string, cookie: string, regions: string[]): Promise<Dashboards> {
  const firstAlertAt = new Map<string, number>();
  const eventsPerAlert = new Map<string, number>();
  const controller = new AbortController();

  const onEvent = (block: string) => {
    if (!block.startsWith('event: alert\n')) return;
    const data = block.split('\n').find((line) => line.startsWith('data: '));
    if (!data) return;
    const alert = JSON.parse(data.slice(6)) as { id: string; case: { id: string } };
    eventsPerAlert.set(alert.id, (eventsPerAlert.get(alert.id) ?? 0) + 1);
    if (!firstAlertAt.has(alert.case.id)) firstAlertAt.set(alert.case.id, performance.now());
  };

  for (const region of regions) {
    const response = await fetch(`${base}/api/events?region=${encodeURIComponent(region)}`, {
      headers: { cookie, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    if (response.status !== 200 || !response.body)
      throw new Error(`event stream for ${region}: HTTP ${response.status}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += value;
          let boundary = buffer.indexOf('\n\n');
          while (boundary >= 0) {
            onEvent(buffer.slice(0, boundary));
            buffer = buffer.slice(boundary + 2);
            boundary = buffer.indexOf('\n\n');
          }
        }
      } catch {
        // Aborted when the benchmark closes the streams.
      }
    })();
  }
  return { firstAlertAt, eventsPerAlert, close: () => controller.abort() };
}

/** The deliveries each stored case must produce: its SMS count and whether it alerts a region. */
type Expectations = Map<string, { trackingCode: string; sms: number; routed: boolean }>;

async function expectedDeliveries(
  db: ReturnType<typeof createDatabase>,
  reports: SentReport[],
): Promise<Expectations> {
  const caseIds = reports.flatMap((report) => (report.caseId ? [report.caseId] : []));
  const rows: { id: string; tracking_code: string; routed: boolean; sms: string }[] = await db('cases as c')
    .whereIn('c.id', caseIds)
    .select(
      'c.id',
      'c.tracking_code',
      db.raw('c.district_id IS NOT NULL AS routed'),
      db.raw("(SELECT count(*) FROM outbox o WHERE o.case_id = c.id AND o.kind = 'sms') AS sms"),
    );
  return new Map(
    rows.map((row) => [
      row.id,
      { trackingCode: row.tracking_code, sms: Number(row.sms), routed: row.routed },
    ]),
  );
}

async function waitUntilDelivered(
  expectations: Expectations,
  smsArrivals: Map<string, number[]>,
  dashboards: Dashboards,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const done = () =>
    [...expectations].every(
      ([caseId, expected]) =>
        (smsArrivals.get(expected.trackingCode)?.length ?? 0) >= expected.sms &&
        (!expected.routed || dashboards.firstAlertAt.has(caseId)),
    );
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
}

function latencies(reports: SentReport[], smsArrivals: Map<string, number[]>, dashboards: Dashboards) {
  const intake = reports.map((report) => report.respondedAt - report.sentAt);
  const dashboard: number[] = [];
  const sms: number[] = [];
  for (const report of reports) {
    const alertAt = report.caseId ? dashboards.firstAlertAt.get(report.caseId) : undefined;
    if (alertAt !== undefined) dashboard.push(alertAt - report.sentAt);
    const arrivals = report.trackingCode ? smsArrivals.get(report.trackingCode) : undefined;
    if (arrivals?.length) sms.push(Math.max(...arrivals) - report.sentAt);
  }
  return { intake: pair(intake), dashboard: pair(dashboard), sms: pair(sms) };
}

function pair(values: number[]): string {
  if (values.length === 0) return 'n/a';
  const sorted = [...values].sort((a, b) => a - b);
  const at = (share: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] as number;
  return `${at(0.5).toFixed(0)} / ${at(0.99).toFixed(0)}`;
}

/** Counts and prints the reports whose alerts, dashboard event or SMS were missing or repeated. */
async function reportExactlyOnce(
  db: ReturnType<typeof createDatabase>,
  reports: SentReport[],
  expectations: Expectations,
  smsArrivals: Map<string, number[]>,
  dashboards: Dashboards,
  gateway: FakeSmsGateway,
): Promise<void> {
  const failedRequests = reports.filter((report) => report.status !== 201).length;
  const caseIds = [...expectations.keys()];
  const alertCounts: { routed: boolean; alerts: string }[] = await db('cases as c')
    .whereIn('c.id', caseIds)
    .select(
      db.raw('c.district_id IS NOT NULL AS routed'),
      db.raw("(SELECT count(*) FROM alerts a WHERE a.case_id = c.id AND a.kind = 'report') AS alerts"),
    );
  const wrongAlerts = alertCounts.filter((row) => Number(row.alerts) !== (row.routed ? 2 : 0)).length;
  const unsent: { count: string }[] = await db('outbox')
    .whereIn('case_id', caseIds)
    .whereNot({ status: 'sent' })
    .count('* as count');

  let smsMissing = 0;
  let smsTwice = 0;
  let dashboardMissing = 0;
  for (const [caseId, expected] of expectations) {
    const arrived = smsArrivals.get(expected.trackingCode)?.length ?? 0;
    if (arrived < expected.sms) smsMissing += 1;
    if (arrived > expected.sms) smsTwice += 1;
    if (expected.routed && !dashboards.firstAlertAt.has(caseId)) dashboardMissing += 1;
  }
  const alertEventsTwice = [...dashboards.eventsPerAlert.values()].filter((count) => count > 1).length;

  console.log(
    `  exactly once: ${reports.length} reports, ${failedRequests} not answered 201, ${expectations.size} cases stored; ` +
      `cases with a wrong alert count ${wrongAlerts}; outbox rows not sent ${unsent[0]?.count ?? 0}; ` +
      `cases missing an SMS ${smsMissing}, with an SMS twice ${smsTwice}; ` +
      `routed cases missing the dashboard alert ${dashboardMissing}, alert events sent twice ${alertEventsTwice}; ` +
      `gateway requests ${gateway.requests} for ${gateway.delivered.length} messages`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runDispatchLoadBench();
}
