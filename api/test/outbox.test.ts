import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWorker } from '../src/platform.js';
import { lahoreReport, seedLahoreOfficers } from './support/duty-officers.js';
import { FakeSmsGateway } from './support/fake-sms-gateway.js';
import { startTestPlatform, type TestPlatform, waitFor } from './support/platform.js';

let gateway: FakeSmsGateway;
let test: TestPlatform | undefined;
let workerProcess: ChildProcess | undefined;

beforeEach(async () => {
  gateway = new FakeSmsGateway();
  await gateway.start();
});

afterEach(async () => {
  workerProcess?.kill('SIGKILL');
  await test?.stop();
  await gateway.stop();
  test = undefined;
  workerProcess = undefined;
});

async function submitLahoreReport(baseUrl: string): Promise<{ id: string; trackingCode: string }> {
  const response = await fetch(`${baseUrl}/api/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(lahoreReport()),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; trackingCode: string };
}

async function smsRowsOf(caseId: string) {
  return test!.platform
    .db('outbox')
    .where({ case_id: caseId, kind: 'sms' })
    .select('id', 'status', 'attempts', 'last_error');
}

async function waitUntilAllSent(caseId: string) {
  return waitFor(
    async () => {
      const rows = await smsRowsOf(caseId);
      return rows.length === 3 && rows.every((row) => row.status === 'sent') ? rows : undefined;
    },
    20_000,
    'every SMS of the case marked sent',
  );
}

describe('outbox delivery', () => {
  it('writes each message once to the SMS log with the development driver', async () => {
    test = await startTestPlatform({ SMS_DRIVER: 'log' });
    await seedLahoreOfficers(test.platform.db);

    const receipt = await submitLahoreReport(test.baseUrl);
    const rows = await waitUntilAllSent(receipt.id);

    const logged = await test.platform.db('sms_log').whereIn(
      'outbox_id',
      rows.map((row) => row.id),
    );
    expect(logged).toHaveLength(3);
    expect(logged.every((entry: { body: string }) => entry.body.includes(receipt.trackingCode))).toBe(true);
  });

  it('delivers many concurrent reports in fewer jobs, each SMS once', async () => {
    // A long grace keeps the sweeper from queueing jobs of its own during the test.
    test = await startTestPlatform({ SMS_DRIVER: 'log', OUTBOX_SWEEP_GRACE_MS: '60000' });
    await seedLahoreOfficers(test.platform.db);
    const jobsAdded: string[][] = [];
    const addBulk = test.platform.queue.addBulk.bind(test.platform.queue);
    test.platform.queue.addBulk = (jobs) => {
      for (const job of jobs) jobsAdded.push(job.data.caseIds);
      return addBulk(jobs);
    };

    const receipts = await Promise.all(Array.from({ length: 40 }, () => submitLahoreReport(test!.baseUrl)));
    const caseIds = receipts.map((receipt) => receipt.id);
    const rows = await waitFor(
      async () => {
        const sms = await test!.platform.db('outbox').whereIn('case_id', caseIds).andWhere({ kind: 'sms' });
        return sms.length === 120 && sms.every((row: { status: string }) => row.status === 'sent')
          ? sms
          : undefined;
      },
      30_000,
      'every SMS of the 40 cases marked sent',
    );

    const outboxIds = rows.map((row: { id: string }) => row.id);
    const logged = await test.platform.db('sms_log').whereIn('outbox_id', outboxIds);
    expect(logged).toHaveLength(120);
    const audited = await test.platform
      .db('audit_log')
      .where({ action: 'sms.sent' })
      .whereIn('case_id', caseIds);
    expect(audited).toHaveLength(120);
    // Reports that arrive while a job is being queued share the next job.
    expect(jobsAdded.flat().sort()).toEqual([...caseIds].sort());
    expect(jobsAdded.length).toBeLessThan(40);
  });

  it('retries a failing gateway and delivers each SMS once', async () => {
    gateway.failNext = 4;
    test = await startTestPlatform({ SMS_DRIVER: 'http', SMS_HTTP_URL: gateway.url });
    await seedLahoreOfficers(test.platform.db);

    const receipt = await submitLahoreReport(test.baseUrl);
    const rows = await waitUntilAllSent(receipt.id);

    const delivered = gateway.delivered.filter((message) => message.body.includes(receipt.trackingCode));
    expect(delivered).toHaveLength(3);
    expect(new Set(delivered.map((message) => message.idempotencyKey))).toEqual(
      new Set(rows.map((row) => row.id)),
    );
    expect(gateway.requests).toBeGreaterThanOrEqual(7);
    expect(rows.reduce((sum, row) => sum + row.attempts, 0)).toBeGreaterThanOrEqual(7);
  });

  it('marks a message the gateway rejects as failed without retrying it', async () => {
    gateway.rejectNext = 3;
    test = await startTestPlatform({ SMS_DRIVER: 'http', SMS_HTTP_URL: gateway.url });
    await seedLahoreOfficers(test.platform.db);

    const receipt = await submitLahoreReport(test.baseUrl);
    const rows = await waitFor(
      async () => {
        const found = await smsRowsOf(receipt.id);
        return found.length === 3 && found.every((row) => row.status === 'failed') ? found : undefined;
      },
      10_000,
      'every SMS of the case marked failed',
    );
    for (const row of rows) {
      expect(row.attempts).toBe(1);
      expect(row.last_error).toContain('HTTP 400');
    }
    // Give a wrongly scheduled retry time to happen before counting requests.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(gateway.requests).toBe(3);
    expect(gateway.delivered).toHaveLength(0);
  });

  it('gives up on a message after the attempt limit', async () => {
    gateway.failNext = 1000;
    test = await startTestPlatform({
      SMS_DRIVER: 'http',
      SMS_HTTP_URL: gateway.url,
      OUTBOX_ATTEMPTS: '2',
      OUTBOX_GIVE_UP_ATTEMPTS: '3',
    });
    await seedLahoreOfficers(test.platform.db);

    const receipt = await submitLahoreReport(test.baseUrl);
    const rows = await waitFor(
      async () => {
        const found = await smsRowsOf(receipt.id);
        return found.length === 3 && found.every((row) => row.status === 'failed') ? found : undefined;
      },
      20_000,
      'every SMS of the case given up',
    );
    for (const row of rows) expect(row.attempts).toBeGreaterThanOrEqual(3);
    expect(gateway.delivered).toHaveLength(0);
  });

  it('sends once when the worker dies after the gateway accepted the message', async () => {
    // API only in this process; the first worker runs in a child process that we kill.
    test = await startTestPlatform({ SMS_DRIVER: 'http', SMS_HTTP_URL: gateway.url }, { worker: false });
    await seedLahoreOfficers(test.platform.db);
    const config = test.platform.config;

    workerProcess = spawn(process.execPath, ['--import', 'tsx', 'api/src/worker-main.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: config.DATABASE_URL,
        REDIS_PREFIX: config.REDIS_PREFIX,
        SMS_DRIVER: 'http',
        SMS_HTTP_URL: gateway.url,
        OUTBOX_LOCK_MS: '2000',
        OUTBOX_SWEEP_INTERVAL_MS: '1000',
        OUTBOX_SWEEP_GRACE_MS: '1000',
        LOG_LEVEL: 'warn',
      },
      stdio: 'inherit',
    });

    // The gateway has delivered the message; the worker is killed before it hears the answer,
    // so it never marks the row sent.
    let killed = false;
    gateway.onDelivered = async () => {
      if (killed || !workerProcess) return;
      killed = true;
      workerProcess.kill('SIGKILL');
      await once(workerProcess, 'exit');
    };

    const receipt = await submitLahoreReport(test.baseUrl);
    await waitFor(async () => (killed ? true : undefined), 20_000, 'the first delivery and the kill');
    const afterCrash = await smsRowsOf(receipt.id);
    expect(afterCrash.some((row) => row.status === 'pending')).toBe(true);

    const stopWorker = await startWorker(test.platform);
    try {
      const rows = await waitUntilAllSent(receipt.id);
      for (const row of rows) {
        const copies = gateway.delivered.filter((message) => message.idempotencyKey === row.id);
        expect(copies, `deliveries of outbox row ${row.id}`).toHaveLength(1);
      }
      expect(gateway.requests).toBeGreaterThan(gateway.delivered.length);
    } finally {
      await stopWorker();
    }
  });
});
