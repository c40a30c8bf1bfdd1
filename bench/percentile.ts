/**
 * Returns the value at `share` (0.5 for p50, 0.99 for p99) of an ascending array: the element at
 * floor(share × length), or the last one. Returns 0 for an empty array.
 */
export function percentileOfSorted(sorted: readonly number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0;
}
