const WKB_POLYGON = 3;

/**
 * Reads a 2D WKB Polygon (either byte order) into its closed rings, each a flat list of x, y
 * coordinates. The first ring is the exterior. Throws on any other geometry type.
 */
export function readWkbPolygon(wkb: Uint8Array): Float64Array[] {
  const view = new DataView(wkb.buffer, wkb.byteOffset, wkb.byteLength);
  const littleEndian = view.getUint8(0) === 1;
  const type = view.getUint32(1, littleEndian);
  if (type !== WKB_POLYGON) {
    throw new Error(`WKB geometry type ${type} is not a 2D Polygon (3); select pieces with ST_AsBinary`);
  }

  const ringCount = view.getUint32(5, littleEndian);
  const rings: Float64Array[] = [];
  let offset = 9;
  for (let ring = 0; ring < ringCount; ring++) {
    const pointCount = view.getUint32(offset, littleEndian);
    offset += 4;
    const coordinates = new Float64Array(pointCount * 2);
    for (let i = 0; i < pointCount * 2; i++) {
      coordinates[i] = view.getFloat64(offset, littleEndian);
      offset += 8;
    }
    rings.push(coordinates);
  }

  if (offset !== wkb.byteLength) {
    throw new Error(
      `WKB Polygon has ${wkb.byteLength - offset} trailing bytes; expected exactly one polygon`,
    );
  }
  return rings;
}
