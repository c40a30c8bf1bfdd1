export interface Point {
  x: number;
  y: number;
}

/** Axis-aligned rectangle in pixels; x and y are the top-left corner. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Returns the square of the box's longer side, centred on the box. */
export function squareAround(box: Box): Box {
  const side = Math.max(box.width, box.height);
  return {
    x: box.x + box.width / 2 - side / 2,
    y: box.y + box.height / 2 - side / 2,
    width: side,
    height: side,
  };
}

// Landmark groups in the 68-point layout.
const LEFT_EYE = [36, 42] as const;
const RIGHT_EYE = [42, 48] as const;
const MOUTH = [48, 68] as const;

/**
 * Returns the square crop that dlib's face chips use: its side is the mean distance from the eye
 * centres to the mouth centre divided by 0.45, and it is placed so that the centroid of the three
 * points lies at 50% across and 43% down. Unlike face-api's own version, the square is not clamped
 * to the image, so a face at the photo edge keeps its proportions (the crop is padded instead).
 */
export function dlibAlignedBox(landmarks: Point[]): Box {
  const leftEye = centroid(landmarks.slice(...LEFT_EYE));
  const rightEye = centroid(landmarks.slice(...RIGHT_EYE));
  const mouth = centroid(landmarks.slice(...MOUTH));

  const eyeToMouth = (distance(leftEye, mouth) + distance(rightEye, mouth)) / 2;
  const side = eyeToMouth / 0.45;
  const centre = centroid([leftEye, rightEye, mouth]);
  return { x: centre.x - 0.5 * side, y: centre.y - 0.43 * side, width: side, height: side };
}

/** Intersects the box with [0, width) × [0, height). */
export function clipBox(box: Box, width: number, height: number): Box {
  const x = Math.max(0, box.x);
  const y = Math.max(0, box.y);
  const right = Math.min(width, box.x + box.width);
  const bottom = Math.min(height, box.y + box.height);
  return { x, y, width: Math.max(0, right - x), height: Math.max(0, bottom - y) };
}

function centroid(points: Point[]): Point {
  let x = 0;
  let y = 0;
  for (const point of points) {
    x += point.x;
    y += point.y;
  }
  return { x: x / points.length, y: y / points.length };
}

function distance(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}
