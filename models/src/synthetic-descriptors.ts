import { DESCRIPTOR_DIMENSION } from './descriptor.js';

/**
 * Seeded synthetic unit descriptors for tests and benchmarks of the face index.
 *
 * - 'uniform': directions spread evenly over the 128-d sphere. Near neighbours are barely closer
 *   than random ones, the hardest case for an approximate index.
 * - 'identities': groups of `photosPerIdentity` vectors around a random centre (per-coordinate
 *   noise `spread`), like several photos of one person in a register.
 */
export interface SyntheticOptions {
  seed?: number;
  layout?: 'uniform' | 'identities';
  photosPerIdentity?: number;
  spread?: number;
}

export function syntheticDescriptors(count: number, options: SyntheticOptions = {}): Float32Array {
  const random = seededGaussian(options.seed ?? 1);
  const layout = options.layout ?? 'uniform';
  const photosPerIdentity = options.photosPerIdentity ?? 5;
  const spread = options.spread ?? 0.05;

  const out = new Float32Array(count * DESCRIPTOR_DIMENSION);
  const centre = new Float32Array(DESCRIPTOR_DIMENSION);
  for (let row = 0; row < count; row++) {
    const start = row * DESCRIPTOR_DIMENSION;
    if (layout === 'uniform') {
      for (let i = 0; i < DESCRIPTOR_DIMENSION; i++) out[start + i] = random();
    } else {
      if (row % photosPerIdentity === 0) {
        for (let i = 0; i < DESCRIPTOR_DIMENSION; i++) centre[i] = random();
        normaliseInPlace(centre, 0);
      }
      for (let i = 0; i < DESCRIPTOR_DIMENSION; i++)
        out[start + i] = (centre[i] as number) + random() * spread;
    }
    normaliseInPlace(out, start);
  }
  return out;
}

/** Returns a copy of row `row` moved by Gaussian noise of the given size per coordinate, re-normalised. */
export function perturbedDescriptor(
  descriptors: Float32Array,
  row: number,
  noise: number,
  seed: number,
): Float32Array {
  const random = seededGaussian(seed);
  const out = descriptors.slice(row * DESCRIPTOR_DIMENSION, (row + 1) * DESCRIPTOR_DIMENSION);
  for (let i = 0; i < DESCRIPTOR_DIMENSION; i++) out[i] = (out[i] as number) + random() * noise;
  normaliseInPlace(out, 0);
  return out;
}

function normaliseInPlace(values: Float32Array, start: number): void {
  let sumOfSquares = 0;
  for (let i = 0; i < DESCRIPTOR_DIMENSION; i++) sumOfSquares += (values[start + i] as number) ** 2;
  const norm = Math.sqrt(sumOfSquares);
  for (let i = 0; i < DESCRIPTOR_DIMENSION; i++) values[start + i] = (values[start + i] as number) / norm;
}

/** Standard normal samples from a 32-bit LCG through the Box–Muller transform. */
function seededGaussian(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}
