import classifyPoint from 'robust-point-in-polygon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../src/database.js';
import { BulkGeofencer } from '../src/geofence/bulk-geofencer.js';
import {
  buildDistrictPieceSet,
  type DistrictPieceSet,
  pieceIntersectsPoint,
} from '../src/geofence/district-piece-set.js';
import { GeofencerPool } from '../src/geofence/geofencer-pool.js';
import {
  classifyPointInPolygon,
  classifyPointInRing,
  INSIDE,
  ON_BOUNDARY,
  OUTSIDE,
} from '../src/geofence/postgis-point-in-polygon.js';
import { PAKISTAN_BOX, randomPointsInBox } from '../src/geofence/random-points.js';
import { readWkbPolygon } from '../src/geofence/wkb-polygon.js';
import {
  DistrictPieceRepository,
  type DistrictPieceRow,
} from '../src/repositories/district-piece-repository.js';

// Points well inside each city's district (the same as in geofence.test.ts).
const CITY_POINTS = [
  { lon: 73.20471, lat: 33.67325, district: 'Islamabad' },
  { lon: 74.3917, lat: 31.49352, district: 'Lahore' },
  { lon: 67.04646, lat: 24.82842, district: 'Karachi South' },
  { lon: 66.90606, lat: 30.22107, district: 'Quetta' },
  { lon: 71.54752, lat: 34.0403, district: 'Peshawar' },
];

let db: Database;
let repository: DistrictPieceRepository;
let rows: DistrictPieceRow[];
let pieces: DistrictPieceSet;
let geofencer: BulkGeofencer;

beforeAll(async () => {
  const databaseUrl = process.env.TEST_DATABASE_URL;
  if (!databaseUrl)
    throw new Error('TEST_DATABASE_URL is not set; run the tests through vitest (test/global-setup.ts)');
  db = createDatabase(databaseUrl, 2);
  // The import leaves fresh tables without planner statistics, and without them Postgres joins a batch
  // of points by testing every piece against every point (seconds instead of milliseconds).
  await db.raw('ANALYZE boundary_versions, jurisdictions, jurisdiction_pieces');
  repository = new DistrictPieceRepository(db);
  rows = await repository.loadLiveDistrictPieces();
  pieces = buildDistrictPieceSet(rows);
  geofencer = await BulkGeofencer.load(db);
});

afterAll(async () => {
  await db.destroy();
});

/** Locates the points (lon, lat pairs) in PostGIS by the rule of geofence_point, as district codes. */
async function postgisAnswers(
  coordinates: Float64Array,
): Promise<{ code: string | undefined; onBorder: boolean }[]> {
  const count = coordinates.length / 2;
  const lons = Array.from({ length: count }, (_, point) => coordinates[point * 2] as number);
  const lats = Array.from({ length: count }, (_, point) => coordinates[point * 2 + 1] as number);
  const matches = await repository.locateManyInPostgis(lons, lats);
  const codeById = new Map(geofencer.districts.map((district) => [district.id, district.code]));
  const answers = Array.from({ length: count }, () => ({
    code: undefined as string | undefined,
    onBorder: false,
  }));
  for (const match of matches)
    answers[match.index] = { code: codeById.get(match.districtId), onBorder: match.onBorder };
  return answers;
}

/** Locates the same points in memory, through the batch interface. */
function bulkAnswers(coordinates: Float64Array): { code: string | undefined; onBorder: boolean }[] {
  const { districtIndexes, onBorder } = geofencer.locateMany(coordinates);
  return Array.from(districtIndexes, (district, point) => ({
    code: district < 0 ? undefined : geofencer.districts[district]?.code,
    onBorder: onBorder[point] === 1,
  }));
}

function listDifferences(
  coordinates: Float64Array,
  actual: { code: string | undefined; onBorder: boolean }[],
  expected: { code: string | undefined; onBorder: boolean }[],
): string[] {
  const differences: string[] = [];
  actual.forEach((answer, point) => {
    const wanted = expected[point];
    if (answer.code !== wanted?.code || answer.onBorder !== wanted?.onBorder) {
      const where = `${coordinates[point * 2]},${coordinates[point * 2 + 1]}`;
      differences.push(`${where}: got ${JSON.stringify(answer)}, PostGIS ${JSON.stringify(wanted)}`);
    }
  });
  return differences;
}

/** Ring r of the piece set as a list of [x, y] vertices without the repeated closing vertex. */
function ringVertices(ring: number): number[][] {
  const vertices: number[][] = [];
  for (
    let vertex = pieces.ringStarts[ring] as number;
    vertex + 1 < (pieces.ringStarts[ring + 1] as number);
    vertex++
  ) {
    vertices.push([pieces.coordinates[vertex * 2] as number, pieces.coordinates[vertex * 2 + 1] as number]);
  }
  return vertices;
}

function nextDouble(value: number, steps: number): number {
  const buffer = new Float64Array([value]);
  const bits = new BigInt64Array(buffer.buffer);
  bits[0] = (bits[0] as bigint) + BigInt(steps);
  return buffer[0] as number;
}

/**
 * Finds points within rounding distance of a piece's exterior edge where PostGIS's float64 side test
 * returns exactly 0, so PostGIS counts the point as on the boundary, although the exact orientation
 * puts the point outside the ring. Returns up to `wanted` of them with their piece.
 */
function findRoundingBoundaryPoints(wanted: number): { piece: number; x: number; y: number }[] {
  const found: { piece: number; x: number; y: number }[] = [];
  for (let piece = 0; piece < pieces.pieceCount && found.length < wanted; piece++) {
    const exterior = pieces.pieceRingStarts[piece] as number;
    let exteriorVertices: number[][] | undefined;
    for (
      let vertex = pieces.ringStarts[exterior] as number;
      vertex + 1 < (pieces.ringStarts[exterior + 1] as number);
      vertex += 3
    ) {
      const x1 = pieces.coordinates[vertex * 2] as number;
      const y1 = pieces.coordinates[vertex * 2 + 1] as number;
      const x2 = pieces.coordinates[vertex * 2 + 2] as number;
      const y2 = pieces.coordinates[vertex * 2 + 3] as number;
      if (x1 === x2 || y1 === y2) continue;

      for (let step = 1; step < 64; step++) {
        const y = y1 + (step / 64) * (y2 - y1);
        const xOnLine = x1 + ((y - y1) * (x2 - x1)) / (y2 - y1);
        for (const shift of [-1, 0, 1]) {
          const x = nextDouble(xOnLine, shift);
          // The side value exactly as PostGIS computes it in point_in_ring.
          const side = (x2 - x1) * (y - y1) - (x - x1) * (y2 - y1);
          if (side !== 0) continue;
          exteriorVertices ??= ringVertices(exterior);
          if (classifyPoint(exteriorVertices, [x, y]) === 1) found.push({ piece, x, y });
        }
      }
    }
  }
  return found.slice(0, wanted);
}

describe('BulkGeofencer', () => {
  it.each(CITY_POINTS)('finds $district for its city point', ({ lon, lat, district }) => {
    const match = geofencer.locate(lon, lat);
    expect(match).toBeDefined();
    expect(geofencer.districts[match?.districtIndex ?? -1]?.name).toBe(district);
    expect(match?.onBorder).toBe(false);
  });

  it('returns undefined for a point in the Arabian Sea', () => {
    expect(geofencer.locate(64.9, 23.9)).toBeUndefined();
    expect(geofencer.locateWithoutGrid(64.9, 23.9)).toBeUndefined();
  });

  it('returns undefined for coordinates that are not numbers', () => {
    expect(geofencer.locate(Number.NaN, 31.5)).toBeUndefined();
    expect(geofencer.locate(74.39, Number.NaN)).toBeUndefined();
  });

  it('matches geofence_point on shared border vertices', async () => {
    // Vertices of the lines shared by the five city districts and their neighbours.
    const result = await db.raw<{
      rows: { lon: number; lat: number; code: string | null; on_border: boolean }[];
    }>(
      `WITH pairs AS (
         SELECT a.geom AS a_geom, b.geom AS b_geom
         FROM jurisdictions a
         JOIN boundary_versions v ON v.id = a.version_id AND v.status = 'live'
         JOIN jurisdictions b ON b.version_id = a.version_id AND b.level = 'district' AND b.id <> a.id
                              AND ST_Touches(a.geom, b.geom)
         WHERE a.level = 'district' AND a.name IN ('Islamabad', 'Lahore', 'Karachi South', 'Quetta', 'Peshawar')
       ),
       shared AS (
         SELECT (ST_DumpPoints(ST_Intersection(ST_Boundary(a_geom), ST_Boundary(b_geom)))).geom AS point FROM pairs
       )
       SELECT ST_X(point) AS lon, ST_Y(point) AS lat, g.district_code AS code, g.on_border
       FROM shared LEFT JOIN LATERAL geofence_point(ST_X(point), ST_Y(point)) g ON true`,
    );
    expect(result.rows.length).toBeGreaterThan(100);

    const mismatches = result.rows.filter((row) => {
      const match = geofencer.locate(row.lon, row.lat);
      return match?.districtCode !== row.code || match?.onBorder !== row.on_border;
    });
    expect(mismatches).toEqual([]);
    expect(result.rows.every((row) => row.on_border)).toBe(true);
  });

  it('matches PostGIS on 20,000 random points over Pakistan', async () => {
    const coordinates = randomPointsInBox(20_000, 20_261_204, PAKISTAN_BOX);
    const expected = await postgisAnswers(coordinates);
    const actual = bulkAnswers(coordinates);

    expect(listDifferences(coordinates, actual, expected)).toEqual([]);
    const inside = expected.filter((answer) => answer.code !== undefined).length;
    expect(inside).toBeGreaterThan(5_000);
    expect(inside).toBeLessThan(15_000);
  });

  it('matches PostGIS within rounding distance of edges', async () => {
    const nearEdge = findRoundingBoundaryPoints(8);
    expect(nearEdge.length).toBeGreaterThanOrEqual(3);

    // PostGIS's own ST_Intersects for each point and its piece, next to the in-memory test.
    const result = await db.raw<{ rows: { hit: boolean }[] }>(
      `SELECT ST_Intersects(p.geom, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326)) AS hit
       FROM unnest(?::bigint[], ?::float8[], ?::float8[]) WITH ORDINALITY AS t(piece_id, x, y, ordinality)
       JOIN jurisdiction_pieces p ON p.id = t.piece_id
       ORDER BY t.ordinality`,
      [
        nearEdge.map(({ piece }) => (rows[piece] as DistrictPieceRow).pieceId),
        nearEdge.map(({ x }) => x),
        nearEdge.map(({ y }) => y),
      ],
    );
    const postgisHits = result.rows.map((row) => row.hit);
    const memoryHits = nearEdge.map(({ piece, x, y }) => pieceIntersectsPoint(pieces, piece, x, y));
    expect(memoryHits).toEqual(postgisHits);
    // These are the points where an exact predicate would have disagreed with PostGIS.
    expect(postgisHits.every((hit) => hit)).toBe(true);

    const coordinates = Float64Array.from(nearEdge.flatMap(({ x, y }) => [x, y]));
    expect(listDifferences(coordinates, bulkAnswers(coordinates), await postgisAnswers(coordinates))).toEqual(
      [],
    );
  });

  it('answers with and without the grid alike', () => {
    const coordinates = randomPointsInBox(100_000, 7, PAKISTAN_BOX);
    const { districtIndexes, onBorder } = geofencer.locateMany(coordinates);
    const differences: number[] = [];
    for (let point = 0; point < districtIndexes.length; point++) {
      const match = geofencer.locateWithoutGrid(
        coordinates[point * 2] as number,
        coordinates[point * 2 + 1] as number,
      );
      if (
        (match?.districtIndex ?? -1) !== districtIndexes[point] ||
        (match?.onBorder ? 1 : 0) !== onBorder[point]
      ) {
        differences.push(point);
      }
    }
    expect(differences).toEqual([]);
  });
});

describe('GeofencerPool', () => {
  it('matches the single-thread geofencer', async () => {
    const pool = await GeofencerPool.start(pieces, { threads: 2 });
    try {
      const coordinates = randomPointsInBox(50_001, 11, PAKISTAN_BOX);
      const expected = geofencer.locateMany(coordinates);
      const actual = await pool.locateMany(coordinates);
      expect(Array.from(actual.districtIndexes)).toEqual(Array.from(expected.districtIndexes));
      expect(Array.from(actual.onBorder)).toEqual(Array.from(expected.onBorder));

      // A view that starts one number into shared memory, so lon, lat pairs sit at odd offsets.
      const shared = new Float64Array(new SharedArrayBuffer(coordinates.byteLength + 8));
      shared.set(coordinates, 1);
      const shifted = await pool.locateMany(shared.subarray(1));
      expect(Array.from(shifted.districtIndexes)).toEqual(Array.from(expected.districtIndexes));
    } finally {
      await pool.close();
    }
    await expect(pool.locateMany(Float64Array.from([74.3917, 31.49352]))).rejects.toThrow(/closed/);
  });
});

describe('point-in-polygon with holes', () => {
  // A 4 x 4 square with a 2 x 2 hole in the middle, rings closed as in WKB.
  const coordinates = Float64Array.from([0, 0, 4, 0, 4, 4, 0, 4, 0, 0, 1, 1, 1, 3, 3, 3, 3, 1, 1, 1]);
  const ringStarts = Uint32Array.from([0, 5, 10]);

  it.each([
    ['in the ring between the rings', 0.5, 0.5, INSIDE],
    ['in the hole', 2, 2, OUTSIDE],
    ['on a hole edge', 1, 2, ON_BOUNDARY],
    ['on a hole vertex', 3, 3, ON_BOUNDARY],
    ['on an exterior vertex', 4, 4, ON_BOUNDARY],
    ['outside', 5, 2, OUTSIDE],
  ])('classifies a point %s', (_, x, y, expected) => {
    expect(classifyPointInPolygon(coordinates, ringStarts, 0, 2, x, y)).toBe(expected);
  });

  it('treats the hole of a real piece as outside, like PostGIS', async () => {
    const result = await db.raw<{
      rows: { piece_id: number; lon: number; lat: number; code: string | null }[];
    }>(
      `SELECT p.id AS piece_id, ST_X(h.point) AS lon, ST_Y(h.point) AS lat, g.district_code AS code
       FROM jurisdiction_pieces p
       JOIN boundary_versions v ON v.id = p.version_id AND v.status = 'live'
       CROSS JOIN LATERAL (SELECT ST_PointOnSurface(ST_MakePolygon(ST_InteriorRingN(p.geom, 1))) AS point) h
       LEFT JOIN LATERAL geofence_point(ST_X(h.point), ST_Y(h.point)) g ON true
       WHERE p.level = 'district' AND ST_NumInteriorRings(p.geom) > 0`,
    );
    expect(result.rows.length).toBeGreaterThan(0);

    for (const row of result.rows) {
      const piece = rows.findIndex((candidate) => candidate.pieceId === row.piece_id);
      const exterior = pieces.pieceRingStarts[piece] as number;
      // The exterior ring alone contains the point, and only the hole takes it out of the piece. A
      // single-loop test such as robust-point-in-polygon would miss that.
      expect(
        classifyPointInRing(
          pieces.coordinates,
          pieces.ringStarts[exterior] as number,
          pieces.ringStarts[exterior + 1] as number,
          row.lon,
          row.lat,
        ),
      ).toBe(INSIDE);
      expect(classifyPoint(ringVertices(exterior), [row.lon, row.lat])).toBe(-1);
      expect(pieceIntersectsPoint(pieces, piece, row.lon, row.lat)).toBe(false);
      expect(geofencer.locate(row.lon, row.lat)?.districtCode ?? null).toBe(row.code);
    }
  });
});

describe('district pieces', () => {
  it('orders districts by code in byte order', () => {
    const codes = geofencer.districts.map((district) => district.code);
    const sorted = [...codes].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(codes).toEqual(sorted);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).toHaveLength(156);
  });

  it('reads big-endian WKB like little-endian WKB', async () => {
    const result = await db.raw<{ rows: { ndr: Buffer; xdr: Buffer }[] }>(
      `SELECT ST_AsBinary(geom, 'NDR') AS ndr, ST_AsBinary(geom, 'XDR') AS xdr
       FROM jurisdiction_pieces WHERE ST_NumInteriorRings(geom) > 0 LIMIT 1`,
    );
    const row = result.rows[0];
    expect(row).toBeDefined();
    const littleEndian = readWkbPolygon(row?.ndr as Buffer);
    expect(littleEndian.length).toBeGreaterThan(1);
    expect(readWkbPolygon(row?.xdr as Buffer)).toEqual(littleEndian);
  });

  it('rejects WKB that is not a polygon', () => {
    const point = Buffer.alloc(21);
    point.writeUInt8(1, 0);
    point.writeUInt32LE(1, 1);
    expect(() => readWkbPolygon(point)).toThrow(/type 1 is not a 2D Polygon/);
  });

  it('builds an empty geofencer when no district is live', () => {
    const empty = BulkGeofencer.fromPieceSet(buildDistrictPieceSet([]));
    expect(empty.districts).toHaveLength(0);
    expect(empty.versionId).toBeUndefined();
    expect(empty.locate(74.3917, 31.49352)).toBeUndefined();
    expect(empty.locateWithoutGrid(74.3917, 31.49352)).toBeUndefined();
    expect(Array.from(empty.locateMany(Float64Array.from([74.3917, 31.49352])).districtIndexes)).toEqual([
      -1,
    ]);
  });
});
