// The place lookup of the report form against the live boundaries in PostGIS, and against a fake
// Nominatim server on loopback for addresses. Reports keep the typed place for officers only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GeocoderError, NominatimGeocoder } from '../src/places/nominatim-geocoder.js';
import { lahoreReport } from './support/duty-officers.js';
import { FakeNominatim, type NominatimResult } from './support/fake-nominatim.js';
import { jsonCall } from './support/json-call.js';
import { signIn, startTestPlatform, type TestPlatform } from './support/platform.js';

interface Candidate {
  source: 'boundary' | 'geocoder';
  level: string;
  code: string | null;
  label: string;
  point: { lat: number; lon: number };
  bbox: [number, number, number, number] | null;
  district: { code: string; name: string; nameUr: string | null } | null;
}

// An address in Lahore district (the geofence tests' Lahore point) and one in the Arabian Sea,
// outside every district.
const LAHORE_ADDRESS: NominatimResult = {
  place_id: 1,
  lat: '31.49352',
  lon: '74.3917',
  display_name: 'Test Street, Lahore, Punjab, Pakistan',
  boundingbox: ['31.4930', '31.4940', '74.3910', '74.3925'],
  category: 'highway',
  type: 'residential',
};
const SEA_ADDRESS: NominatimResult = {
  place_id: 2,
  lat: '22.5',
  lon: '64.0',
  display_name: 'Somewhere at sea',
};

let test: TestPlatform;
let withGeocoder: TestPlatform;
const nominatim = new FakeNominatim();

beforeAll(async () => {
  await nominatim.start();
  test = await startTestPlatform({}, { worker: false });
  withGeocoder = await startTestPlatform(
    { GEOCODER_URL: nominatim.url, GEOCODER_TIMEOUT_MS: '500' },
    { worker: false },
  );
});

afterAll(async () => {
  await test?.stop();
  await withGeocoder?.stop();
  await nominatim.stop();
});

async function lookup(platform: TestPlatform, query: string) {
  const { status, body } = await jsonCall(platform, 'GET', `/api/places?${query}`);
  return { status, body: body as { candidates: Candidate[]; geocoder: string; error?: any } };
}

async function districtOf(point: { lat: number; lon: number }): Promise<string | undefined> {
  const { body } = await jsonCall(test, 'GET', `/api/geofence?lat=${point.lat}&lon=${point.lon}`);
  return body.district?.code;
}

describe('GET /api/places from the boundaries', () => {
  it('finds a district by its English name', async () => {
    const { status, body } = await lookup(test, 'q=Lahore');
    expect(status).toBe(200);
    expect(body.geocoder).toBe('off');
    const first = body.candidates[0] as Candidate;
    expect(first.code).toBe('PK-PB-LAHORE');
    expect(first.level).toBe('district');
    expect(first.source).toBe('boundary');
    expect(first.label).toBe('Lahore, Lahore, Punjab');
    expect(first.district?.code).toBe('PK-PB-LAHORE');
    // The division of the same name follows the district.
    expect(body.candidates[1]?.code).toBe('PK-PB-LAHORE-DIV');
  });

  it('gives a point inside the district and its bounding box', async () => {
    const { body } = await lookup(test, 'q=lahore');
    const first = body.candidates[0] as Candidate;
    expect(await districtOf(first.point)).toBe('PK-PB-LAHORE');
    const [west, south, east, north] = first.bbox as number[];
    expect(first.point.lon).toBeGreaterThan(west as number);
    expect(first.point.lon).toBeLessThan(east as number);
    expect(first.point.lat).toBeGreaterThan(south as number);
    expect(first.point.lat).toBeLessThan(north as number);
  });

  it('finds a district by its Urdu name', async () => {
    const { status, body } = await lookup(test, `q=${encodeURIComponent('لاہور')}&lang=ur`);
    expect(status).toBe(200);
    expect(body.candidates[0]?.code).toBe('PK-PB-LAHORE');
    expect(body.candidates[0]?.label).toBe('لاہور، لاہور، پنجاب');
  });

  it('matches Urdu typed with Arabic letter forms and diacritics', async () => {
    // Arabic heh (U+0647) for heh goal, and a zabar on the first letter.
    const { body } = await lookup(test, `q=${encodeURIComponent('لَاهور')}&lang=ur`);
    expect(body.candidates[0]?.code).toBe('PK-PB-LAHORE');
    // Arabic yeh (U+064A) for Farsi yeh in ڈیرہ غازی.
    const dera = await lookup(test, `q=${encodeURIComponent('ڈيره غازي')}&lang=ur`);
    expect(dera.body.candidates.map((candidate) => candidate.code)).toContain('PK-PB-DERA-GHAZI-KHAN-DIV');
  });

  it('matches a prefix, accents, case and a level word', async () => {
    for (const query of ['sheikhu', 'SHEIKHUPURA', 'Shēikhupura', 'Sheikhupura District', 'ضلع شیخوپورہ']) {
      const { body } = await lookup(test, `q=${encodeURIComponent(query)}`);
      expect(body.candidates[0]?.code, query).toBe('PK-PB-SHEIKHUPURA');
    }
  });

  it('matches initials and a near spelling', async () => {
    const cases: [string, string][] = [
      ['D.G. Khan', 'PK-PB-DERA-GHAZI-KHAN'],
      ['DG Khan', 'PK-PB-DERA-GHAZI-KHAN'],
      ['Shekhupura', 'PK-PB-SHEIKHUPURA'],
      ['Faisalabaad', 'PK-PB-FAISALABAD'],
    ];
    for (const [query, code] of cases) {
      const { body } = await lookup(test, `q=${encodeURIComponent(query)}`);
      expect(body.candidates[0]?.code, query).toBe(code);
    }
  });

  it('finds a division by name', async () => {
    const { body } = await lookup(test, 'q=Dera%20Ghazi');
    const division = body.candidates.find((candidate) => candidate.level === 'region');
    expect(division?.code).toBe('PK-PB-DERA-GHAZI-KHAN-DIV');
    expect(division?.district).toBeNull();
    expect(division?.label).toBe('Dera Ghazi Khan, Punjab');
  });

  it('returns no candidates for an unknown name', async () => {
    const { status, body } = await lookup(test, 'q=Xyzzyqqq');
    expect(status).toBe(200);
    expect(body.candidates).toEqual([]);
  });

  it.each([
    ['', 'q'],
    ['q=L', 'q'],
    [`q=${'a'.repeat(201)}`, 'q'],
    ['q=Lahore&q=Kasur', 'q'],
    ['q=%00Lahore', 'q'],
    ['q=Lahore&lang=fr', 'lang'],
  ])('rejects the query "%s"', async (query, field) => {
    const { status, body } = await lookup(test, query);
    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_PLACE_QUERY');
    expect(body.error.field).toBe(field);
  });
});

describe('GET /api/places with a Nominatim geocoder', () => {
  it('adds addresses inside a district and drops the rest', async () => {
    nominatim.mode = 'answer';
    nominatim.results = [LAHORE_ADDRESS, SEA_ADDRESS];
    const before = nominatim.requests.length;
    const { status, body } = await lookup(
      withGeocoder,
      `q=${encodeURIComponent('Test Street Lahore')}&lang=ur`,
    );

    expect(status).toBe(200);
    expect(body.geocoder).toBe('ok');
    const addresses = body.candidates.filter((candidate) => candidate.source === 'geocoder');
    expect(addresses).toEqual([
      {
        source: 'geocoder',
        level: 'address',
        code: null,
        label: 'Test Street, Lahore, Punjab, Pakistan',
        point: { lat: 31.49352, lon: 74.3917 },
        bbox: [74.391, 31.493, 74.3925, 31.494],
        district: { code: 'PK-PB-LAHORE', name: 'Lahore', nameUr: 'لاہور' },
      },
    ]);

    const sent = nominatim.requests[before] as URLSearchParams;
    expect(sent.get('q')).toBe('Test Street Lahore');
    expect(sent.get('format')).toBe('jsonv2');
    expect(sent.get('countrycodes')).toBe('pk');
    expect(sent.get('accept-language')).toBe('ur');
  });

  it.each(['fail', 'hang', 'not json'] as const)(
    'answers names when the geocoder does "%s"',
    async (mode) => {
      nominatim.mode = mode;
      const { status, body } = await lookup(withGeocoder, 'q=Lahore');
      expect(status).toBe(200);
      expect(body.geocoder).toBe('unavailable');
      expect(body.candidates[0]?.code).toBe('PK-PB-LAHORE');
      expect(body.candidates.every((candidate) => candidate.source === 'boundary')).toBe(true);
    },
  );

  it('keeps the query out of the error of a failed search', async () => {
    const geocoder = new NominatimGeocoder({ url: 'http://127.0.0.1:9/search', timeoutMs: 500 });
    const address = 'House 12 Street 7 Secret Town';
    const error = await geocoder.search(address, 'en').then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(GeocoderError);
    expect((error as Error).message).not.toContain('Secret');
    expect((error as Error).message).not.toContain('House');
  });
});

describe('the typed place of a report', () => {
  it('is stored and shown to officers but not to the public', async () => {
    const typed = 'Gali 4, near the Test Mosque, Lahore';
    const report = lahoreReport();
    const created = await jsonCall(test, 'POST', '/api/reports', undefined, {
      ...report,
      lastSeen: { ...report.lastSeen, placeDescription: `  ${typed} ` },
    });
    expect(created.status).toBe(201);

    const row = await test.platform
      .db('cases')
      .where({ id: created.body.id })
      .first('last_seen_place_description');
    expect(row.last_seen_place_description).toBe(typed);

    const officer = await signIn(test);
    const detail = await jsonCall(test, 'GET', `/api/cases/${created.body.id}`, officer);
    expect(detail.body.case.lastSeen.placeDescription).toBe(typed);

    const tracking = await fetch(`${test.baseUrl}/api/track/${created.body.trackingCode}`);
    expect(await tracking.text()).not.toContain('Test Mosque');
    expect(JSON.stringify(created.body)).not.toContain('Test Mosque');
  });

  it('stores no place when none was typed', async () => {
    const created = await jsonCall(test, 'POST', '/api/reports', undefined, lahoreReport());
    expect(created.status).toBe(201);
    const row = await test.platform
      .db('cases')
      .where({ id: created.body.id })
      .first('last_seen_place_description');
    expect(row.last_seen_place_description).toBeNull();
  });

  it('rejects a place of more than 500 characters', async () => {
    const report = lahoreReport();
    const { status, body } = await jsonCall(test, 'POST', '/api/reports', undefined, {
      ...report,
      lastSeen: { ...report.lastSeen, placeDescription: 'x'.repeat(501) },
    });
    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_REPORT');
    expect(body.error.field).toBe('lastSeen.placeDescription');
  });
});
