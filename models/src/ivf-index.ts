import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import faiss from 'faiss-node';
import { DESCRIPTOR_DIMENSION } from './descriptor.js';
import { FaceIndexError } from './errors.js';
import { readFaissIndex } from './faiss-read.js';
import { trainVectors } from './faiss-vectors.js';
import { type IvfParameters, MAX_IVF_LISTS, readIvfParameters, writeIvfProbes } from './ivf-parameters.js';

/**
 * Training and file handling for the IVF kind of FaceIndex: faiss "IVF{nlist},Flat" with inner
 * product. k-means splits the gallery into nlist lists, and a search scans only the nprobe lists
 * whose centroids are nearest the query. A build therefore costs one k-means run plus one
 * nearest-centroid lookup per face, far less than inserting every face into an HNSW graph.
 */
export const IVF_DEFAULTS = {
  /**
   * nlist = this × √(gallery size). The common rule of thumb is 4 × √n, but k-means time grows
   * with nlist². At 1M faces 4,000 lists built in 38 s against 15 s for 2,000, and searched faster
   * for a given recall (bench/README.md). This kind is for fast builds, so it takes the smaller.
   */
  listsPerSqrtFaces: 2,
  /** faiss's k-means warns below 39 training vectors per centroid, so the sample has that many. */
  trainingFacesPerList: 39,
  /**
   * nprobe = this share of nlist, rounded up, but at least minProbes (and at most nlist). The
   * values are the smallest that kept recall@10 at 0.95 or more on the 'faces' synthetic layout of
   * bench/face-index-bench.ts. At 100k faces (632 lists) recall was 0.934 with 79 lists scanned and
   * 0.974 with 127. At 1M faces (2,000 lists) it was 0.901 with 100 and 0.958 with 200.
   * Scanning fewer lists is what keeps a 1M search fast, so the share is no larger than that.
   * NOTE: real galleries may need other values, which `ivfProbes` sets.
   */
  probedListShare: 1 / 10,
  minProbes: 128,
  trainingSeed: 1,
} as const;

export interface IvfOptions {
  /** nlist; by default ivfListCount(gallery size). */
  ivfLists?: number;
  /** nprobe, from 1 to nlist; by default ivfProbeCount(nlist). */
  ivfProbes?: number;
}

/**
 * Returns the default nlist for a gallery: 2 × √faces, lowered so that every list gets at least
 * 39 training vectors, and at least 1.
 */
export function ivfListCount(faces: number): number {
  const bySize = Math.round(IVF_DEFAULTS.listsPerSqrtFaces * Math.sqrt(faces));
  const byTraining = Math.floor(faces / IVF_DEFAULTS.trainingFacesPerList);
  return Math.max(1, Math.min(bySize, byTraining));
}

/** Returns the default nprobe for nlist lists: 1/10 of them, at least 128, at most all. */
export function ivfProbeCount(lists: number): number {
  const byShare = Math.ceil(lists * IVF_DEFAULTS.probedListShare);
  return Math.min(lists, Math.max(IVF_DEFAULTS.minProbes, byShare));
}

/**
 * Creates an IndexIVFFlat trained by k-means on a seeded sample of `unitDescriptors` (packed unit
 * rows), with nprobe set by patching the saved empty index. It does not add the gallery.
 */
export async function createTrainedIvfIndex(
  unitDescriptors: Float32Array,
  options: IvfOptions,
): Promise<{ index: faiss.Index; parameters: IvfParameters }> {
  const faces = unitDescriptors.length / DESCRIPTOR_DIMENSION;
  const lists = options.ivfLists ?? ivfListCount(faces);
  if (!Number.isInteger(lists) || lists < 1 || lists > MAX_IVF_LISTS) {
    throw new FaceIndexError(
      'FACE_INDEX_OPTIONS_INVALID',
      `ivfLists must be an integer from 1 to ${MAX_IVF_LISTS}, got ${lists}`,
      'ivfLists',
    );
  }
  // faiss's k-means throws when it has fewer training vectors than centroids, and faiss-node does
  // not catch exceptions from train(), so that would abort the process.
  if (faces < lists) {
    throw new FaceIndexError(
      'FACE_INDEX_OPTIONS_INVALID',
      `an IVF index with ${lists} lists needs at least ${lists} faces to train on, got ${faces}; build a flat index or pass a smaller ivfLists`,
      'ivfLists',
    );
  }
  const probes = options.ivfProbes ?? ivfProbeCount(lists);

  const untrained = faiss.Index.fromFactory(
    DESCRIPTOR_DIMENSION,
    `IVF${lists},Flat`,
    faiss.MetricType.METRIC_INNER_PRODUCT,
  );
  const sampleSize = Math.min(faces, lists * IVF_DEFAULTS.trainingFacesPerList);
  trainVectors(untrained, sampleRows(unitDescriptors, sampleSize, IVF_DEFAULTS.trainingSeed));
  if (!untrained.isTrained()) {
    throw new Error(`faiss did not train the IVF index on ${sampleSize} descriptors`);
  }

  const directory = await mkdtemp(path.join(os.tmpdir(), 'talash-ivf-'));
  const file = path.join(directory, 'trained.faiss');
  try {
    untrained.write(file);
    await writeIvfProbes(file, probes);
    return { index: await readFaissIndex(file), parameters: await readIvfParameters(file) };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/**
 * Reads a saved IVF index. The file, not the JSON id map, decides how it searches, and reading its
 * parameters also checks the file layout. A different nprobe is applied to a temporary copy, so the
 * saved file is left unchanged.
 */
export async function readIvfIndexFile(
  file: string,
  probes: number | undefined,
): Promise<{ index: faiss.Index; parameters: IvfParameters }> {
  const saved = await readIvfParameters(file);
  if (probes === undefined || probes === saved.probes) {
    return { index: await readFaissIndex(file), parameters: saved };
  }

  const directory = await mkdtemp(path.join(os.tmpdir(), 'talash-ivf-'));
  const copy = path.join(directory, 'index.faiss');
  try {
    await copyFile(file, copy);
    await writeIvfProbes(copy, probes);
    return { index: await readFaissIndex(copy), parameters: { ...saved, probes } };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** Copies `count` distinct rows chosen by a seeded partial Fisher–Yates shuffle, in row order. */
function sampleRows(descriptors: Float32Array, count: number, seed: number): Float32Array {
  const rows = descriptors.length / DESCRIPTOR_DIMENSION;
  if (count >= rows) {
    return descriptors;
  }

  const order = new Uint32Array(rows);
  for (let row = 0; row < rows; row++) order[row] = row;
  const random = seededUniform(seed);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (rows - i));
    const swapped = order[i] as number;
    order[i] = order[j] as number;
    order[j] = swapped;
  }

  const chosen = order.subarray(0, count).sort();
  const sample = new Float32Array(count * DESCRIPTOR_DIMENSION);
  chosen.forEach((row, i) => {
    sample.set(
      descriptors.subarray(row * DESCRIPTOR_DIMENSION, (row + 1) * DESCRIPTOR_DIMENSION),
      i * DESCRIPTOR_DIMENSION,
    );
  });
  return sample;
}

/** Uniform numbers in [0, 1) from a 32-bit linear congruential generator. */
function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}
