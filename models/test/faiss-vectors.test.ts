import faiss from 'faiss-node';
import { describe, expect, it } from 'vitest';
import { addVectors, trainVectors } from '../src/faiss-vectors.js';

/** faiss-node's types declare number[] only; the addon that build-faiss.sh compiles also takes typed arrays. */
function addTyped(index: faiss.Index, values: ArrayBufferView): void {
  index.add(values as unknown as number[]);
}

describe('faiss-node addon built by build-faiss.sh', () => {
  it('adds a Float32Array subarray', () => {
    const index = faiss.Index.fromFactory(2, 'Flat', faiss.MetricType.METRIC_INNER_PRODUCT);
    const packed = new Float32Array([9, 9, 1, 0, 0, 1]);
    addTyped(index, packed.subarray(2));

    expect(index.ntotal()).toBe(2);
    const { labels, distances } = index.search([0, 1], 2);
    expect(labels).toEqual([1, 0]);
    expect(distances).toEqual([1, 0]);
  });

  it('rejects other typed arrays and ragged lengths', () => {
    const index = faiss.Index.fromFactory(2, 'Flat');
    expect(() => addTyped(index, new Float64Array([1, 0]))).toThrow(TypeError);
    expect(() => addTyped(index, new Float32Array([1, 0, 1]))).toThrow(TypeError);
    expect(index.ntotal()).toBe(0);
  });
});

describe('addVectors and trainVectors', () => {
  it('train and fill an IVF index', () => {
    const dimension = 4;
    const rows = 200;
    const vectors = new Float32Array(rows * dimension);
    for (let row = 0; row < rows; row++) {
      vectors[row * dimension + (row % dimension)] = 1;
      vectors[row * dimension + ((row + 1) % dimension)] = row / rows;
    }
    const index = faiss.Index.fromFactory(dimension, 'IVF4,Flat');
    trainVectors(index, vectors);
    expect(index.isTrained()).toBe(true);

    addVectors(index, vectors, dimension);
    expect(index.ntotal()).toBe(rows);
    expect(index.search(Array.from(vectors.subarray(37 * dimension, 38 * dimension)), 1).labels).toEqual([
      37,
    ]);
  });
});
