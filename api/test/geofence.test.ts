import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './support/platform.js';

// Points well inside each city's district in every public source (pole of inaccessibility of the
// intersection of the sources' polygons, 2 to 16 km from any edge).
const TEST_POINTS = [
  {
    city: 'Islamabad',
    lon: 73.20471,
    lat: 33.67325,
    district: 'Islamabad',
    province: 'Islamabad Capital Territory',
  },
  { city: 'Lahore', lon: 74.3917, lat: 31.49352, district: 'Lahore', province: 'Punjab' },
  { city: 'Karachi', lon: 67.04646, lat: 24.82842, district: 'Karachi South', province: 'Sindh' },
  { city: 'Quetta', lon: 66.90606, lat: 30.22107, district: 'Quetta', province: 'Balochistan' },
  { city: 'Peshawar', lon: 71.54752, lat: 34.0403, district: 'Peshawar', province: 'Khyber Pakhtunkhwa' },
];

let test: TestPlatform;

beforeAll(async () => {
  test = await startTestPlatform({}, { worker: false });
});

afterAll(async () => {
  await test.stop();
});

async function geofence(query: string) {
  const response = await fetch(`${test.baseUrl}/api/geofence?${query}`);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('GET /api/geofence', () => {
  for (const point of TEST_POINTS) {
    it(`finds ${point.district} for the ${point.city} test point`, async () => {
      const { status, body } = await geofence(`lat=${point.lat}&lon=${point.lon}`);
      expect(status).toBe(200);
      expect(body.district.name).toBe(point.district);
      expect(body.province.name).toBe(point.province);
      expect(body.region.code).toMatch(/-DIV$/);
      expect(body.onBorder).toBe(false);
    });
  }

  it('gives a shared border vertex to one district, every time', async () => {
    // A vertex on the line between Lahore and a neighbour lies exactly on both polygons.
    const result = await test.platform.db.raw(
      `SELECT ST_X(point) AS lon, ST_Y(point) AS lat, a.code AS a_code, b.code AS b_code
       FROM jurisdictions a
       JOIN jurisdictions b ON b.level = 'district' AND b.id <> a.id AND ST_Touches(a.geom, b.geom)
       CROSS JOIN LATERAL (
         SELECT (ST_DumpPoints(ST_Intersection(ST_Boundary(a.geom), ST_Boundary(b.geom)))).geom AS point
       ) shared
       WHERE a.level = 'district' AND a.name = 'Lahore' AND NOT a.repaired AND NOT b.repaired
       LIMIT 1`,
    );
    const border = result.rows[0] as { lon: number; lat: number; a_code: string; b_code: string };
    expect(border).toBeDefined();

    // The vertex may be a junction of three districts; the rule is the smallest code among all of them,
    // checked here against the whole polygons rather than the lookup pieces the API uses.
    const touching = await test.platform.db.raw(
      `SELECT code FROM jurisdictions
       WHERE level = 'district' AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint(?, ?), 4326))
       ORDER BY code COLLATE "C"`,
      [border.lon, border.lat],
    );
    const codes = touching.rows.map((row: { code: string }) => row.code);
    expect(codes).toContain(border.a_code);
    expect(codes).toContain(border.b_code);
    const expected = codes[0];

    const answers = await Promise.all(
      Array.from({ length: 5 }, () => geofence(`lat=${border.lat}&lon=${border.lon}`)),
    );
    for (const { status, body } of answers) {
      expect(status).toBe(200);
      expect(body.onBorder).toBe(true);
      expect(body.district.code).toBe(expected);
    }
  });

  it('returns OUTSIDE_JURISDICTION for a point in the Arabian Sea', async () => {
    const { status, body } = await geofence('lat=23.9&lon=64.9');
    expect(status).toBe(404);
    expect(body.error.code).toBe('OUTSIDE_JURISDICTION');
  });

  it.each([
    ['lat=abc&lon=74.39', 'lat'],
    ['lon=74.39', 'lat'],
    ['lat=31.49', 'lon'],
    ['lat=91&lon=74.39', 'lat'],
    ['lat=31.49&lon=-181', 'lon'],
    ['lat=31.49&lon=74.39e2', 'lon'],
    ['lat=&lon=74.39', 'lat'],
  ])('rejects %s naming %s', async (query, field) => {
    const { status, body } = await geofence(query);
    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_COORDINATES');
    expect(body.error.field).toBe(field);
  });
});

describe('GET /api/jurisdictions', () => {
  it('returns the districts as GeoJSON with codes and names', async () => {
    const response = await fetch(`${test.baseUrl}/api/jurisdictions?level=district`);
    expect(response.status).toBe(200);
    const collection = (await response.json()) as { features: { properties: Record<string, unknown> }[] };
    expect(collection.features).toHaveLength(156);
    const lahore = collection.features.find((feature) => feature.properties.name === 'Lahore');
    expect(lahore?.properties.code).toBe('PK-PB-LAHORE');
    expect(lahore?.properties.parentCode).toBe('PK-PB-LAHORE-DIV');
  });

  it('rejects an unknown level', async () => {
    const response = await fetch(`${test.baseUrl}/api/jurisdictions?level=village`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error.field).toBe('level');
  });
});
