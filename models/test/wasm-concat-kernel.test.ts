import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFaceModels } from '../src/face-models.js';
import { installedWasmConcatKernel, installWasmConcatKernel } from '../src/wasm-concat-kernel.js';

interface Input {
  shape: number[];
  values: number[];
}

/** Concatenation written out from its definition: each outer row is the inputs' rows side by side. */
function expectedConcat(inputs: Input[], axis: number): number[] {
  const outer = (shape: number[]) => shape.slice(0, axis).reduce((product, size) => product * size, 1);
  const inner = (shape: number[]) => shape.slice(axis).reduce((product, size) => product * size, 1);
  const rows = Math.max(...inputs.map((input) => outer(input.shape)));
  const result: number[] = [];
  for (let row = 0; row < rows; row++) {
    for (const input of inputs) {
      const length = inner(input.shape);
      result.push(...input.values.slice(row * length, (row + 1) * length));
    }
  }
  return result;
}

function counting(shape: number[], start: number): Input {
  const size = shape.reduce((product, side) => product * side, 1);
  return { shape, values: Array.from({ length: size }, (_, index) => start + index) };
}

describe('wasm Concat kernel', () => {
  beforeAll(async () => {
    await loadFaceModels();
  });

  it('runs as the wasm Concat kernel', () => {
    expect(tf.getBackend()).toBe('wasm');
    const kernel = installedWasmConcatKernel();
    expect(kernel).toBeDefined();
    expect(tf.getKernel('Concat', 'wasm')?.kernelFunc).toBe(kernel);
  });

  it('installs only once', () => {
    const kernel = installedWasmConcatKernel();
    installWasmConcatKernel();
    expect(tf.getKernel('Concat', 'wasm')?.kernelFunc).toBe(kernel);
  });

  const cases: { name: string; inputs: Input[]; axis: number; dtype: 'float32' | 'int32' }[] = [
    {
      name: 'mean colour channels',
      inputs: [counting([1, 5, 7, 1], 0), counting([1, 5, 7, 1], 100), counting([1, 5, 7, 1], 200)],
      axis: 3,
      dtype: 'float32',
    },
    {
      name: 'mixed run lengths',
      inputs: [counting([2, 3, 4, 2], 0), counting([2, 3, 4, 40], 1000), counting([2, 3, 4, 1], 5000)],
      axis: 3,
      dtype: 'float32',
    },
    {
      name: 'int32 along axis 1',
      inputs: [counting([4, 3], -50), counting([4, 1], 7), counting([4, 5], 90)],
      axis: 1,
      dtype: 'int32',
    },
    {
      name: 'a negative axis',
      inputs: [counting([3, 2, 2], 0), counting([3, 2, 3], 50)],
      axis: -1,
      dtype: 'float32',
    },
    {
      name: 'zero rows on height',
      inputs: [counting([1, 3, 4, 8], 1), { shape: [1, 1, 4, 8], values: new Array(32).fill(0) }],
      axis: 1,
      dtype: 'float32',
    },
    {
      name: 'with an empty input',
      inputs: [counting([2, 0], 0), counting([2, 3], 10), counting([2, 2], 20)],
      axis: 1,
      dtype: 'int32',
    },
  ];

  for (const testCase of cases) {
    it(`concatenates ${testCase.name}`, async () => {
      const axis = testCase.axis < 0 ? testCase.inputs[0]!.shape.length + testCase.axis : testCase.axis;
      const tensors = testCase.inputs.map((input) => tf.tensor(input.values, input.shape, testCase.dtype));
      const result = tf.concat(tensors, testCase.axis);

      const expectedShape = [...testCase.inputs[0]!.shape];
      expectedShape[axis] = testCase.inputs.reduce((sum, input) => sum + (input.shape[axis] ?? 0), 0);
      expect(result.shape).toEqual(expectedShape);
      expect(result.dtype).toBe(testCase.dtype);
      expect(Array.from(await result.data())).toEqual(expectedConcat(testCase.inputs, axis));

      tf.dispose([...tensors, result]);
    });
  }

  it('rejects mismatched shapes', () => {
    const a = tf.zeros([2, 3, 1]);
    const b = tf.zeros([2, 4, 1]);
    expect(() => tf.concat([a, b], 2)).toThrow(/shape/i);
    tf.dispose([a, b]);
  });

  it('handles strings and booleans', async () => {
    const strings = tf.concat([tf.tensor1d(['a', 'b'], 'string'), tf.tensor1d(['c'], 'string')]);
    expect(await strings.data()).toEqual(['a', 'b', 'c']);
    const flags = tf.concat(
      [tf.tensor2d([[1], [0]], [2, 1], 'bool'), tf.tensor2d([[0], [1]], [2, 1], 'bool')],
      1,
    );
    expect(Array.from(await flags.data())).toEqual([1, 0, 0, 1]);
  });
});
