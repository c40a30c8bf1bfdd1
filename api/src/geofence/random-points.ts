/** A longitude/latitude box in degrees. */
export interface LonLatBox {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

/** The box used for sampling points over Pakistan (slightly larger than the country). */
export const PAKISTAN_BOX: LonLatBox = { minLon: 60.87, minLat: 23.63, maxLon: 77.84, maxLat: 37.1 };

/**
 * Returns `count` points spread uniformly over the box as lon, lat pairs (the layout of
 * `BulkGeofencer.locateMany`). The same seed always gives the same points, so tests and benchmarks
 * can be repeated exactly.
 */
export function randomPointsInBox(count: number, seed: number, box: LonLatBox): Float64Array {
  const next = mulberry32(seed);
  const coordinates = new Float64Array(count * 2);
  for (let point = 0; point < count; point++) {
    coordinates[point * 2] = box.minLon + next() * (box.maxLon - box.minLon);
    coordinates[point * 2 + 1] = box.minLat + next() * (box.maxLat - box.minLat);
  }
  return coordinates;
}

/** Mulberry32, a small 32-bit seeded generator; returns numbers in [0, 1). Not for security. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), state | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}
