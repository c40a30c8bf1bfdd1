import Flatbush from 'flatbush';
import type { Knex } from 'knex';
import { DistrictPieceRepository } from '../repositories/district-piece-repository.js';
import { buildCellGrid, type CellGrid, type CellGridOptions, OUTSIDE_CELL } from './cell-grid.js';
import {
  buildDistrictPieceSet,
  type DistrictPieceSet,
  type GeofenceDistrict,
  pieceIntersectsPoint,
} from './district-piece-set.js';

export type { GeofenceDistrict } from './district-piece-set.js';

/** The district of one point, as `geofence_point` in sql/functions/geofence.sql returns it. */
export interface BulkGeofenceMatch {
  districtId: number;
  districtCode: string;
  districtIndex: number;
  onBorder: boolean;
}

/** The piece set and grid of a geofencer in shared memory, to hand to worker threads without copies. */
export interface SharedGeofencerParts {
  pieces: DistrictPieceSet;
  grid: CellGrid;
}

/** Results for a batch of points, by position in the batch. */
export interface BulkGeofenceResult {
  /** Index into `BulkGeofencer.districts` of each point's district, or -1 outside every district. */
  districtIndexes: Int32Array;
  /** 1 where the point touches more than one district, else 0. */
  onBorder: Uint8Array;
}

export const DEFAULT_GRID_OPTIONS: CellGridOptions = {
  // About 1.1 km. For the bundled boundaries that is 1625 x 1305 cells (8.5 MB), 3.5% of them crossed
  // by edges. In bench/geofence-bench.ts, cells of 0.005° and 0.02° were both slower than 0.01°.
  cellSize: 0.01,
  // Far above the 1e-13 degrees within which float64 side tests can err, far below any real distance.
  margin: 1e-9,
};

/**
 * Geofences points in memory with the rule of the SQL function `geofence_point`. Every live district
 * piece that intersects the point (boundary included) counts. The district with the smallest code in
 * byte order wins, and `onBorder` is true when more than one district was touched. Point-in-polygon
 * repeats PostGIS's own arithmetic, so results are identical to PostGIS's, including points on or
 * within rounding distance of an edge. Coordinates are WGS 84 longitude and latitude (SRID 4326).
 *
 * The geofencer is a snapshot of the live boundary version at load time; load a new one after a
 * publish (compare `versionId` with the live version).
 */
export class BulkGeofencer {
  readonly districts: readonly GeofenceDistrict[];
  readonly versionId: number | undefined;
  private readonly pieces: DistrictPieceSet;
  private readonly index: Flatbush;
  private readonly grid: CellGrid;

  private constructor(pieces: DistrictPieceSet, index: Flatbush, grid: CellGrid) {
    this.pieces = pieces;
    this.districts = pieces.districts;
    this.versionId = pieces.versionId;
    this.index = index;
    this.grid = grid;
  }

  /** Loads the live district pieces from Postgres and builds the geofencer. */
  static async load(db: Knex, gridOptions: CellGridOptions = DEFAULT_GRID_OPTIONS): Promise<BulkGeofencer> {
    const rows = await new DistrictPieceRepository(db).loadLiveDistrictPieces();
    return BulkGeofencer.fromPieceSet(buildDistrictPieceSet(rows), gridOptions);
  }

  /** Builds the geofencer from an already loaded piece set. */
  static fromPieceSet(
    pieces: DistrictPieceSet,
    gridOptions: CellGridOptions = DEFAULT_GRID_OPTIONS,
  ): BulkGeofencer {
    const index = indexPieceBoxes(pieces);
    return new BulkGeofencer(pieces, index, buildCellGrid(pieces, index, gridOptions));
  }

  /** Rebuilds a geofencer around parts from `toSharedParts`, typically in a worker thread. */
  static fromSharedParts(parts: SharedGeofencerParts): BulkGeofencer {
    return new BulkGeofencer(parts.pieces, indexPieceBoxes(parts.pieces), parts.grid);
  }

  /**
   * Copies the piece set and the grid into SharedArrayBuffers, so worker threads that receive them
   * share one copy of the grid (8.5 MB for the bundled boundaries) instead of one each.
   */
  toSharedParts(): SharedGeofencerParts {
    return { pieces: copyToSharedMemory(this.pieces), grid: copyToSharedMemory(this.grid) };
  }

  /** Statistics of the grid, for logs and benchmarks. */
  get gridStats() {
    const { columns, rows, cellSize, edgeStarts } = this.grid;
    return { columns, rows, cellSize, cells: columns * rows, mixedCells: edgeStarts.length - 1 };
  }

  /** Returns the district of one point, or undefined outside every district. */
  locate(lon: number, lat: number): BulkGeofenceMatch | undefined {
    const code = this.locateCode(lon, lat);
    if (code < 0) return undefined;
    const districtIndex = code >> 1;
    const district = this.districts[districtIndex] as GeofenceDistrict;
    return {
      districtId: district.id,
      districtCode: district.code,
      districtIndex,
      onBorder: (code & 1) === 1,
    };
  }

  /**
   * Geofences many points given as lon, lat pairs: `coordinates[2i]` is the longitude of point i and
   * `coordinates[2i + 1]` its latitude.
   */
  locateMany(coordinates: Float64Array): BulkGeofenceResult {
    if (coordinates.length % 2 !== 0) {
      throw new Error(`coordinates has odd length ${coordinates.length}; pass lon, lat pairs`);
    }
    const count = coordinates.length / 2;
    const result: BulkGeofenceResult = {
      districtIndexes: new Int32Array(count),
      onBorder: new Uint8Array(count),
    };
    this.locateRange(coordinates, 0, count, result);
    return result;
  }

  /**
   * Geofences points `first` up to, not including, `end` of `coordinates` into the same positions of
   * `result`. A server can split a large batch into ranges to keep its event loop responsive.
   */
  locateRange(coordinates: Float64Array, first: number, end: number, result: BulkGeofenceResult): void {
    const { districtIndexes, onBorder } = result;
    for (let point = first; point < end; point++) {
      const code = this.locateCode(coordinates[point * 2] as number, coordinates[point * 2 + 1] as number);
      districtIndexes[point] = code < 0 ? -1 : code >> 1;
      onBorder[point] = code < 0 ? 0 : code & 1;
    }
  }

  /**
   * Returns the district of one point by testing every piece whose box contains the point, without
   * the grid. It is slower, and serves as the reference that the grid must agree with.
   */
  locateWithoutGrid(lon: number, lat: number): BulkGeofenceMatch | undefined {
    let first = -1;
    let many = false;
    for (const piece of this.index.search(lon, lat, lon, lat)) {
      const district = this.pieces.pieceDistricts[piece] as number;
      if (district === first || !pieceIntersectsPoint(this.pieces, piece, lon, lat)) continue;
      if (first === -1) first = district;
      else {
        many = true;
        first = Math.min(first, district);
      }
    }
    if (first === -1) return undefined;
    const district = this.districts[first] as GeofenceDistrict;
    return { districtId: district.id, districtCode: district.code, districtIndex: first, onBorder: many };
  }

  private locateCode(x: number, y: number): number {
    const grid = this.grid;
    const column = Math.floor((x - grid.minX) / grid.cellSize);
    const row = Math.floor((y - grid.minY) / grid.cellSize);
    // The grid spans the union of the piece boxes, so a point off the grid is outside every piece.
    // The negated comparisons also send NaN coordinates here.
    if (!(column >= 0 && column < grid.columns && row >= 0 && row < grid.rows)) return OUTSIDE_CELL;

    const value = grid.cells[row * grid.columns + column] as number;
    if (value >= OUTSIDE_CELL) return value;
    return this.locateInMixedCell(-2 - value, x, y);
  }

  /** Combines the districts covering the whole cell with exact tests of the pieces whose edges cross it. */
  private locateInMixedCell(mixed: number, x: number, y: number): number {
    const grid = this.grid;
    const coverStart = grid.coverStarts[mixed] as number;
    const coverEnd = grid.coverStarts[mixed + 1] as number;
    let first = coverStart < coverEnd ? (grid.coverDistricts[coverStart] as number) : -1;
    let many = coverEnd - coverStart > 1;

    // Edge pieces come in ascending district order. Once two districts are known, only a smaller
    // district can still change the result, and a larger one never can.
    for (let slot = grid.edgeStarts[mixed] as number; slot < (grid.edgeStarts[mixed + 1] as number); slot++) {
      const piece = grid.edgePieces[slot] as number;
      const district = this.pieces.pieceDistricts[piece] as number;
      if (district === first) continue;
      if (many && district > first) break;
      if (!pieceIntersectsPoint(this.pieces, piece, x, y)) continue;
      if (first === -1) first = district;
      else {
        many = true;
        first = Math.min(first, district);
      }
    }

    return first === -1 ? OUTSIDE_CELL : first * 2 + (many ? 1 : 0);
  }
}

/** Returns a shallow copy of the object in which every typed array lives in a SharedArrayBuffer. */
function copyToSharedMemory<T extends object>(parts: T): T {
  const copy = { ...parts };
  for (const [key, value] of Object.entries(copy)) {
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      const TypedArray = value.constructor as new (buffer: SharedArrayBuffer) => ArrayBufferView;
      const shared = new TypedArray(new SharedArrayBuffer(value.byteLength)) as unknown as {
        set(source: unknown): void;
      };
      shared.set(value);
      (copy as Record<string, unknown>)[key] = shared;
    }
  }
  return copy;
}

function indexPieceBoxes(pieces: DistrictPieceSet): Flatbush {
  const index = new Flatbush(Math.max(1, pieces.pieceCount));
  const boxes = pieces.pieceBoxes;
  for (let piece = 0; piece < pieces.pieceCount; piece++) {
    index.add(
      boxes[piece * 4] as number,
      boxes[piece * 4 + 1] as number,
      boxes[piece * 4 + 2] as number,
      boxes[piece * 4 + 3] as number,
    );
  }
  // Flatbush needs at least one item; an empty piece set gets one box that no point can reach.
  if (pieces.pieceCount === 0) index.add(Infinity, Infinity, Infinity, Infinity);
  index.finish();
  return index;
}
