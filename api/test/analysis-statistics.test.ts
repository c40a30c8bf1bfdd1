// The statistics of the analysts' map against small cases computed by hand from their formulas.
import { describe, expect, it } from 'vitest';
import { parseCoordinate } from '../src/analysis/coordinates.js';
import {
  benjaminiHochberg,
  classifyHotspots,
  getisOrdGiStar,
  hexagonNeighbours,
  twoSidedPValue,
} from '../src/analysis/getis-ord.js';
import { kernelDensity, quarticKernel } from '../src/analysis/kernel-density.js';
import { closePairs, knoxTest, type SpaceTimePoint } from '../src/analysis/knox-test.js';

// Queen neighbours (edges and corners) of each cell of a 3x3 lattice numbered row by row.
function queenNeighbours(size: number): number[][] {
  const neighbours: number[][] = [];
  for (let row = 0; row < size; row += 1) {
    for (let column = 0; column < size; column += 1) {
      const around: number[] = [];
      for (let dr = -1; dr <= 1; dr += 1) {
        for (let dc = -1; dc <= 1; dc += 1) {
          const r = row + dr;
          const c = column + dc;
          if ((dr !== 0 || dc !== 0) && r >= 0 && r < size && c >= 0 && c < size) around.push(r * size + c);
        }
      }
      neighbours.push(around);
    }
  }
  return neighbours;
}

describe('Getis-Ord Gi*', () => {
  // Lattice values 1..9 row by row: n = 9, mean 5, Σx² = 285, S = √(285/9 − 25) = √6.667 = 2.582.
  const values = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  const z = getisOrdGiStar(values, queenNeighbours(3));
  const S = Math.sqrt(285 / 9 - 25);

  it('matches the formula at a corner', () => {
    // Cell 0 with cells 1, 3 and 4: sum 1 + 2 + 4 + 5 = 12, W = 4.
    // Gi* = (12 − 5·4) / (S·√((9·4 − 4²) / 8)) = −8 / (2.582·1.581) = −1.960.
    expect(z[0]).toBeCloseTo((12 - 5 * 4) / (S * Math.sqrt((9 * 4 - 16) / 8)), 10);
    expect(z[0]).toBeCloseTo(-1.9596, 4);
    // Cell 8 with 4, 5 and 7: sum 5 + 6 + 8 + 9 = 28.
    expect(z[8]).toBeCloseTo((28 - 5 * 4) / (S * Math.sqrt((9 * 4 - 16) / 8)), 10);
  });

  it('matches the formula on an edge', () => {
    // Cell 1 with 0, 2, 3, 4, 5: sum 1 + 2 + 3 + 4 + 5 + 6 = 21, W = 6.
    // Gi* = (21 − 30) / (S·√((54 − 36) / 8)) = −9 / (2.582·1.5) = −2.324.
    expect(z[1]).toBeCloseTo((21 - 5 * 6) / (S * Math.sqrt((9 * 6 - 36) / 8)), 10);
    expect(z[1]).toBeCloseTo(-2.3238, 4);
  });

  it('is zero where the weights cover every cell', () => {
    // The centre's neighbourhood covers all nine cells, so its sum is exactly the mean times W.
    expect(z[4]).toBe(0);
  });

  it('is zero when all counts are equal', () => {
    expect(getisOrdGiStar([3, 3, 3, 3], [[1], [0, 2], [1, 3], [2]])).toEqual([0, 0, 0, 0]);
  });
});

describe('two-sided p-value', () => {
  it('matches the normal table', () => {
    expect(twoSidedPValue(1.959964)).toBeCloseTo(0.05, 5);
    expect(twoSidedPValue(-2.575829)).toBeCloseTo(0.01, 5);
    expect(twoSidedPValue(1.644854)).toBeCloseTo(0.1, 5);
    expect(twoSidedPValue(0)).toBeCloseTo(1, 6);
  });
});

describe('Benjamini-Hochberg', () => {
  it('rejects up to the largest passing rank', () => {
    // m = 5, α = 0.05. Sorted: 0.005 ≤ 0.01, 0.01 ≤ 0.02, 0.03 ≤ 0.03, 0.04 ≤ 0.04, 0.5 > 0.05.
    expect(benjaminiHochberg([0.01, 0.04, 0.03, 0.005, 0.5], 0.05)).toEqual([true, true, true, true, false]);
    // α = 0.01: thresholds 0.002, 0.004, 0.006, 0.008, 0.01 and no p_(k) is at or below its own.
    expect(benjaminiHochberg([0.01, 0.04, 0.03, 0.005, 0.5], 0.01)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('steps up past a failing first rank', () => {
    // m = 2, α = 0.05: p_(1) = 0.03 > 0.025 fails, but p_(2) = 0.031 ≤ 0.05 passes, so both are rejected.
    expect(benjaminiHochberg([0.031, 0.03], 0.05)).toEqual([true, true]);
  });
});

describe('hotspot classes', () => {
  it('marks a strong peak hot at 99%', () => {
    // A 7x7 lattice (rook neighbours) with zeros except a block of 20s at the centre.
    const size = 7;
    const values = Array.from({ length: size * size }, (_, index) => {
      const row = Math.floor(index / size);
      const column = index % size;
      return Math.abs(row - 3) <= 1 && Math.abs(column - 3) <= 1 ? 20 : 0;
    });
    const neighbours = values.map((_, index) => {
      const row = Math.floor(index / size);
      const column = index % size;
      const around: number[] = [];
      if (row > 0) around.push(index - size);
      if (row < size - 1) around.push(index + size);
      if (column > 0) around.push(index - 1);
      if (column < size - 1) around.push(index + 1);
      return around;
    });
    const cells = classifyHotspots(values, neighbours);
    const centre = cells[3 * size + 3];
    expect(centre?.class).toBe('hot');
    expect(centre?.confidence).toBe(99);
    expect(cells[0]?.class).toBe('none');
  });
});

describe('hexagon neighbours', () => {
  it('follows the ST_HexagonGrid layout', () => {
    // Odd columns sit half a row higher: (1, 0) is centred at y = 0.866·size and touches
    // (0, 0), (0, 1), (2, 0), (2, 1), (1, −1) and (1, 1).
    const cells = [
      { i: 1, j: 0 },
      { i: 0, j: 0 },
      { i: 0, j: 1 },
      { i: 2, j: 0 },
      { i: 2, j: 1 },
      { i: 1, j: -1 },
      { i: 1, j: 1 },
      { i: 0, j: -1 },
      { i: 3, j: 0 },
    ];
    expect(hexagonNeighbours(cells)[0]?.sort()).toEqual([1, 2, 3, 4, 5, 6]);
    // Even column 0, row 0 (centre y = 0) touches (1, −1) and (1, 0) on the right, (0, ±1) above and below.
    expect(hexagonNeighbours(cells)[1]?.sort()).toEqual([0, 2, 5, 7]);
    // A negative odd column is odd too: (−1, 0) sits at y = 0.866 and touches (0, 0) and (0, 1).
    const negative = hexagonNeighbours([
      { i: -1, j: 0 },
      { i: 0, j: 0 },
      { i: 0, j: 1 },
      { i: 0, j: -1 },
    ]);
    expect(negative[0]?.sort()).toEqual([1, 2]);
  });
});

describe('Knox test', () => {
  // Places in metres and times in days. Within 1,000 m: A-B (500), A-C (800), B-C (943), D-E (300).
  // Within 7 days: every pair without C (C is at day 30), 10 of them. Within both: A-B and D-E.
  const day = 86_400_000;
  const points: SpaceTimePoint[] = [
    { x: 0, y: 0, t: 0 },
    { x: 500, y: 0, t: 3 * day },
    { x: 0, y: 800, t: 30 * day },
    { x: 10_000, y: 0, t: 1 * day },
    { x: 10_300, y: 0, t: 2 * day },
    { x: 20_000, y: 20_000, t: 0 },
  ];

  it('counts the pairs of the contingency table', () => {
    const result = knoxTest(points, { distance: 1000, window: 7 * day, permutations: 99, seed: 7 });
    expect(result.pairCount).toBe(15);
    expect(result.closeInSpace).toBe(4);
    expect(result.closeInTime).toBe(10);
    expect(result.closeInBoth).toBe(2);
    expect(
      closePairs(points, 1000)
        .map((pair) => pair.join('-'))
        .sort(),
    ).toEqual(['0-1', '0-2', '1-2', '3-4']);
  });

  it('estimates the exact permutation p-value', () => {
    // The exact p-value: the share of all 720 assignments of the six times to the six places with
    // at least 2 pairs close in both.
    const times = points.map((point) => point.t);
    const pairs = closePairs(points, 1000);
    let atLeast = 0;
    let total = 0;
    const permute = (remaining: number[], chosen: number[]) => {
      if (remaining.length === 0) {
        total += 1;
        const both = pairs.filter(
          ([a, b]) => Math.abs((chosen[a] as number) - (chosen[b] as number)) <= 7 * day,
        );
        if (both.length >= 2) atLeast += 1;
        return;
      }
      remaining.forEach((value, index) => {
        permute([...remaining.slice(0, index), ...remaining.slice(index + 1)], [...chosen, value]);
      });
    };
    permute(times, []);
    expect(total).toBe(720);

    const result = knoxTest(points, { distance: 1000, window: 7 * day, permutations: 9999, seed: 42 });
    expect(result.pValue).toBeGreaterThan(atLeast / total - 0.02);
    expect(result.pValue).toBeLessThan(atLeast / total + 0.02);
  });

  it('repeats its p-value with the same seed', () => {
    const options = { distance: 1000, window: 7 * day, permutations: 199, seed: 5 };
    expect(knoxTest(points, options).pValue).toBe(knoxTest(points, options).pValue);
  });
});

describe('quartic kernel density', () => {
  it('matches the kernel formula', () => {
    // K(0) = 3 / (π·h²); K(h/2) = 3 / (π·h²) · (1 − 1/4)² = 0.5625 · K(0); zero at and past h.
    expect(quarticKernel(0, 1000)).toBeCloseTo(3 / (Math.PI * 1e6), 15);
    expect(quarticKernel(500, 1000)).toBeCloseTo((3 / (Math.PI * 1e6)) * 0.5625, 15);
    expect(quarticKernel(1000, 1000)).toBe(0);
  });

  it('sums two points and integrates to their count', () => {
    // Points at (0, 0) with weight 1 and (500, 0) with weight 2; cells of 50 m from −1,500 m.
    const grid = kernelDensity(
      [
        { x: 0, y: 0, weight: 1 },
        { x: 500, y: 0, weight: 2 },
      ],
      { originX: -1500, originY: -1500, cellSize: 50, columns: 81, rows: 61 },
      1000,
    );
    // The cell centred at (0, 0) is column 30, row 30: 1·K(0) + 2·K(500), per km².
    const atOrigin = grid.density[30 * 81 + 30] as number;
    expect(atOrigin).toBeCloseTo((1 + 2 * 0.5625) * (3 / Math.PI), 9);
    // Each cell is 0.0025 km²; the kernel integrates to 1, so the surface sums to 3 incidents.
    const total = grid.density.reduce((sum, value) => sum + value * 0.0025, 0);
    expect(total).toBeGreaterThan(2.97);
    expect(total).toBeLessThan(3.03);
  });
});

describe('coordinate parsing', () => {
  it('reads decimal commas', () => {
    expect(parseCoordinate('31,5204', 'lat')).toEqual({ ok: true, value: 31.5204 });
  });

  it('reads degrees, minutes and seconds', () => {
    const parsed = parseCoordinate(`31°30'15"N`, 'lat');
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.value).toBeCloseTo(31 + 30 / 60 + 15 / 3600, 12);
    const west = parseCoordinate('74° 20′ 30″ W', 'lon');
    if (!west.ok) throw new Error(west.problem);
    expect(west.value).toBeCloseTo(-(74 + 20 / 60 + 30 / 3600), 12);
  });

  it('rejects 60 or more minutes', () => {
    const parsed = parseCoordinate(`31°75'00"N`, 'lat');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toContain('75 minutes');
  });

  it('flags a longitude hemisphere on a latitude', () => {
    const parsed = parseCoordinate(`74°20'E`, 'lat');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toContain('swapped');
  });

  it('rejects text that is no coordinate', () => {
    expect(parseCoordinate('Lahore', 'lat').ok).toBe(false);
    expect(parseCoordinate('95', 'lat').ok).toBe(false);
  });
});
