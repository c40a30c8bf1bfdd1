import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DeadlineDuty } from '../src/cases/deadlines.js';
import { createDatabase } from '../src/database.js';
import { deadlinePromptJobId } from '../src/jobs/deadline-queue.js';
import { startWorker } from '../src/platform.js';
import { DeadlineRepository } from '../src/repositories/deadline-repository.js';
import { DeadlineClockService } from '../src/services/deadline-clock-service.js';
import { LAHORE_RPO_PHONE, lahoreReport, seedLahoreOfficers } from './support/duty-officers.js';
import { openEventStream } from './support/event-stream.js';
import { FakeSmsGateway } from './support/fake-sms-gateway.js';
import { jsonCall } from './support/json-call.js';
import { signIn, startTestPlatform, type TestPlatform, waitFor } from './support/platform.js';

const PUNJAB_IG_PHONE = '+923001110003';
const KASUR_DPO_PHONE = '+923001110004';
const HOUR = 3600_000;

let gateway: FakeSmsGateway;
let test: TestPlatform;
// The clock of every deadline check in the platform under test; tests move it forward.
let clockNow = new Date();
const now = () => clockNow;

const call = (method: string, path: string, cookie?: string, body?: unknown) =>
  jsonCall(test, method, path, cookie, body);

/** Files a Lahore report and returns its id, tracking code and the start of its clocks. */
async function report(overrides: Record<string, unknown> = {}) {
  const { status, body } = await call('POST', '/api/reports', undefined, lahoreReport(overrides));
  expect(status).toBe(201);
  const [clock] = await test.platform.db('case_deadlines').where({ case_id: body.id, duty: 'fir' });
  return {
    id: body.id as string,
    trackingCode: body.trackingCode as string,
    startedAt: clock.started_at as Date,
  };
}

const later = (start: Date, ms: number) => new Date(start.getTime() + ms);

/** Job id of the delayed sweep that prompts the case's FIR deadline. */
async function firPromptJobId(caseId: string): Promise<string> {
  const [clock] = await test.platform.db('case_deadlines').where({ case_id: caseId, duty: 'fir' });
  return deadlinePromptJobId(clock.due_at);
}

async function breaches(caseId: string) {
  return test.platform.db('deadline_breaches').where({ case_id: caseId }).orderBy('duty');
}

async function escalationAlerts(caseId: string) {
  return test.platform
    .db('alerts as a')
    .join('jurisdictions as j', 'j.id', 'a.jurisdiction_id')
    .where({ 'a.case_id': caseId, 'a.kind': 'escalation' })
    .orderBy(['a.deadline_duty', 'a.post'])
    .select('a.id', 'a.post', 'a.deadline_duty as duty', 'j.code');
}

async function deadlineEvents(caseId: string) {
  return test.platform
    .db('case_events')
    .where({ case_id: caseId })
    .whereIn('kind', ['deadline-missed', 'deadline-escalated'])
    .orderBy('id');
}

async function escalationSmsRows(caseId: string) {
  return test.platform
    .db('outbox as o')
    .join('alerts as a', 'a.id', 'o.alert_id')
    .where({ 'o.case_id': caseId, 'o.kind': 'sms', 'a.kind': 'escalation' })
    .select('o.recipient', 'a.post', 'a.deadline_duty as duty');
}

beforeAll(async () => {
  gateway = new FakeSmsGateway();
  await gateway.start();
  test = await startTestPlatform({ SMS_DRIVER: 'http', SMS_HTTP_URL: gateway.url }, { now });
  await seedLahoreOfficers(test.platform.db);
  await test.platform
    .db('duty_officers')
    .insert([
      { jurisdiction_code: 'PK-PB', post: 'IG', name: 'Test IG Punjab', phone: PUNJAB_IG_PHONE },
      { jurisdiction_code: 'PK-PB-KASUR', post: 'DPO', name: 'Test DPO Kasur', phone: KASUR_DPO_PHONE },
    ])
    .onConflict(['jurisdiction_code', 'post', 'phone'])
    .ignore();
});

// A report's delayed prompt is measured against this clock, so each test starts from the real time.
beforeEach(() => {
  clockNow = new Date();
});

afterAll(async () => {
  await test?.stop();
  await gateway?.stop();
});

describe('deadline clocks', () => {
  it('start at the alert with the configured lengths', async () => {
    const created = await report();
    const clocks = await test.platform.db('case_deadlines').where({ case_id: created.id }).orderBy('duty');
    const [kase] = await test.platform.db('cases').where({ id: created.id }).select('created_at');

    expect(clocks.map((clock) => clock.duty)).toEqual(['contact', 'fir']);
    const [contact, fir] = clocks;
    expect(Math.abs(fir.started_at.getTime() - kase.created_at.getTime())).toBeLessThan(1);
    expect(fir.due_at.getTime() - fir.started_at.getTime()).toBe(2 * HOUR);
    expect(contact.due_at.getTime() - contact.started_at.getTime()).toBe(24 * HOUR);
    expect(fir.done_at).toBeNull();
    expect(fir.rpo_escalated_at).toBeNull();
  });

  it('breach the FIR deadline at exactly 2 hours', async () => {
    const rpo = await signIn(test, 'rpo', 'PK-PB-LAHORE-DIV');
    const stream = await openEventStream(`${test.baseUrl}/api/events?region=PK-PB-LAHORE-DIV`, rpo);
    try {
      const created = await report();
      const clock = test.platform.services.deadlineClock;

      clockNow = later(created.startedAt, 2 * HOUR - 1000);
      await clock.sweep();
      expect(await breaches(created.id)).toEqual([]);
      expect(await escalationAlerts(created.id)).toEqual([]);

      clockNow = later(created.startedAt, 2 * HOUR);
      await clock.sweep();
      const [breach, ...others] = await breaches(created.id);
      expect(others).toEqual([]);
      expect(breach).toMatchObject({
        duty: 'fir',
        district_code: 'PK-PB-LAHORE',
        region_code: 'PK-PB-LAHORE-DIV',
        province_code: 'PK-PB',
      });
      expect(breach.breached_at.getTime()).toBe(clockNow.getTime());

      const alerts = await escalationAlerts(created.id);
      expect(alerts).toMatchObject([{ post: 'RPO', duty: 'fir', code: 'PK-PB-LAHORE-DIV' }]);
      const events = await deadlineEvents(created.id);
      expect(events.map((event) => [event.kind, event.details.duty, event.actor])).toEqual([
        ['deadline-missed', 'fir', 'system'],
      ]);

      const sms = await waitFor(
        async () =>
          gateway.delivered.find(
            (message) =>
              message.to === LAHORE_RPO_PHONE && message.body.includes(`ESCALATION ${created.trackingCode}`),
          ),
        10_000,
        'the escalation SMS to the RPO',
      );
      expect(sms.body).toContain('register the FIR');
      expect(sms.body).not.toContain('Test Child');

      const event = await stream.next(
        (received) => received.event === 'alert' && JSON.parse(received.data).id === alerts[0].id,
      );
      expect(JSON.parse(event.data)).toMatchObject({ kind: 'escalation', deadlineDuty: 'fir', post: 'RPO' });
    } finally {
      stream.close();
    }
  });

  it('breach the contact deadline at exactly 24 hours', async () => {
    const created = await report();
    const clock = test.platform.services.deadlineClock;

    clockNow = later(created.startedAt, 24 * HOUR - 1);
    await clock.sweep();
    expect((await breaches(created.id)).map((row) => row.duty)).toEqual(['fir']);

    clockNow = later(created.startedAt, 24 * HOUR);
    await clock.sweep();
    const rows = await breaches(created.id);
    expect(rows.map((row) => row.duty)).toEqual(['contact', 'fir']);
    expect(rows[0].breached_at.getTime()).toBe(clockNow.getTime());
  });

  it('escalate once when sweeps and prompts race', async () => {
    const created = await report();
    // The API queues prompts at most every 250 ms, so the report's prompt may still be on its way.
    // It must be in Redis, delayed, before the clock moves past its due time.
    const promptJobId = await firPromptJobId(created.id);
    const queued = await waitFor(
      async () => (await test.platform.deadlineQueue.getJob(promptJobId)) ?? undefined,
      5_000,
      "the report's deadline prompt",
    );
    expect(queued).toBeDefined();
    clockNow = later(created.startedAt, 3 * HOUR);

    // A second sweeper with its own connection pool, as in a second worker process.
    const otherDb = createDatabase(process.env.TEST_DATABASE_URL as string, 4);
    try {
      const platform = test.platform;
      const otherClock = new DeadlineClockService(
        otherDb,
        { ...platform.repositories, deadlines: new DeadlineRepository(otherDb) },
        async () => undefined,
        async () => undefined,
        platform.services.deadlineClock.settings,
        now,
      );
      const clock = platform.services.deadlineClock;
      const prompt = { caseId: created.id, duty: 'fir' as DeadlineDuty, level: 'RPO' as const };
      await Promise.all([
        clock.sweep(),
        otherClock.sweep(),
        clock.escalate(prompt),
        otherClock.escalate(prompt),
        // The report's own delayed prompt, made due now.
        platform.deadlineQueue.getJob(promptJobId).then((job) => job?.promote()),
      ]);
      await waitFor(
        async () => ((await platform.deadlineQueue.getJob(promptJobId)) ? undefined : true),
        10_000,
        'the prompt job to run',
      );
    } finally {
      await otherDb.destroy();
    }

    expect((await breaches(created.id)).map((row) => row.duty)).toEqual(['fir']);
    expect((await escalationAlerts(created.id)).map((row) => `${row.duty}/${row.post}`)).toEqual(['fir/RPO']);
    expect((await deadlineEvents(created.id)).map((row) => row.kind)).toEqual(['deadline-missed']);
    expect(await escalationSmsRows(created.id)).toEqual([
      { recipient: LAHORE_RPO_PHONE, post: 'RPO', duty: 'fir' },
    ]);
  });

  it('refuse a second escalation in the database itself', async () => {
    const created = await report();
    clockNow = later(created.startedAt, 2 * HOUR);
    await test.platform.services.deadlineClock.sweep();
    const [alert] = await test.platform.db('alerts').where({ case_id: created.id, kind: 'escalation' });
    const [breach] = await breaches(created.id);

    await expect(
      test.platform.db('alerts').insert({
        case_id: created.id,
        jurisdiction_id: alert.jurisdiction_id,
        post: 'RPO',
        kind: 'escalation',
        deadline_duty: 'fir',
      }),
    ).rejects.toThrow(/alerts_escalation_post/);
    const { id: _id, ...copy } = breach;
    await expect(test.platform.db('deadline_breaches').insert(copy)).rejects.toThrow(/unique/);
  });

  it('stop escalating once the duty is done', async () => {
    const created = await report();
    const dpo = await signIn(test, 'dpo', 'PK-PB-LAHORE');
    const move = (body: unknown) => call('POST', `/api/cases/${created.id}/transitions`, dpo, body);
    clockNow = later(created.startedAt, HOUR);
    expect((await move({ to: 'acknowledged' })).status).toBe(201);
    expect((await move({ to: 'fir_registered', firNumber: '12/26', policeStation: 'Gulberg' })).status).toBe(
      201,
    );

    clockNow = later(created.startedAt, 5 * HOUR);
    await test.platform.services.deadlineClock.sweep();
    expect(await breaches(created.id)).toEqual([]);

    expect((await move({ to: 'closed', reason: 'child found at a relative' })).status).toBe(201);
    clockNow = later(created.startedAt, 48 * HOUR);
    await test.platform.services.deadlineClock.sweep();
    expect(await breaches(created.id)).toEqual([]);
    expect(await escalationAlerts(created.id)).toEqual([]);

    const clocks = await test.platform.db('case_deadlines').where({ case_id: created.id }).orderBy('duty');
    expect(clocks.map((clock) => [clock.duty, clock.done_state])).toEqual([
      ['contact', 'closed'],
      ['fir', 'fir_registered'],
    ]);
  });

  it("reach the IG's province stream when a report arrives", async () => {
    const ig = await signIn(test, 'ig', 'PK-PB');
    const stream = await openEventStream(`${test.baseUrl}/api/events?province=PK-PB`, ig);
    try {
      const created = await report();
      // The report alerts the DPO and RPO only; the province hears of the new case as a case change.
      const changed = await stream.next(
        (received) => received.event === 'case-status' && JSON.parse(received.data).id === created.id,
      );
      expect(JSON.parse(changed.data)).toMatchObject({
        status: 'reported',
        district: { code: 'PK-PB-LAHORE' },
      });
    } finally {
      stream.close();
    }
  });

  it('escalate to the IG after the further period', async () => {
    const ig = await signIn(test, 'ig', 'PK-PB');
    const stream = await openEventStream(`${test.baseUrl}/api/events?province=PK-PB`, ig);
    try {
      const created = await report();
      const clock = test.platform.services.deadlineClock;
      const igAfter = clock.settings.igAfterMinutes * 60_000;
      const firDue = later(created.startedAt, 2 * HOUR);

      clockNow = firDue;
      await clock.sweep();
      // The province's dashboards hear of the missed deadline at once, before any IG escalation.
      const missed = await stream.next(
        (received) => received.event === 'case-status' && JSON.parse(received.data).id === created.id,
      );
      expect(JSON.parse(missed.data).district.code).toBe('PK-PB-LAHORE');
      clockNow = later(firDue, igAfter - 1);
      await clock.sweep();
      expect((await escalationAlerts(created.id)).map((row) => `${row.duty}/${row.post}`)).toEqual([
        'fir/RPO',
      ]);

      clockNow = later(firDue, igAfter);
      await clock.sweep();
      await clock.sweep();
      const alerts = await escalationAlerts(created.id);
      expect(alerts.map((row) => `${row.duty}/${row.post}/${row.code}`)).toEqual([
        'fir/IG/PK-PB',
        'fir/RPO/PK-PB-LAHORE-DIV',
      ]);
      expect((await deadlineEvents(created.id)).map((row) => row.kind)).toEqual([
        'deadline-missed',
        'deadline-escalated',
      ]);
      // The breach is counted once, when the deadline passed; the IG step adds no second one.
      expect(await breaches(created.id)).toHaveLength(1);
      await waitFor(
        async () =>
          gateway.delivered.find(
            (message) => message.to === PUNJAB_IG_PHONE && message.body.includes(created.trackingCode),
          ),
        10_000,
        'the escalation SMS to the IG',
      );
      const igAlert = alerts.find((row) => row.post === 'IG');
      const event = await stream.next(
        (received) => received.event === 'alert' && JSON.parse(received.data).id === igAlert?.id,
      );
      expect(JSON.parse(event.data)).toMatchObject({ kind: 'escalation', deadlineDuty: 'fir', post: 'IG' });
    } finally {
      stream.close();
    }
  });

  it('show missed deadlines on the public timeline in English and Urdu', async () => {
    const created = await report();
    clockNow = later(created.startedAt, 2 * HOUR);
    await test.platform.services.deadlineClock.sweep();

    const { status, body } = await call('GET', `/api/track/${created.trackingCode}`);
    expect(status).toBe(200);
    const missed = body.timeline.find((entry: { event: string }) => entry.event === 'deadline-missed-fir');
    expect(missed.line.en).toContain('FIR');
    expect(missed.line.ur).toMatch(/[\u0600-\u06FF]/);
    expect(JSON.stringify(body)).not.toContain('PK-PB-LAHORE-DIV');
    expect(body.timeline.map((entry: { event: string }) => entry.event)).not.toContain(
      'alerted-rpo-escalation',
    );
  });
});

describe('transfers between districts', () => {
  it('keep the clocks and alert the receiving DPO', async () => {
    const created = await report();
    const before = await test.platform.db('case_deadlines').where({ case_id: created.id }).orderBy('duty');
    const lahore = await signIn(test, 'dpo', 'PK-PB-LAHORE');
    const kasur = await signIn(test, 'dpo', 'PK-PB-KASUR');
    const stream = await openEventStream(`${test.baseUrl}/api/events?district=PK-PB-KASUR`, kasur);
    try {
      clockNow = later(created.startedAt, HOUR);
      expect(
        (await call('POST', `/api/cases/${created.id}/transitions`, lahore, { to: 'acknowledged' })).status,
      ).toBe(201);
      const moved = await call('POST', `/api/cases/${created.id}/transitions`, lahore, {
        to: 'transferred',
        toDistrict: 'PK-PB-KASUR',
        reason: 'child seen at Kasur bus stand',
      });
      expect(moved.status).toBe(201);

      const afterTransfer = await test.platform
        .db('case_deadlines')
        .where({ case_id: created.id })
        .orderBy('duty');
      expect(afterTransfer).toEqual(before);

      const [alert, ...others] = await test.platform
        .db('alerts as a')
        .join('jurisdictions as j', 'j.id', 'a.jurisdiction_id')
        .where({ 'a.case_id': created.id, 'a.kind': 'transfer' })
        .select('a.id', 'a.post', 'j.code');
      expect(others).toEqual([]);
      expect(alert).toMatchObject({ post: 'DPO', code: 'PK-PB-KASUR' });
      const event = await stream.next(
        (received) => received.event === 'alert' && JSON.parse(received.data).id === alert.id,
      );
      expect(JSON.parse(event.data).kind).toBe('transfer');
      const sms = await waitFor(
        async () =>
          gateway.delivered.find(
            (message) =>
              message.to === KASUR_DPO_PHONE && message.body.includes(`TRANSFER ${created.trackingCode}`),
          ),
        10_000,
        'the transfer SMS to the Kasur DPO',
      );
      expect(sms.body).toContain('Lahore');

      const [timeline] = await test.platform
        .db('case_events')
        .where({ case_id: created.id, kind: 'status-changed' })
        .whereRaw("details->>'to' = 'transferred'");
      expect(timeline.details).toMatchObject({
        reason: 'child seen at Kasur bus stand',
        fromDistrict: 'PK-PB-LAHORE',
        toDistrict: 'PK-PB-KASUR',
      });

      expect((await call('GET', `/api/cases/${created.id}`, kasur)).status).toBe(200);
      expect((await call('GET', `/api/cases/${created.id}`, lahore)).status).toBe(403);
      const late = await call('POST', `/api/cases/${created.id}/transitions`, lahore, { to: 'acknowledged' });
      expect(late.status).toBe(403);
      expect(late.body.error.code).toBe('FORBIDDEN');
      expect(
        (await call('POST', `/api/cases/${created.id}/transitions`, kasur, { to: 'acknowledged' })).status,
      ).toBe(201);

      // The FIR clock still runs from the first alert, and its breach counts against Kasur.
      clockNow = later(created.startedAt, 2 * HOUR);
      await test.platform.services.deadlineClock.sweep();
      const [breach] = await breaches(created.id);
      expect(breach).toMatchObject({ duty: 'fir', district_code: 'PK-PB-KASUR' });
    } finally {
      stream.close();
    }
  });

  it('start the clocks of an unassigned case routed in', async () => {
    const created = await call(
      'POST',
      '/api/reports',
      undefined,
      lahoreReport({ lastSeen: { lat: 24.5, lon: 62.5, at: new Date().toISOString() } }),
    );
    expect(created.status).toBe(201);
    expect(created.body.district).toBeNull();
    expect(await test.platform.db('case_deadlines').where({ case_id: created.body.id })).toEqual([]);

    const supervisor = await signIn(test);
    clockNow = new Date();
    const moved = await call('POST', `/api/cases/${created.body.id}/transitions`, supervisor, {
      to: 'transferred',
      toDistrict: 'PK-PB-KASUR',
      reason: 'the reporter says the child was last seen in Kasur',
    });
    expect(moved.status).toBe(201);
    const clocks = await test.platform
      .db('case_deadlines')
      .where({ case_id: created.body.id })
      .orderBy('duty');
    expect(clocks.map((clock) => clock.duty)).toEqual(['contact', 'fir']);
    expect(clocks[1].started_at.getTime()).toBe(new Date(moved.body.at).getTime());
  });
});

describe('deadline sweeper', () => {
  it('escalate after the worker dies and Redis is flushed', async () => {
    // A platform of its own, so its worker can be stopped and its Redis keys flushed.
    const own = await startTestPlatform(
      { SMS_DRIVER: 'http', SMS_HTTP_URL: gateway.url },
      { now, worker: false },
    );
    let stopWorker = await startWorker(own.platform);
    try {
      clockNow = new Date();
      const response = await fetch(`${own.baseUrl}/api/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(lahoreReport()),
      });
      const created = (await response.json()) as { id: string; trackingCode: string };
      const promptJobId = await firPromptJobId(created.id);
      const prompt = await waitFor(
        async () => (await own.platform.deadlineQueue.getJob(promptJobId)) ?? undefined,
        5_000,
        "the report's deadline prompt",
      );
      expect(prompt.opts.delay).toBeGreaterThan(HOUR);

      await stopWorker();
      const prefix = own.platform.config.REDIS_PREFIX;
      const keys = await own.platform.redis.keys(`${prefix}:*`);
      if (keys.length > 0) await own.platform.redis.del(...keys);
      expect(await own.platform.deadlineQueue.getJob(promptJobId)).toBeUndefined();

      const [clock] = await own.platform.db('case_deadlines').where({ case_id: created.id, duty: 'fir' });
      clockNow = later(clock.started_at, 2 * HOUR);
      stopWorker = await startWorker(own.platform);

      const sms = await waitFor(
        async () =>
          gateway.delivered.find(
            (message) =>
              message.to === LAHORE_RPO_PHONE && message.body.includes(`ESCALATION ${created.trackingCode}`),
          ),
        15_000,
        'the escalation SMS after the restart',
      );
      expect(sms.body).toContain('register the FIR');
      // Wait a little longer than the outbox sweep, then check nothing was sent twice.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(
        gateway.delivered.filter((message) => message.body.includes(`ESCALATION ${created.trackingCode}`)),
      ).toHaveLength(1);
      expect(await breaches(created.id)).toHaveLength(1);
    } finally {
      await stopWorker();
      await own.stop();
    }
  });
});
