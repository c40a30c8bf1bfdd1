import { DESCRIPTOR_DIMENSION } from './descriptor.js';

/**
 * Seeded synthetic unit descriptors for tests and benchmarks of the face index.
 *
 * - 'uniform': directions spread evenly over the 128-d sphere. Near neighbours are barely closer
 *   than random ones, the hardest case for an approximate index.
 * - 'identities': groups of `photosPerIdentity` vectors around a uniform random centre.
 * - 'faces': groups of photos shaped like real face-api descriptors (see FACE_LAYOUT).
 */
export type SyntheticLayout = 'uniform' | 'identities' | 'faces';

export interface SyntheticOptions {
  seed?: number;
  layout?: SyntheticLayout;
  photosPerIdentity?: number;
}

/**
 * Shape of the 'faces' layout, fitted to 91 face-api descriptors of the photo set that
 * bench/faces-bench.ts reads by default. Their mean has norm 0.92, and the spread around it lies
 * in few directions: 10 principal components carry 70% of the variance, a participation ratio of
 * about 14. Photos of different people score about 0.82, photos of one person about 0.95.
 * Per-coordinate variances falling as k^-1.1 give the same participation ratio.
 */
const PHOTO_VARIANCE = 0.058;
const FACE_LAYOUT = {
  spectrumExponent: 1.1,
  /**
   * Spread of identity centres around a unit mean. Two photos of different people then score
   * 1 / (1 + identityVariance + photoVariance) = 0.82 on average.
   */
  identityVariance: 1 / 0.82 - 1 - PHOTO_VARIANCE,
  /** Spread of one person's photos; two of them score (1 + identityVariance) / 1.22 ≈ 0.95. */
  photoVariance: PHOTO_VARIANCE,
};

/** Identity (group) of a row in the 'identities' and 'faces' layouts. */
export function identityOfRow(row: number, photosPerIdentity = 5): number {
  return Math.floor(row / photosPerIdentity);
}

export function syntheticDescriptors(count: number, options: SyntheticOptions = {}): Float32Array {
  const seed = options.seed ?? 1;
  const layout = options.layout ?? 'uniform';
  const photosPerIdentity = options.photosPerIdentity ?? 5;
  const out = new Float32Array(count * DESCRIPTOR_DIMENSION);

  if (layout === 'uniform') {
    const random = seededGaussian(seed);
    for (let i = 0; i < out.length; i++) out[i] = random();
  } else {
    for (let row = 0; row < count; row++) {
      const photo = syntheticPhoto(seed, layout, identityOfRow(row, photosPerIdentity), row + 1);
      out.set(photo, row * DESCRIPTOR_DIMENSION);
    }
  }

  for (let row = 0; row < count; row++) normaliseInPlace(out, row * DESCRIPTOR_DIMENSION);
  return out;
}

/**
 * Returns a new photo of the identity of `row`: for 'identities' and 'faces' a fresh sample around
 * the identity's centre, for 'uniform' the row moved by Gaussian noise of 0.03 per coordinate.
 */
export function syntheticQuery(
  descriptors: Float32Array,
  row: number,
  querySeed: number,
  options: SyntheticOptions = {},
): Float32Array {
  const layout = options.layout ?? 'uniform';
  if (layout === 'uniform') {
    return perturbedDescriptor(descriptors, row, 0.03, querySeed);
  }
  const identity = identityOfRow(row, options.photosPerIdentity ?? 5);
  const photo = syntheticPhoto(options.seed ?? 1, layout, identity, -querySeed);
  normaliseInPlace(photo, 0);
  return photo;
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

/** Generates one unnormalised photo descriptor: the identity's centre plus photo noise, each seeded separately. */
function syntheticPhoto(
  seed: number,
  layout: 'identities' | 'faces',
  identity: number,
  photo: number,
): Float32Array {
  const centreRandom = seededGaussian(mix(seed, identity));
  const photoRandom = seededGaussian(mix(seed ^ 0x5bd1e995, photo));
  const out = new Float32Array(DESCRIPTOR_DIMENSION);

  if (layout === 'identities') {
    for (let i = 0; i < DESCRIPTOR_DIMENSION; i++) out[i] = centreRandom();
    normaliseInPlace(out, 0);
    for (let i = 0; i < DESCRIPTOR_DIMENSION; i++) out[i] = (out[i] as number) + photoRandom() * 0.05;
    return out;
  }

  const deviations = faceLayoutDeviations();
  // Coordinate 0 carries the shared mean direction; the others the identity and photo spread.
  out[0] = 1;
  for (let i = 1; i < DESCRIPTOR_DIMENSION; i++) {
    const deviation = deviations[i] as number;
    out[i] =
      centreRandom() * deviation * Math.sqrt(FACE_LAYOUT.identityVariance) +
      photoRandom() * deviation * Math.sqrt(FACE_LAYOUT.photoVariance);
  }
  return out;
}

let cachedDeviations: Float64Array | undefined;

/** Per-coordinate standard deviations with variances ∝ k^-exponent, scaled to total variance 1. */
function faceLayoutDeviations(): Float64Array {
  if (!cachedDeviations) {
    const variances = new Float64Array(DESCRIPTOR_DIMENSION);
    let total = 0;
    for (let k = 1; k < DESCRIPTOR_DIMENSION; k++) {
      variances[k] = k ** -FACE_LAYOUT.spectrumExponent;
      total += variances[k] as number;
    }
    cachedDeviations = variances.map((variance) => Math.sqrt(variance / total));
  }
  return cachedDeviations;
}

function normaliseInPlace(values: Float32Array, start: number): void {
  let sumOfSquares = 0;
  for (let i = 0; i < DESCRIPTOR_DIMENSION; i++) sumOfSquares += (values[start + i] as number) ** 2;
  const norm = Math.sqrt(sumOfSquares);
  for (let i = 0; i < DESCRIPTOR_DIMENSION; i++) values[start + i] = (values[start + i] as number) / norm;
}

function mix(seed: number, value: number): number {
  return (Math.imul(seed ^ value, 0x9e3779b1) ^ (value >>> 7)) >>> 0;
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
