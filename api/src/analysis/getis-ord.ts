/**
 * Getis-Ord Gi* (Getis and Ord 1992, Ord and Getis 1995) with binary weights. For cell i with the
 * neighbour set N(i), which includes i itself:
 *
 *   Gi* = (Σ_{j∈N(i)} x_j − x̄·W_i) / (S · √((n·W_i − W_i²) / (n − 1)))
 *
 * where n is the number of cells, x̄ the mean count, S = √(Σx²/n − x̄²) and W_i = |N(i)| (with binary
 * weights Σw² = Σw = W_i). Gi* is a z-score. When every cell has the same count, S is 0 and every
 * z-score is 0.
 *
 * `neighbours[i]` lists the indexes of the cells next to i, without i.
 */
export function getisOrdGiStar(
  values: readonly number[],
  neighbours: readonly (readonly number[])[],
): number[] {
  const n = values.length;
  if (n < 2) return values.map(() => 0);
  let sum = 0;
  let sumOfSquares = 0;
  for (const value of values) {
    sum += value;
    sumOfSquares += value * value;
  }
  const mean = sum / n;
  const variance = sumOfSquares / n - mean * mean;
  // Rounding can leave a tiny negative or positive variance for equal counts.
  if (variance <= 1e-12 * Math.max(1, mean * mean)) return values.map(() => 0);
  const standardDeviation = Math.sqrt(variance);

  return values.map((value, index) => {
    const around = neighbours[index] ?? [];
    let local = value;
    for (const other of around) local += values[other] ?? 0;
    const weight = around.length + 1;
    const numerator = local - mean * weight;
    const denominator = standardDeviation * Math.sqrt((n * weight - weight * weight) / (n - 1));
    return denominator === 0 ? 0 : numerator / denominator;
  });
}

/**
 * Computes erfc(x) by the rational approximation known as Abramowitz and Stegun formula 7.1.26. The
 * tests check the p-values built on it against normal-table values to 5 decimal places.
 */
function complementaryErrorFunction(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const polynomial =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const value = polynomial * Math.exp(-x * x);
  return x >= 0 ? value : 2 - value;
}

/** Returns the two-sided p-value of a standard normal z-score. */
export function twoSidedPValue(z: number): number {
  return Math.min(1, complementaryErrorFunction(Math.abs(z) / Math.SQRT2));
}

/**
 * Applies the Benjamini-Hochberg step-up procedure. With the p-values sorted ascending, it finds the
 * largest k with p_(k) ≤ k·α/m and rejects the k smallest. Returns, for each input, whether it is
 * rejected (significant) at false-discovery rate α.
 */
export function benjaminiHochberg(pValues: readonly number[], alpha: number): boolean[] {
  const m = pValues.length;
  const order = pValues.map((p, index) => ({ p, index })).sort((left, right) => left.p - right.p);
  let cutoff = -1;
  order.forEach(({ p }, rank) => {
    if (p <= ((rank + 1) * alpha) / m) cutoff = rank;
  });
  const significant = pValues.map(() => false);
  for (let rank = 0; rank <= cutoff; rank += 1) significant[(order[rank] as { index: number }).index] = true;
  return significant;
}

export type HotspotClass = 'hot' | 'cold' | 'none';

export interface HotspotCell {
  z: number;
  p: number;
  /** 99, 95 or 90 when the cell passes the Benjamini-Hochberg test at FDR 1%, 5% or 10%; 0 otherwise. */
  confidence: 0 | 90 | 95 | 99;
  class: HotspotClass;
}

/** Computes the Gi* z-scores, their p-values and each cell's confidence level after the FDR correction. */
export function classifyHotspots(
  values: readonly number[],
  neighbours: readonly (readonly number[])[],
): HotspotCell[] {
  const zScores = getisOrdGiStar(values, neighbours);
  const pValues = zScores.map(twoSidedPValue);
  const at99 = benjaminiHochberg(pValues, 0.01);
  const at95 = benjaminiHochberg(pValues, 0.05);
  const at90 = benjaminiHochberg(pValues, 0.1);
  return zScores.map((z, index) => {
    let confidence: HotspotCell['confidence'] = 0;
    if (at99[index]) confidence = 99;
    else if (at95[index]) confidence = 95;
    else if (at90[index]) confidence = 90;

    let hotspotClass: HotspotClass = 'none';
    if (confidence > 0) hotspotClass = z > 0 ? 'hot' : 'cold';
    return { z, p: pValues[index] as number, confidence, class: hotspotClass };
  });
}

/**
 * Finds, for each cell of a PostGIS ST_HexagonGrid, the indexes of the cells in `cells` that share an
 * edge with it. The grid has flat-topped hexagons, and odd columns i sit half a row higher.
 */
export function hexagonNeighbours(cells: readonly { i: number; j: number }[]): number[][] {
  const indexOf = new Map<string, number>();
  cells.forEach((cell, index) => {
    indexOf.set(`${cell.i}:${cell.j}`, index);
  });
  return cells.map(({ i, j }) => {
    const odd = Math.abs(i % 2) === 1;
    const sideRows = odd ? [j, j + 1] : [j - 1, j];
    const candidates: [number, number][] = [
      [i, j - 1],
      [i, j + 1],
      ...sideRows.flatMap((row): [number, number][] => [
        [i - 1, row],
        [i + 1, row],
      ]),
    ];
    const found: number[] = [];
    for (const [column, row] of candidates) {
      const index = indexOf.get(`${column}:${row}`);
      if (index !== undefined) found.push(index);
    }
    return found;
  });
}
