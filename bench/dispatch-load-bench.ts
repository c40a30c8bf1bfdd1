// Dispatch under load: reports at a fixed rate into one district while the server process and its
// worker process run as `npm start` runs them. It measures how long an alert takes to reach an open
// dashboard stream (SSE) and how long a report takes to reach the SMS gateway. Then it counts the
// alerts and SMS that are missing or duplicated. The SMS gateway is a loopback HTTP server here.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createDatabase } from '../api/src/database.js';
import { AccountRepository } from '../api/src/repositories/account-repository.js';
import { JurisdictionRepository } from '../api/src/repositories/jurisdiction-repository.js';
import { AccountService } from '../api/src/services/account-service.js';
import { FakeSmsGateway } from '../api/test/support/fake-sms-gateway.js';
import { BENCH_DATABASE_URL, prepareBenchDatabase } from './bench-database.js';

const PORT = 18_081;
// A box inside Lahore district, so every report alerts the one DPO whose stream this bench follows.
const LAT_RANGE = [31.45, 31.55] as const;
const LON_RANGE = [74.28, 74.4] as const;
const DPO_PHONE = '+923009990001';
const RPO_PHONE = '+923009990002';
/** SMS per report: the DPO, the RPO and the reporter. */
const SMS_PER_REPORT = 3;
/** How long to wait after the last report for its SSE events and SMS. */
const DRAIN_TIMEOUT_MS = 120_000;

export interface DispatchLoadOptions {
  databaseUrl?: string;
  ratePerSecond?: number;
  durationSeconds?: number;
}

interface SentReport {
  sentAt: number;
  acceptedAt: number;
  trackingCode: string;
  caseId: string;
}

export async function runDispatchLoadBench(options: DispatchLoadOptions = {}): Promise<void> {
  const rate = options.ratePerSecond ?? 200;
  const duration = options.durationSeconds ?? 60;
  const databaseUrl = await prepareBenchDatabase(options.databaseUrl ?? BENCH_DATABASE_URL);
  const db = createDatabase(databaseUrl, 2);
  const gateway = new FakeSmsGateway();
  await gateway.start();
  // First arrival of each SMS at the gateway, by tracking code.
  const smsTimes = new Map<string, number[]>();
  gateway.onDelivered = (message) => {
    const code = /TL-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(message.body)?.[0];
    if (code) smsTimes.set(code, [...(smsTimes.get(code) ?? []), Date.now()]);
  };

  await db('duty_officers')
    .insert([
      { jurisdiction_code: 'PK-PB-LAHORE', post: 'DPO', name: 'Bench DPO Lahore', phone: DPO_PHONE },
      { jurisdiction_code: 'PK-PB-LAHORE-DIV', post: 'RPO', name: 'Bench RPO Lahore', phone: RPO_PHONE },
    ])
    .onConflict(['jurisdiction_code', 'post', 'phone'])
    .ignore();
  const account = {
    username: `bench.dpo.${randomBytes(4).toString('hex')}`,
    password: randomBytes(18).toString('base64url'),
  };
  await new AccountService(new AccountRepository(db), new JurisdictionRepository(db)).create({
    ...account,
    displayName: 'Bench DPO',
    role: 'dpo',
    jurisdictionCode: 'PK-PB-LAHORE',
  });

  const server = await startServer(databaseUrl, gateway.url);
  const stream = new AbortController();
  try {
    const base = `http://127.0.0.1:${PORT}`;
    const cookie = await signIn(base, account);
    // Arrival time of the DPO alert event of each tracking code; more than one is a duplicate.
    const sseTimes = new Map<string, number[]>();
    await followAlerts(base, cookie, stream.signal, (code) =>
      sseTimes.set(code, [...(sseTimes.get(code) ?? []), Date.now()]),
    );

    const { sent, failures } = await sendReports(base, rate, duration);
    const complete = () =>
      sent.every(
        (report) =>
          (sseTimes.get(report.trackingCode)?.length ?? 0) >= 1 &&
          (smsTimes.get(report.trackingCode)?.length ?? 0) >= SMS_PER_REPORT,
      );
    const drainDeadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (!complete() && Date.now() < drainDeadline)
      await new Promise((resolve) => setTimeout(resolve, 250));
    // Give late duplicates (a retried job, a re-published event) a moment to show up.
    await new Promise((resolve) => setTimeout(resolve, 3000));

    const alertLatencies: number[] = [];
    const smsLatencies: number[] = [];
    let missingEvents = 0;
    let duplicateEvents = 0;
    let missingSms = 0;
    let duplicateSms = 0;
    for (const report of sent) {
      const events = sseTimes.get(report.trackingCode) ?? [];
      const sms = smsTimes.get(report.trackingCode) ?? [];
      if (events.length === 0) missingEvents += 1;
      if (events.length > 1) duplicateEvents += events.length - 1;
      if (sms.length < SMS_PER_REPORT) missingSms += SMS_PER_REPORT - sms.length;
      if (sms.length > SMS_PER_REPORT) duplicateSms += sms.length - SMS_PER_REPORT;
      if (events[0] !== undefined) alertLatencies.push(events[0] - report.acceptedAt);
      for (const arrival of sms) smsLatencies.push(arrival - report.sentAt);
    }
    const stored = await countStored(
      db,
      sent.map((report) => report.caseId),
    );

    console.log(
      `\nDispatch under load (${rate} reports/s offered for ${duration} s into Lahore; API and worker processes, SMS to a loopback gateway)`,
    );
    console.log(`  reports accepted: ${sent.length} of ${Math.round(rate * duration)}, failed: ${failures}`);
    console.log('  latency                                         p50 ms   p99 ms');
    console.log(`  report accepted to dashboard alert (SSE)        ${percentiles(alertLatencies)}`);
    console.log(`  report sent to SMS at the gateway               ${percentiles(smsLatencies)}`);
    console.log(
      `  alerts stored: ${stored.alerts} (expected ${sent.length * 2}), SMS rows: ${stored.sms} sent of ${stored.smsRows} (expected ${sent.length * SMS_PER_REPORT})`,
    );
    console.log(
      `  dashboard events missing: ${missingEvents}, duplicated: ${duplicateEvents}; SMS missing: ${missingSms}, duplicated: ${duplicateSms}`,
    );
    console.log(
      `  gateway requests: ${gateway.requests}, of which repeats absorbed by the idempotency key: ${gateway.requests - gateway.delivered.length}`,
    );
    console.log(`  target: ${rate} reports/s with every alert and SMS delivered once`);
  } finally {
    stream.abort();
    server.kill('SIGTERM');
    await once(server, 'exit');
    await gateway.stop();
    await db.destroy();
  }
}

/** Sends reports at `rate` per second for `duration` seconds; returns the accepted ones. */
async function sendReports(
  base: string,
  rate: number,
  duration: number,
): Promise<{ sent: SentReport[]; failures: number }> {
  const sent: SentReport[] = [];
  let failures = 0;
  const pending: Promise<void>[] = [];
  const start = Date.now();
  const total = Math.round(rate * duration);
  for (let index = 0; index < total; index++) {
    // Paced against the start, so a slow tick does not lower the offered rate.
    const due = start + (index * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const sentAt = Date.now();
    pending.push(
      fetch(`${base}/api/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: reportBody(),
      })
        .then(async (response) => {
          if (response.status !== 201) {
            failures += 1;
            await response.body?.cancel();
            return;
          }
          const receipt = (await response.json()) as { id: string; trackingCode: string };
          sent.push({
            sentAt,
            acceptedAt: Date.now(),
            trackingCode: receipt.trackingCode,
            caseId: receipt.id,
          });
        })
        .catch(() => {
          failures += 1;
        }),
    );
  }
  await Promise.all(pending);
  return { sent, failures };
}

function reportBody(): string {
  const lat = LAT_RANGE[0] + Math.random() * (LAT_RANGE[1] - LAT_RANGE[0]);
  const lon = LON_RANGE[0] + Math.random() * (LON_RANGE[1] - LON_RANGE[0]);
  return JSON.stringify({
    child: { name: 'Bench Child', age: 8, sex: 'male', description: 'bench' },
    lastSeen: { lat, lon, at: new Date(Date.now() - 3_600_000).toISOString() },
    reporter: { name: 'Bench Reporter', phone: '+923001234567' },
  });
}

async function signIn(base: string, account: { username: string; password: string }): Promise<string> {
  const response = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(account),
  });
  const cookie = response.headers.get('set-cookie')?.split(';')[0];
  if (response.status !== 200 || !cookie)
    throw new Error(`bench sign-in failed with HTTP ${response.status}`);
  return cookie;
}

/** Opens the Lahore dashboard stream and calls `onAlert` with the tracking code of each alert event. */
async function followAlerts(
  base: string,
  cookie: string,
  signal: AbortSignal,
  onAlert: (trackingCode: string) => void,
): Promise<void> {
  const response = await fetch(`${base}/api/events?district=PK-PB-LAHORE`, { headers: { cookie }, signal });
  if (response.status !== 200 || !response.body)
    throw new Error(`event stream failed with HTTP ${response.status}`);
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
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          boundary = buffer.indexOf('\n\n');
          if (!block.includes('event: alert')) continue;
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          if (data)
            onAlert((JSON.parse(data.slice(6)) as { case: { trackingCode: string } }).case.trackingCode);
        }
      }
    } catch {
      // Aborted when the bench ends.
    }
  })();
}

async function countStored(
  db: ReturnType<typeof createDatabase>,
  caseIds: string[],
): Promise<{ alerts: number; smsRows: number; sms: number }> {
  const [alerts] = await db('alerts').whereIn('case_id', caseIds).count<{ count: number }[]>('* as count');
  const [smsRows] = await db('outbox')
    .whereIn('case_id', caseIds)
    .where({ kind: 'sms' })
    .count<{ count: number }[]>('* as count');
  const [sms] = await db('outbox')
    .whereIn('case_id', caseIds)
    .where({ kind: 'sms', status: 'sent' })
    .count<{ count: number }[]>('* as count');
  return { alerts: Number(alerts?.count), smsRows: Number(smsRows?.count), sms: Number(sms?.count) };
}

function percentiles(values: number[]): string {
  if (values.length === 0) return '     -        -';
  const sorted = [...values].sort((a, b) => a - b);
  const at = (share: number) => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0;
  return `${String(at(0.5)).padStart(6)}   ${String(at(0.99)).padStart(6)}`;
}

async function startServer(databaseUrl: string, smsUrl: string): Promise<ChildProcess> {
  const server = spawn(process.execPath, ['--import', 'tsx', 'api/src/main.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(PORT),
      HOST: '127.0.0.1',
      REDIS_PREFIX: 'talash-bench-dispatch',
      LOG_LEVEL: 'warn',
      PUBLIC_REPORTS_PER_MINUTE: '10000000',
      SMS_DRIVER: 'http',
      SMS_HTTP_URL: smsUrl,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const healthy = await fetch(`http://127.0.0.1:${PORT}/api/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return server;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  server.kill('SIGKILL');
  throw new Error('the benchmark server did not become healthy within 30 s');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const secondsIndex = process.argv.indexOf('--seconds');
  const seconds = secondsIndex > 0 ? Number(process.argv[secondsIndex + 1]) : undefined;
  await runDispatchLoadBench({ durationSeconds: seconds });
}
