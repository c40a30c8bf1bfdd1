// Point-in-polygon exactly as PostGIS 3.3 decides ST_Intersects(polygon, point).
//
// For a point and a polygon, PostGIS does not call GEOS. It first rejects the point when it lies
// outside the polygon's stored bounding box, which is the exact box rounded outward to float32, and
// then runs a winding-number test (point_in_polygon / point_in_ring in liblwgeom's
// lwgeom_functions_analytic.c). That test computes the side of each edge in plain float64, in one
// fixed operation order, and calls a point "on the boundary" only when that float64 value is exactly
// 0. A robust (exact) orientation predicate would disagree with it for points within rounding
// distance of an edge, so this module repeats the same float64 operations in the same order.
// JavaScript numbers are IEEE 754 binary64 and V8 never fuses a multiply and an add, so every
// intermediate value is the one PostgreSQL computes on x86-64.
//
// NOTE: checked against PostGIS 3.3.2, the version this project installs, by the tests in
// api/test/bulk-geofencer.test.ts. Newer PostGIS sources (2024) replace this code with an interval
// tree, so after a PostGIS upgrade those tests must pass again before the results can be trusted.

/** Position of a point relative to a ring or polygon, with PostGIS's values. */
export const OUTSIDE = -1;
export const ON_BOUNDARY = 0;
export const INSIDE = 1;

/**
 * Classifies the point against one closed ring stored as x, y pairs in `coordinates` from vertex
 * `firstVertex` up to, not including, vertex `endVertex`. Returns INSIDE, ON_BOUNDARY or OUTSIDE.
 */
export function classifyPointInRing(
  coordinates: Float64Array,
  firstVertex: number,
  endVertex: number,
  x: number,
  y: number,
): number {
  let winding = 0;
  let x2 = coordinates[firstVertex * 2] as number;
  let y2 = coordinates[firstVertex * 2 + 1] as number;

  for (let vertex = firstVertex + 1; vertex < endVertex; vertex++) {
    const x1 = x2;
    const y1 = y2;
    x2 = coordinates[vertex * 2] as number;
    y2 = coordinates[vertex * 2 + 1] as number;

    // An edge whose y range excludes the point can neither be counted nor contain the point, so
    // skipping it early changes no result. PostGIS also ignores zero-length edges.
    if ((y < y1 && y < y2) || (y > y1 && y > y2)) continue;
    if (x1 === x2 && y1 === y2) continue;

    const side = (x2 - x1) * (y - y1) - (x - x1) * (y2 - y1);
    if (side === 0 && x >= Math.min(x1, x2) && x <= Math.max(x1, x2)) return ON_BOUNDARY;

    if (y1 <= y && y < y2 && side > 0) winding++;
    else if (y2 <= y && y < y1 && side < 0) winding--;
  }

  return winding === 0 ? OUTSIDE : INSIDE;
}

/**
 * Classifies the point against a polygon whose rings are `firstRing` up to, not including, `endRing`.
 * The first ring is the exterior and the others are holes. Ring r spans vertices `ringStarts[r]` up
 * to `ringStarts[r + 1]`. Like PostGIS's point_in_polygon, it does not test the bounding box, which
 * `pieceIntersectsPoint` does first.
 */
export function classifyPointInPolygon(
  coordinates: Float64Array,
  ringStarts: Uint32Array,
  firstRing: number,
  endRing: number,
  x: number,
  y: number,
): number {
  if (firstRing === endRing) return OUTSIDE;

  const exterior = classifyPointInRing(
    coordinates,
    ringStarts[firstRing] as number,
    ringStarts[firstRing + 1] as number,
    x,
    y,
  );
  if (exterior === OUTSIDE) return OUTSIDE;

  for (let ring = firstRing + 1; ring < endRing; ring++) {
    const hole = classifyPointInRing(
      coordinates,
      ringStarts[ring] as number,
      ringStarts[ring + 1] as number,
      x,
      y,
    );
    if (hole === INSIDE) return OUTSIDE;
    if (hole === ON_BOUNDARY) return ON_BOUNDARY;
  }
  return exterior;
}

const FLOAT32_MAX = 3.4028234663852886e38;
const float32Scratch = new Float32Array(1);
const float32Bits = new Uint32Array(float32Scratch.buffer);

/** Rounds down to the nearest float32 at or below `value`, as PostGIS's next_float_down does. */
export function float32Down(value: number): number {
  if (value > FLOAT32_MAX) return FLOAT32_MAX;
  if (value <= -FLOAT32_MAX) return -FLOAT32_MAX;
  const nearest = Math.fround(value);
  return nearest <= value ? nearest : stepFloat32(nearest, -1);
}

/** Rounds up to the nearest float32 at or above `value`, as PostGIS's next_float_up does. */
export function float32Up(value: number): number {
  if (value >= FLOAT32_MAX) return FLOAT32_MAX;
  if (value < -FLOAT32_MAX) return -FLOAT32_MAX;
  const nearest = Math.fround(value);
  return nearest >= value ? nearest : stepFloat32(nearest, 1);
}

/** Returns the float32 next to `value` (itself a float32) towards +Infinity (direction 1) or -Infinity (-1). */
function stepFloat32(value: number, direction: 1 | -1): number {
  if (value === 0) return direction * 1.401298464324817e-45;
  float32Scratch[0] = value;
  const awayFromZero = value > 0 === direction > 0;
  float32Bits[0] = (float32Bits[0] as number) + (awayFromZero ? 1 : -1);
  return float32Scratch[0] as number;
}
