import { DescriptorError } from './errors.js';

/** Length of the face-api (dlib ResNet) face descriptor. */
export const DESCRIPTOR_DIMENSION = 128;

/** Allowed distance of a stored descriptor's L2 norm from 1 before it counts as not normalised. */
const UNIT_NORM_TOLERANCE = 1e-3;

export type DescriptorInput = Float32Array | Float64Array | readonly number[];

/**
 * Validates a descriptor and returns a unit-length Float32Array copy of it.
 *
 * Rejects a wrong length, non-numbers, NaN/Infinity and the zero vector with a DescriptorError,
 * because a single NaN makes every inner product in a faiss search NaN.
 */
export function toUnitDescriptor(input: DescriptorInput, field = 'descriptor'): Float32Array {
  if (input === null || typeof input !== 'object' || typeof input.length !== 'number') {
    throw new DescriptorError(
      'DESCRIPTOR_NOT_NUMERIC',
      `${field} must be an array of ${DESCRIPTOR_DIMENSION} numbers`,
      field,
    );
  }
  if (input.length !== DESCRIPTOR_DIMENSION) {
    throw new DescriptorError(
      'DESCRIPTOR_DIMENSION_MISMATCH',
      `${field} has ${input.length} values, expected ${DESCRIPTOR_DIMENSION}; it must come from the same face model`,
      field,
    );
  }

  let sumOfSquares = 0;
  for (let i = 0; i < DESCRIPTOR_DIMENSION; i++) {
    const value = input[i];
    if (typeof value !== 'number') {
      throw new DescriptorError('DESCRIPTOR_NOT_NUMERIC', `${field}[${i}] is not a number`, field);
    }
    if (!Number.isFinite(value)) {
      throw new DescriptorError(
        'DESCRIPTOR_NOT_FINITE',
        `${field}[${i}] is ${value}; descriptors must contain finite numbers only`,
        field,
      );
    }
    sumOfSquares += value * value;
  }

  const norm = Math.sqrt(sumOfSquares);
  if (!(norm > 1e-12)) {
    throw new DescriptorError(
      'DESCRIPTOR_ZERO_NORM',
      `${field} is the zero vector and has no direction`,
      field,
    );
  }

  const unit = new Float32Array(DESCRIPTOR_DIMENSION);
  for (let i = 0; i < DESCRIPTOR_DIMENSION; i++) {
    unit[i] = (input[i] as number) / norm;
  }
  return unit;
}

/** Returns true when the descriptor's L2 norm is 1 within the tolerance used for stored descriptors. */
export function isUnitDescriptor(descriptor: ArrayLike<number>): boolean {
  let sumOfSquares = 0;
  for (let i = 0; i < descriptor.length; i++) {
    const value = descriptor[i] as number;
    sumOfSquares += value * value;
  }
  return Math.abs(Math.sqrt(sumOfSquares) - 1) <= UNIT_NORM_TOLERANCE;
}

/** Cosine similarity of two unit descriptors (their inner product), in [-1, 1]. */
export function descriptorSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new DescriptorError(
      'DESCRIPTOR_DIMENSION_MISMATCH',
      `cannot compare descriptors of length ${a.length} and ${b.length}`,
      'descriptor',
    );
  }
  let dot = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
  }
  return dot;
}
