import { describe, expect, it } from 'vitest';
import {
  DESCRIPTOR_DIMENSION,
  descriptorSimilarity,
  isUnitDescriptor,
  toUnitDescriptor,
} from '../src/descriptor.js';
import { DescriptorError } from '../src/errors.js';

function descriptorOf(value: number): number[] {
  return Array.from({ length: DESCRIPTOR_DIMENSION }, () => value);
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof DescriptorError ? error.code : `not a DescriptorError: ${error}`;
  }
  return undefined;
}

describe('toUnitDescriptor', () => {
  it('normalises to unit length', () => {
    const unit = toUnitDescriptor(descriptorOf(3));
    expect(isUnitDescriptor(unit)).toBe(true);
    expect(unit[0]).toBeCloseTo(1 / Math.sqrt(DESCRIPTOR_DIMENSION), 6);
  });

  it('rejects a dimension mismatch', () => {
    expect(codeOf(() => toUnitDescriptor(new Float32Array(127).fill(1)))).toBe(
      'DESCRIPTOR_DIMENSION_MISMATCH',
    );
    expect(codeOf(() => toUnitDescriptor(new Float32Array(512).fill(1)))).toBe(
      'DESCRIPTOR_DIMENSION_MISMATCH',
    );
  });

  it('rejects NaN and Infinity', () => {
    const withNaN = descriptorOf(0.1);
    withNaN[17] = Number.NaN;
    expect(codeOf(() => toUnitDescriptor(withNaN))).toBe('DESCRIPTOR_NOT_FINITE');

    const withInfinity = new Float32Array(DESCRIPTOR_DIMENSION).fill(0.1);
    withInfinity[0] = Number.POSITIVE_INFINITY;
    expect(codeOf(() => toUnitDescriptor(withInfinity))).toBe('DESCRIPTOR_NOT_FINITE');
  });

  it('rejects the zero vector and non-numbers', () => {
    expect(codeOf(() => toUnitDescriptor(descriptorOf(0)))).toBe('DESCRIPTOR_ZERO_NORM');
    const withString = descriptorOf(1) as unknown[];
    withString[3] = '0.5';
    expect(codeOf(() => toUnitDescriptor(withString as number[]))).toBe('DESCRIPTOR_NOT_NUMERIC');
    expect(codeOf(() => toUnitDescriptor(null as unknown as number[]))).toBe('DESCRIPTOR_NOT_NUMERIC');
  });

  it('names the field in the error', () => {
    try {
      toUnitDescriptor([1, 2, 3], 'probe');
      expect.unreachable();
    } catch (error) {
      expect((error as DescriptorError).field).toBe('probe');
      expect((error as DescriptorError).message).toContain('probe has 3 values, expected 128');
    }
  });
});

describe('descriptorSimilarity', () => {
  it('is 1 for the same direction and -1 for the opposite', () => {
    const a = toUnitDescriptor(descriptorOf(2));
    const b = toUnitDescriptor(descriptorOf(-5));
    expect(descriptorSimilarity(a, a)).toBeCloseTo(1, 5);
    expect(descriptorSimilarity(a, b)).toBeCloseTo(-1, 5);
  });
});
