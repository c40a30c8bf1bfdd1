import type Flatbush from 'flatbush';
import { type DistrictPieceSet, pieceIntersectsPoint } from './district-piece-set.js';

// A regular grid over the pieces that locates most points without any point-in-polygon test.
//
// A cell is "clear" when no piece edge comes within `margin` of it. Every point of a clear cell then
// has the same result, because the cell is connected and crosses no edge, and PostGIS's float64 side test
// (see postgis-point-in-polygon.ts) can only go wrong within about 1e-13 degrees of an edge, far
// inside the margin. The same argument covers rounding when a point is mapped to its cell: a point a
// few ulps outside its cell is still inside the margin. A cell touched by edges keeps the list of those
// "edge pieces" to test exactly, plus the districts of the pieces that cover the whole cell.

/** Cell value for points outside every district. Values from 0 up are districts, and values below -1 are mixed cells. */
export const OUTSIDE_CELL = -1;

export interface CellGrid {
  minX: number;
  minY: number;
  cellSize: number;
  columns: number;
  rows: number;
  /**
   * One value per cell, row by row: `district * 2 + (onBorder ? 1 : 0)` for a clear cell inside a
   * district, OUTSIDE_CELL for a clear cell outside all, and `-2 - m` for mixed cell m.
   */
  cells: Int32Array;
  /** Districts covering all of mixed cell m: `coverDistricts[coverStarts[m]..coverStarts[m + 1]]`, ascending. */
  coverStarts: Uint32Array;
  coverDistricts: Int32Array;
  /** Pieces with an edge in mixed cell m: `edgePieces[edgeStarts[m]..edgeStarts[m + 1]]`, by district. */
  edgeStarts: Uint32Array;
  edgePieces: Int32Array;
}

export interface CellGridOptions {
  /** Cell width and height in degrees. */
  cellSize: number;
  /** Distance in degrees an edge must keep from a cell for the cell to be clear. */
  margin: number;
}

/**
 * Builds the grid over the union of the pieces' boxes. `index` contains the piece boxes of `set`
 * (item i = piece i) and finds the pieces to test for each cell.
 */
export function buildCellGrid(set: DistrictPieceSet, index: Flatbush, options: CellGridOptions): CellGrid {
  const { cellSize, margin } = options;
  const minX = index.minX;
  const minY = index.minY;
  const columns = set.pieceCount === 0 ? 0 : Math.floor((index.maxX - minX) / cellSize) + 1;
  const rows = set.pieceCount === 0 ? 0 : Math.floor((index.maxY - minY) / cellSize) + 1;
  const frame = { minX, minY, cellSize, columns, rows, margin };

  const edgeLists = collectEdgePieces(set, frame);
  const cells = new Int32Array(columns * rows);
  const coverStarts: number[] = [0];
  const coverDistricts: number[] = [];
  const edgeStarts: number[] = [0];
  const edgePieces: number[] = [];

  for (let row = 0; row < rows; row++) {
    let previousClear = false;
    for (let column = 0; column < columns; column++) {
      const cell = row * columns + column;
      const edgeStart = edgeLists.starts[cell] as number;
      const edgeEnd = edgeLists.starts[cell + 1] as number;
      const centerX = minX + (column + 0.5) * cellSize;
      const centerY = minY + (row + 0.5) * cellSize;

      if (edgeStart === edgeEnd) {
        // Two clear neighbours form one connected region without edges, so they share a result.
        cells[cell] = previousClear
          ? (cells[cell - 1] as number)
          : encodeDistricts(districtsAt(set, index, centerX, centerY, undefined));
        previousClear = true;
        continue;
      }
      previousClear = false;

      const cellEdgePieces = edgeLists.pieces.subarray(edgeStart, edgeEnd);
      const covering = districtsAt(set, index, centerX, centerY, new Set(cellEdgePieces));
      const mixed = edgeStarts.length - 1;
      cells[cell] = -2 - mixed;
      coverDistricts.push(...covering);
      coverStarts.push(coverDistricts.length);
      edgePieces.push(
        ...[...cellEdgePieces].sort(
          (a, b) => (set.pieceDistricts[a] as number) - (set.pieceDistricts[b] as number) || a - b,
        ),
      );
      edgeStarts.push(edgePieces.length);
    }
  }

  return {
    minX,
    minY,
    cellSize,
    columns,
    rows,
    cells,
    coverStarts: Uint32Array.from(coverStarts),
    coverDistricts: Int32Array.from(coverDistricts),
    edgeStarts: Uint32Array.from(edgeStarts),
    edgePieces: Int32Array.from(edgePieces),
  };
}

/** Encodes the districts touching a point (ascending, distinct) as a clear-cell value. */
function encodeDistricts(districts: number[]): number {
  if (districts.length === 0) return OUTSIDE_CELL;
  return (districts[0] as number) * 2 + (districts.length > 1 ? 1 : 0);
}

/**
 * Returns the distinct districts, ascending, of the pieces that intersect the point, skipping the
 * pieces in `excluded`.
 */
function districtsAt(
  set: DistrictPieceSet,
  index: Flatbush,
  x: number,
  y: number,
  excluded: Set<number> | undefined,
): number[] {
  const districts = new Set<number>();
  for (const piece of index.search(x, y, x, y)) {
    if (excluded?.has(piece)) continue;
    if (pieceIntersectsPoint(set, piece, x, y)) districts.add(set.pieceDistricts[piece] as number);
  }
  return [...districts].sort((a, b) => a - b);
}

interface GridFrame {
  minX: number;
  minY: number;
  cellSize: number;
  columns: number;
  rows: number;
  margin: number;
}

/**
 * Lists, for every cell, the pieces with an edge within `margin` of the cell, as a compressed
 * sparse row structure: the pieces of cell c are `pieces[starts[c]..starts[c + 1]]`, each once.
 */
function collectEdgePieces(
  set: DistrictPieceSet,
  frame: GridFrame,
): { starts: Uint32Array; pieces: Int32Array } {
  const pairCells: number[] = [];
  const pairPieces: number[] = [];
  const { coordinates, ringStarts, pieceRingStarts } = set;

  for (let piece = 0; piece < set.pieceCount; piece++) {
    const seen = new Set<number>();
    const mark = (cell: number) => {
      if (seen.has(cell)) return;
      seen.add(cell);
      pairCells.push(cell);
      pairPieces.push(piece);
    };
    for (let ring = pieceRingStarts[piece] as number; ring < (pieceRingStarts[piece + 1] as number); ring++) {
      for (let vertex = ringStarts[ring] as number; vertex + 1 < (ringStarts[ring + 1] as number); vertex++) {
        markSegmentCells(
          coordinates[vertex * 2] as number,
          coordinates[vertex * 2 + 1] as number,
          coordinates[vertex * 2 + 2] as number,
          coordinates[vertex * 2 + 3] as number,
          frame,
          mark,
        );
      }
    }
  }

  const cellCount = frame.columns * frame.rows;
  const starts = new Uint32Array(cellCount + 1);
  for (const cell of pairCells) starts[cell + 1] = (starts[cell + 1] as number) + 1;
  for (let cell = 0; cell < cellCount; cell++)
    starts[cell + 1] = (starts[cell + 1] as number) + (starts[cell] as number);
  const fill = starts.slice(0, cellCount);
  const pieces = new Int32Array(pairCells.length);
  pairCells.forEach((cell, pair) => {
    pieces[(fill[cell] as number)++] = pairPieces[pair] as number;
  });
  return { starts, pieces };
}

/**
 * Calls `mark` for every cell that the segment, widened by the margin, may touch. It may mark a few
 * extra cells (that only costs speed) but never misses one.
 */
function markSegmentCells(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  frame: GridFrame,
  mark: (cell: number) => void,
): void {
  const { minX, minY, cellSize, columns, rows, margin } = frame;
  const lowY = Math.min(y1, y2);
  const highY = Math.max(y1, y2);
  const firstRow = Math.max(0, Math.floor((lowY - margin - minY) / cellSize));
  const lastRow = Math.min(rows - 1, Math.floor((highY + margin - minY) / cellSize));

  for (let row = firstRow; row <= lastRow; row++) {
    // The part of the segment inside this row's band, widened by the margin.
    const bandLow = Math.max(lowY, minY + row * cellSize - margin);
    const bandHigh = Math.min(highY, minY + (row + 1) * cellSize + margin);
    let spanLow: number;
    let spanHigh: number;
    if (y1 === y2) {
      spanLow = Math.min(x1, x2);
      spanHigh = Math.max(x1, x2);
    } else {
      const xAtLow = x1 + ((bandLow - y1) / (y2 - y1)) * (x2 - x1);
      const xAtHigh = x1 + ((bandHigh - y1) / (y2 - y1)) * (x2 - x1);
      spanLow = Math.max(Math.min(xAtLow, xAtHigh), Math.min(x1, x2));
      spanHigh = Math.min(Math.max(xAtLow, xAtHigh), Math.max(x1, x2));
    }
    const firstColumn = Math.max(0, Math.floor((spanLow - margin - minX) / cellSize));
    const lastColumn = Math.min(columns - 1, Math.floor((spanHigh + margin - minX) / cellSize));
    for (let column = firstColumn; column <= lastColumn; column++) mark(row * columns + column);
  }
}
