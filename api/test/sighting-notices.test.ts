// A public sighting reaches the police of the district where the child was seen and of the case's
// district: an SMS to each DPO on duty and a live dashboard event, through the outbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAHORE_DPO_PHONE, lahoreReport, seedLahoreOfficers } from './support/duty-officers.js';
import { openEventStream } from './support/event-stream.js';
import { FakeSmsGateway } from './support/fake-sms-gateway.js';
import { signIn, startTestPlatform, type TestPlatform, waitFor } from './support/platform.js';

const ISLAMABAD_PLACE = { lat: 33.6, lon: 73.05 };
const ISLAMABAD_DPO_PHONE = '+923001110099';

let gateway: FakeSmsGateway;
let test: TestPlatform;
let islamabad: string;

beforeAll(async () => {
  gateway = new FakeSmsGateway();
  await gateway.start();
  test = await startTestPlatform({ SMS_DRIVER: 'http', SMS_HTTP_URL: gateway.url });
  await seedLahoreOfficers(test.platform.db);
  const located = await fetch(
    `${test.baseUrl}/api/geofence?lat=${ISLAMABAD_PLACE.lat}&lon=${ISLAMABAD_PLACE.lon}`,
  );
  islamabad = ((await located.json()) as { district: { code: string } }).district.code;
  await test.platform
    .db('duty_officers')
    .insert({ jurisdiction_code: islamabad, post: 'DPO', name: 'Test DPO', phone: ISLAMABAD_DPO_PHONE })
    .onConflict(['jurisdiction_code', 'post', 'phone'])
    .ignore();
});

afterAll(async () => {
  await test?.stop();
  await gateway?.stop();
});

async function postJson(path: string, body: unknown) {
  const response = await fetch(`${test.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe('sighting notices', () => {
  it('reach both districts by SMS and dashboard', async () => {
    const filed = await postJson('/api/reports', lahoreReport());
    expect(filed.status).toBe(201);
    const supervisor = await signIn(test);
    const lahoreStream = await openEventStream(
      `${test.baseUrl}/api/events?district=PK-PB-LAHORE`,
      supervisor,
    );
    const islamabadStream = await openEventStream(
      `${test.baseUrl}/api/events?district=${islamabad}`,
      supervisor,
    );

    try {
      const sighting = await postJson('/api/sightings', {
        seenAt: new Date(Date.now() - 600_000).toISOString(),
        place: ISLAMABAD_PLACE,
        trackingCode: filed.body.trackingCode,
        description: 'at the bus stand, phone 0300-1112223',
      });
      expect(sighting.status).toBe(201);

      // Test files share the database, so other DPOs on duty in these districts may exist too.
      const dpoPhones: string[] = await test.platform
        .db('duty_officers')
        .where({ post: 'DPO' })
        .whereIn('jurisdiction_code', ['PK-PB-LAHORE', islamabad])
        .pluck('phone');
      expect(dpoPhones).toEqual(expect.arrayContaining([ISLAMABAD_DPO_PHONE, LAHORE_DPO_PHONE]));
      const messages = await waitFor(
        async () => {
          const found = gateway.delivered.filter(
            (message) =>
              message.body.startsWith('Talash SIGHTING:') && message.body.includes(filed.body.trackingCode),
          );
          return found.length >= dpoPhones.length ? found : undefined;
        },
        15_000,
        'the sighting SMS to the DPOs of both districts',
      );
      expect(messages.map((message) => message.to).sort()).toEqual([...dpoPhones].sort());
      expect(messages[0]?.body).not.toContain('bus stand');
      expect(messages[0]?.body).not.toContain('0300-1112223');

      for (const stream of [lahoreStream, islamabadStream]) {
        const event = await stream.next(
          (received) => received.event === 'sighting' && received.data.includes(sighting.body.id),
        );
        const view = JSON.parse(event.data);
        expect(view.caseId).toBe(filed.body.id);
        expect(view.seenInDistrict).toBe(islamabad);
        expect(event.data).not.toContain('bus stand');
      }
    } finally {
      lahoreStream.close();
      islamabadStream.close();
    }
  });

  it('tell the district of an unknown child at risk', async () => {
    const sighting = await postJson('/api/sightings', {
      seenAt: new Date(Date.now() - 60_000).toISOString(),
      place: ISLAMABAD_PLACE,
      atRisk: true,
    });
    expect(sighting.status).toBe(201);

    const message = await waitFor(
      async () =>
        gateway.delivered.find(
          (delivered) => delivered.body.includes('lost or at risk') && delivered.to === ISLAMABAD_DPO_PHONE,
        ),
      15_000,
      'the at-risk sighting SMS',
    );
    expect(message.body).toContain('in danger');
    const rows = await test.platform.db('outbox').whereNull('case_id').andWhere({ kind: 'sms' });
    expect(rows.every((row: { status: string }) => row.status === 'sent' || row.status === 'pending')).toBe(
      true,
    );
  });
});
