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

describe('vectorised distances (scripts/faiss-vector-distances.cc)', () => {
  /** Returns seeded values in [-1, 1), so that a failure can be replayed. */
  function seededValues(count: number, seed: number): number[] {
    let state = seed;
    return Array.from({ length: count }, () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state / 1073741824 - 1;
    });
  }

  // 13 and 131 leave a remainder after any SIMD width, and 128 is the descriptor dimension.
  for (const dimension of [1, 13, 128, 131]) {
    it(`distances match double precision, d = ${dimension}`, () => {
      const stored = seededValues(dimension * 50, dimension);
      const query = seededValues(dimension, dimension + 1000);
      const row = (i: number) => stored.slice(i * dimension, (i + 1) * dimension);
      const dot = (a: number[], b: number[]) =>
        a.reduce((sum, value, i) => sum + value * (b[i] as number), 0);
      const squaredDistance = (a: number[], b: number[]) =>
        a.reduce((sum, value, i) => sum + (value - (b[i] as number)) ** 2, 0);

      for (const [metric, distance] of [
        [faiss.MetricType.METRIC_INNER_PRODUCT, dot],
        [faiss.MetricType.METRIC_L2, squaredDistance],
      ] as const) {
        const index = faiss.Index.fromFactory(dimension, 'Flat', metric);
        index.add(stored);
        const { labels, distances } = index.search(query, 50);
        labels.forEach((label, i) => {
          const expected = distance(row(label), query);
          expect(Math.abs((distances[i] as number) - expected)).toBeLessThan(
            1e-4 * Math.max(1, Math.abs(expected)),
          );
        });
        // Every stored row is returned once, so the order covers all 50 distances.
        expect(new Set(labels).size).toBe(50);
      }
    });
  }
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
