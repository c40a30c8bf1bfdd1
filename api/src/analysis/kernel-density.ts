/** A weighted point in projected metres: `weight` incidents at (x, y). */
export interface WeightedPoint {
  x: number;
  y: number;
  weight: number;
}

export interface DensityGrid {
  /** Projected coordinates of the centre of cell (0, 0), in metres. */
  originX: number;
  originY: number;
  cellSize: number;
  columns: number;
  rows: number;
  /** Incidents per square kilometre, row by row from the bottom (south) row. */
  density: Float64Array;
}

/**
 * Evaluates the quartic (biweight) kernel in two dimensions: K(d) = 3 / (π·h²) · (1 − d²/h²)² for d < h and 0
 * beyond. It integrates to 1 over the plane, so the surface integrates to the number of incidents.
 * Returns the value per square metre.
 */
export function quarticKernel(distance: number, bandwidth: number): number {
  if (distance >= bandwidth) return 0;
  const ratio = (distance * distance) / (bandwidth * bandwidth);
  return (3 / (Math.PI * bandwidth * bandwidth)) * (1 - ratio) ** 2;
}

/**
 * Computes the kernel density of `points` at the centre of each cell of a grid, in incidents per km². Each
 * point adds to the cells whose centres lie within the bandwidth, so the work grows with the number
 * of points times (bandwidth / cell size)².
 */
export function kernelDensity(
  points: readonly WeightedPoint[],
  grid: { originX: number; originY: number; cellSize: number; columns: number; rows: number },
  bandwidth: number,
): DensityGrid {
  const density = new Float64Array(grid.columns * grid.rows);
  const reach = Math.ceil(bandwidth / grid.cellSize);
  for (const point of points) {
    const centreColumn = Math.round((point.x - grid.originX) / grid.cellSize);
    const centreRow = Math.round((point.y - grid.originY) / grid.cellSize);
    for (
      let row = Math.max(0, centreRow - reach);
      row <= Math.min(grid.rows - 1, centreRow + reach);
      row += 1
    ) {
      for (
        let column = Math.max(0, centreColumn - reach);
        column <= Math.min(grid.columns - 1, centreColumn + reach);
        column += 1
      ) {
        const dx = grid.originX + column * grid.cellSize - point.x;
        const dy = grid.originY + row * grid.cellSize - point.y;
        const value = quarticKernel(Math.sqrt(dx * dx + dy * dy), bandwidth);
        const cell = row * grid.columns + column;
        if (value > 0) density[cell] = (density[cell] as number) + point.weight * value * 1_000_000;
      }
    }
  }
  return { ...grid, density };
}
