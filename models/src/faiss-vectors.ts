import faiss from 'faiss-node';

/**
 * Passing packed Float32Array batches to faiss-node's `add` and `train`.
 *
 * The addon that scripts/build-faiss.sh compiles accepts a Float32Array and hands its memory to
 * faiss. An addon built another way accepts only JS arrays, which it copies element by element
 * (17–55 s for 1M descriptors), so these helpers fall back to arrays in chunks when a
 * Float32Array is rejected.
 */

/** Vectors per JS array when the addon takes arrays only; the chunks bound the extra memory. */
const ARRAY_CHUNK_VECTORS = 4096;

let acceptsFloat32Array: boolean | undefined;

/** Adds packed rows of `dimension` values to a faiss index. */
export function addVectors(index: faiss.Index, vectors: Float32Array, dimension: number): void {
  if (supportsFloat32Array()) {
    index.add(vectors as unknown as number[]);
    return;
  }
  for (let start = 0; start < vectors.length; start += ARRAY_CHUNK_VECTORS * dimension) {
    index.add(Array.from(vectors.subarray(start, start + ARRAY_CHUNK_VECTORS * dimension)));
  }
}

/** Trains a faiss index on packed rows in one call, because faiss trains on the whole sample at once. */
export function trainVectors(index: faiss.Index, vectors: Float32Array): void {
  if (supportsFloat32Array()) {
    index.train(vectors as unknown as number[]);
    return;
  }
  index.train(Array.from(vectors));
}

/**
 * Checks once per process whether the addon takes typed arrays, by adding an empty batch to a
 * throwaway flat index (an untrained IVF index would abort the process on add).
 */
function supportsFloat32Array(): boolean {
  if (acceptsFloat32Array === undefined) {
    try {
      faiss.Index.fromFactory(1, 'Flat').add(new Float32Array(0) as unknown as number[]);
      acceptsFloat32Array = true;
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      acceptsFloat32Array = false;
    }
  }
  return acceptsFloat32Array;
}
