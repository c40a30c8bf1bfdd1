import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MultiPolygon, Polygon } from 'geojson';

/**
 * One record as rings of [x, y]; null writes a null shape. Outer rings go clockwise and holes
 * counter-clockwise, so one record can hold a multipolygon's outer rings and holes together.
 */
export type TestShape = [number, number][][] | null;

export interface TestShapefile {
  directory: string;
  name: string;
  shapes: TestShape[];
  /** Text fields, each value already encoded (so tests control the exact bytes). */
  fields: { name: string; length: number; values: Buffer[] }[];
  languageDriver?: number;
  prj?: string;
  cpg?: string;
}

/** Writes a polygon shapefile (.shp, .shx, .dbf and optional .prj/.cpg) for reader tests. */
export function writeTestShapefile(shapefile: TestShapefile): string {
  const records = shapefile.shapes.map(encodeShape);
  const bbox = boundingBox(shapefile.shapes);
  const shpLength = 100 + records.reduce((sum, record) => sum + 8 + record.length, 0);
  const shp = Buffer.concat([
    header(shpLength, bbox),
    ...records.flatMap((record, index) => [recordHeader(index + 1, record.length), record]),
  ]);
  const offsets: Buffer[] = [];
  let offset = 100;
  for (const record of records) {
    const entry = Buffer.alloc(8);
    entry.writeInt32BE(offset / 2, 0);
    entry.writeInt32BE(record.length / 2, 4);
    offsets.push(entry);
    offset += 8 + record.length;
  }
  const shx = Buffer.concat([header(100 + 8 * records.length, bbox), ...offsets]);

  const base = join(shapefile.directory, shapefile.name);
  writeFileSync(`${base}.shp`, shp);
  writeFileSync(`${base}.shx`, shx);
  writeFileSync(`${base}.dbf`, encodeDbf(shapefile));
  if (shapefile.prj) writeFileSync(`${base}.prj`, shapefile.prj);
  if (shapefile.cpg) writeFileSync(`${base}.cpg`, shapefile.cpg);
  return `${base}.shp`;
}

/**
 * Converts a GeoJSON Polygon or MultiPolygon to the rings of one shapefile record, turning each
 * outer ring clockwise and each hole counter-clockwise, because shapefile readers tell them apart
 * by orientation.
 */
export function shapeOfPolygon(geometry: Polygon | MultiPolygon): TestShape {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  return polygons.flatMap((rings) =>
    rings.map((ring, index) => {
      const points = ring.map(([x, y]) => [x, y] as [number, number]);
      const clockwise = signedArea(points) < 0;
      return clockwise === (index === 0) ? points : points.reverse();
    }),
  );
}

/** Shoelace area of a closed ring: positive when it runs counter-clockwise. */
function signedArea(ring: [number, number][]): number {
  let twiceArea = 0;
  for (let i = 1; i < ring.length; i += 1) {
    const [x0, y0] = ring[i - 1] as [number, number];
    const [x1, y1] = ring[i] as [number, number];
    twiceArea += x0 * y1 - x1 * y0;
  }
  return twiceArea / 2;
}

function header(byteLength: number, bbox: number[]): Buffer {
  const buffer = Buffer.alloc(100);
  buffer.writeInt32BE(9994, 0);
  buffer.writeInt32BE(byteLength / 2, 24);
  buffer.writeInt32LE(1000, 28);
  buffer.writeInt32LE(5, 32);
  bbox.forEach((value, index) => {
    buffer.writeDoubleLE(value, 36 + index * 8);
  });
  return buffer;
}

function recordHeader(number: number, contentLength: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeInt32BE(number, 0);
  buffer.writeInt32BE(contentLength / 2, 4);
  return buffer;
}

function encodeShape(shape: TestShape): Buffer {
  if (shape === null) return Buffer.from([0, 0, 0, 0]);
  const points = shape.flat();
  const buffer = Buffer.alloc(44 + 4 * shape.length + 16 * points.length);
  buffer.writeInt32LE(5, 0);
  boundingBox([shape]).forEach((value, index) => {
    buffer.writeDoubleLE(value, 4 + index * 8);
  });
  buffer.writeInt32LE(shape.length, 36);
  buffer.writeInt32LE(points.length, 40);
  let start = 0;
  shape.forEach((ring, index) => {
    buffer.writeInt32LE(start, 44 + index * 4);
    start += ring.length;
  });
  const pointsAt = 44 + 4 * shape.length;
  points.forEach(([x, y], index) => {
    buffer.writeDoubleLE(x, pointsAt + index * 16);
    buffer.writeDoubleLE(y, pointsAt + index * 16 + 8);
  });
  return buffer;
}

// A loop, not Math.min(...xs): Node 20 throws a RangeError when a spread passes more than about
// 130,000 arguments, and the bundled districts alone have 91,249 points.
function boundingBox(shapes: TestShape[]): number[] {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  for (const ring of shapes.flatMap((shape) => shape ?? [])) {
    for (const [x, y] of ring) {
      box[0] = Math.min(box[0] as number, x);
      box[1] = Math.min(box[1] as number, y);
      box[2] = Math.max(box[2] as number, x);
      box[3] = Math.max(box[3] as number, y);
    }
  }
  return box[0] === Infinity ? [0, 0, 0, 0] : box;
}

function encodeDbf(shapefile: TestShapefile): Buffer {
  const count = shapefile.shapes.length;
  const headerLength = 32 + 32 * shapefile.fields.length + 1;
  const recordLength = 1 + shapefile.fields.reduce((sum, field) => sum + field.length, 0);
  const header = Buffer.alloc(headerLength);
  header[0] = 0x03;
  header.writeUInt32LE(count, 4);
  header.writeUInt16LE(headerLength, 8);
  header.writeUInt16LE(recordLength, 10);
  header[29] = shapefile.languageDriver ?? 0;
  shapefile.fields.forEach((field, index) => {
    const at = 32 + index * 32;
    header.write(field.name, at, 'latin1');
    header[at + 11] = 'C'.charCodeAt(0);
    header[at + 16] = field.length;
  });
  header[headerLength - 1] = 0x0d;

  const records = Array.from({ length: count }, (_, row) => {
    const record = Buffer.alloc(recordLength, 0x20);
    let at = 1;
    for (const field of shapefile.fields) {
      (field.values[row] ?? Buffer.alloc(0)).copy(record, at, 0, field.length);
      at += field.length;
    }
    return record;
  });
  return Buffer.concat([header, ...records, Buffer.from([0x1a])]);
}
