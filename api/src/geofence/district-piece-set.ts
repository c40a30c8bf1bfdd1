import type { DistrictPieceRow } from '../repositories/district-piece-repository.js';
import { classifyPointInPolygon, float32Down, float32Up, OUTSIDE } from './postgis-point-in-polygon.js';
import { readWkbPolygon } from './wkb-polygon.js';

export interface GeofenceDistrict {
  id: number;
  code: string;
  name: string;
}

/**
 * The live district pieces in flat typed arrays: piece p owns rings `pieceRingStarts[p]` up to
 * `pieceRingStarts[p + 1]`, ring r owns vertices `ringStarts[r]` up to `ringStarts[r + 1]`, and vertex v
 * is at `coordinates[2v], coordinates[2v + 1]` (lon, lat). Rings are closed (last vertex = first).
 */
export interface DistrictPieceSet {
  /** The live boundary version the pieces belong to; undefined when there is no live district. */
  versionId: number | undefined;
  /** Districts sorted by code in byte order, so the smallest code is the smallest index. */
  districts: GeofenceDistrict[];
  pieceCount: number;
  coordinates: Float64Array;
  ringStarts: Uint32Array;
  pieceRingStarts: Uint32Array;
  /** Index into `districts` of each piece. */
  pieceDistricts: Int32Array;
  /**
   * Bounding box of each piece as minX, minY, maxX, maxY, rounded outward to float32 like the box
   * PostGIS stores with a geometry and tests before point-in-polygon.
   */
  pieceBoxes: Float64Array;
}

/** Builds the flat piece set from the rows of `DistrictPieceRepository.loadLiveDistrictPieces`. */
export function buildDistrictPieceSet(rows: DistrictPieceRow[]): DistrictPieceSet {
  const versionIds = new Set(rows.map((row) => row.versionId));
  if (versionIds.size > 1) {
    throw new Error(
      `district pieces come from ${versionIds.size} boundary versions; expected one live version`,
    );
  }

  const districtIndexById = indexDistrictsByCode(rows);
  const districts: GeofenceDistrict[] = [];
  for (const row of rows) {
    districts[districtIndexById.get(row.districtId) as number] = {
      id: row.districtId,
      code: row.districtCode,
      name: row.districtName,
    };
  }

  const polygons = rows.map((row) => readWkbPolygon(row.wkb));
  const ringCount = polygons.reduce((sum, rings) => sum + rings.length, 0);
  const vertexCount = polygons.reduce(
    (sum, rings) => sum + rings.reduce((ringSum, ring) => ringSum + ring.length / 2, 0),
    0,
  );

  const coordinates = new Float64Array(vertexCount * 2);
  const ringStarts = new Uint32Array(ringCount + 1);
  const pieceRingStarts = new Uint32Array(rows.length + 1);
  const pieceDistricts = new Int32Array(rows.length);
  const pieceBoxes = new Float64Array(rows.length * 4);
  let ring = 0;
  let vertex = 0;
  polygons.forEach((rings, piece) => {
    pieceRingStarts[piece] = ring;
    pieceDistricts[piece] = districtIndexById.get((rows[piece] as DistrictPieceRow).districtId) as number;
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const ringCoordinates of rings) {
      ringStarts[ring++] = vertex;
      coordinates.set(ringCoordinates, vertex * 2);
      vertex += ringCoordinates.length / 2;
      for (let i = 0; i < ringCoordinates.length; i += 2) {
        minX = Math.min(minX, ringCoordinates[i] as number);
        minY = Math.min(minY, ringCoordinates[i + 1] as number);
        maxX = Math.max(maxX, ringCoordinates[i] as number);
        maxY = Math.max(maxY, ringCoordinates[i + 1] as number);
      }
    }
    pieceBoxes.set([float32Down(minX), float32Down(minY), float32Up(maxX), float32Up(maxY)], piece * 4);
  });
  ringStarts[ring] = vertex;
  pieceRingStarts[rows.length] = ring;

  return {
    versionId: rows[0]?.versionId,
    districts,
    pieceCount: rows.length,
    coordinates,
    ringStarts,
    pieceRingStarts,
    pieceDistricts,
    pieceBoxes,
  };
}

/** Tells whether the point intersects the piece (boundary included), exactly as PostGIS's ST_Intersects. */
export function pieceIntersectsPoint(set: DistrictPieceSet, piece: number, x: number, y: number): boolean {
  const box = piece * 4;
  const boxes = set.pieceBoxes;
  if (
    x < (boxes[box] as number) ||
    y < (boxes[box + 1] as number) ||
    x > (boxes[box + 2] as number) ||
    y > (boxes[box + 3] as number)
  ) {
    return false;
  }
  const position = classifyPointInPolygon(
    set.coordinates,
    set.ringStarts,
    set.pieceRingStarts[piece] as number,
    set.pieceRingStarts[piece + 1] as number,
    x,
    y,
  );
  return position !== OUTSIDE;
}

/** Numbers the distinct districts by code in UTF-8 byte order, the order of Postgres's "C" collation. */
function indexDistrictsByCode(rows: DistrictPieceRow[]): Map<number, number> {
  const codeById = new Map(rows.map((row) => [row.districtId, row.districtCode]));
  const ids = [...codeById.keys()].sort((a, b) =>
    Buffer.compare(Buffer.from(codeById.get(a) as string), Buffer.from(codeById.get(b) as string)),
  );
  return new Map(ids.map((id, index) => [id, index]));
}
