import { seededRandom } from './seeded-random.js';

/** A point of the Knox test: projected coordinates in metres and the time in milliseconds. */
export interface SpaceTimePoint {
  x: number;
  y: number;
  t: number;
}

export interface KnoxResult {
  pointCount: number;
  pairCount: number;
  closeInSpace: number;
  closeInTime: number;
  /** Pairs close in both space and time: the Knox statistic X. */
  closeInBoth: number;
  /** Mean X over the permutations: the count expected when time and place are independent. */
  expectedCloseInBoth: number;
  permutations: number;
  /** (1 + permutations with X at or above the observed X) / (1 + permutations). */
  pValue: number;
}

/** Finds the pairs of points within `distance` of each other through a grid of that cell size. */
export function closePairs(points: readonly SpaceTimePoint[], distance: number): [number, number][] {
  const cells = new Map<string, number[]>();
  points.forEach((point, index) => {
    const key = `${Math.floor(point.x / distance)}:${Math.floor(point.y / distance)}`;
    const members = cells.get(key);
    if (members) members.push(index);
    else cells.set(key, [index]);
  });
  const pairs: [number, number][] = [];
  const limit = distance * distance;
  points.forEach((point, index) => {
    const column = Math.floor(point.x / distance);
    const row = Math.floor(point.y / distance);
    for (let dx = -1; dx <= 1; dx += 1) {
      for (let dy = -1; dy <= 1; dy += 1) {
        for (const other of cells.get(`${column + dx}:${row + dy}`) ?? []) {
          if (other <= index) continue;
          const target = points[other] as SpaceTimePoint;
          const squared = (target.x - point.x) ** 2 + (target.y - point.y) ** 2;
          if (squared <= limit) pairs.push([index, other]);
        }
      }
    }
  });
  return pairs;
}

function countCloseInTime(
  pairs: readonly [number, number][],
  times: readonly number[],
  window: number,
): number {
  let count = 0;
  for (const [first, second] of pairs) {
    if (Math.abs((times[first] as number) - (times[second] as number)) <= window) count += 1;
  }
  return count;
}

/**
 * Runs the Knox test for near-repeats. X counts the pairs within `distance` metres and `window`
 * milliseconds of each other (both inclusive). The p-value comes from `permutations` random
 * shuffles of the times over the places (seeded, so it can be reproduced), which keeps both the
 * spatial and the temporal pattern but breaks any link between them.
 */
export function knoxTest(
  points: readonly SpaceTimePoint[],
  options: { distance: number; window: number; permutations: number; seed: number },
): KnoxResult {
  const spatialPairs = closePairs(points, options.distance);
  const times = points.map((point) => point.t);
  const observed = countCloseInTime(spatialPairs, times, options.window);

  // Pairs close in time, whatever their distance: sort the times and slide a window.
  const sorted = [...times].sort((left, right) => left - right);
  let closeInTime = 0;
  let start = 0;
  sorted.forEach((time, index) => {
    while ((sorted[start] as number) < time - options.window) start += 1;
    closeInTime += index - start;
  });

  const random = seededRandom(options.seed);
  const shuffled = [...times];
  let atLeastObserved = 0;
  let permutedTotal = 0;
  for (let round = 0; round < options.permutations; round += 1) {
    for (let index = shuffled.length - 1; index > 0; index -= 1) {
      const swapWith = Math.floor(random() * (index + 1));
      const current = shuffled[index] as number;
      shuffled[index] = shuffled[swapWith] as number;
      shuffled[swapWith] = current;
    }
    const count = countCloseInTime(spatialPairs, shuffled, options.window);
    permutedTotal += count;
    if (count >= observed) atLeastObserved += 1;
  }

  return {
    pointCount: points.length,
    pairCount: (points.length * (points.length - 1)) / 2,
    closeInSpace: spatialPairs.length,
    closeInTime,
    closeInBoth: observed,
    expectedCloseInBoth: options.permutations > 0 ? permutedTotal / options.permutations : 0,
    permutations: options.permutations,
    pValue: (1 + atLeastObserved) / (1 + options.permutations),
  };
}
