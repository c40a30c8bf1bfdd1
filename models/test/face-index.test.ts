import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESCRIPTOR_DIMENSION } from '../src/descriptor.js';
import { FaceError } from '../src/errors.js';
import { FaceIndex, type FaceIndexKind } from '../src/face-index.js';
import { readHnswParameters } from '../src/hnsw-parameters.js';
import { perturbedDescriptor, syntheticDescriptors } from '../src/synthetic-descriptors.js';

const COUNT = 300;
const descriptors = syntheticDescriptors(COUNT, { seed: 7 });
const uuids = Array.from(
  { length: COUNT },
  (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
);

function rowOf(i: number): Float32Array {
  return descriptors.slice(i * DESCRIPTOR_DIMENSION, (i + 1) * DESCRIPTOR_DIMENSION);
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof FaceError ? error.code : `not a FaceError: ${error}`;
  }
  return undefined;
}

async function rejectionCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return error instanceof FaceError ? error.code : `not a FaceError: ${error}`;
  }
  return undefined;
}

/** Checks that every live face finds itself first and that no removed face is ever returned. */
function expectIdsConsistent(index: FaceIndex, live: Set<number>, removed: Set<number>): void {
  for (const i of live) {
    const [best] = index.search(rowOf(i), { k: 1 });
    expect(best?.faceId, `face ${i} should find itself`).toBe(uuids[i]);
    expect(best?.similarity).toBeCloseTo(1, 4);
  }
  const removedIds = new Set([...removed].map((i) => uuids[i]));
  for (const i of [...removed, ...[...live].slice(0, 20)]) {
    const matches = index.search(rowOf(i), { k: index.size });
    expect(matches.filter((match) => removedIds.has(match.faceId))).toEqual([]);
  }
}

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'talash-face-index-test-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe.each<FaceIndexKind>(['flat', 'hnsw'])('FaceIndex (%s)', (kind) => {
  it('returns face ids, not positions', async () => {
    const index = await FaceIndex.buildFromBatch(uuids, descriptors, { kind });
    expect(index.kind).toBe(kind);
    expect(index.size).toBe(COUNT);

    const probe = perturbedDescriptor(descriptors, 42, 0.01, 1);
    const matches = index.search(probe, { k: 5 });
    expect(matches[0]?.faceId).toBe(uuids[42]);
    expect(matches).toHaveLength(5);
    for (let i = 1; i < matches.length; i++) {
      expect(matches[i - 1]?.similarity).toBeGreaterThanOrEqual(matches[i]?.similarity as number);
    }
  });

  it('keeps ids right after removals and additions', async () => {
    const index = await FaceIndex.buildFromBatch(
      uuids.slice(0, 200),
      descriptors.slice(0, 200 * DESCRIPTOR_DIMENSION),
      {
        kind,
      },
    );
    const removed = new Set([0, 1, 57, 58, 100, 150, 198, 199]);
    expect(index.remove([...removed].map((i) => uuids[i] as string))).toBe(removed.size);
    expect(index.remove([uuids[0] as string, 'not-in-index'])).toBe(0);
    expect(index.size).toBe(200 - removed.size);

    const live = new Set([...Array(200).keys()].filter((i) => !removed.has(i)));
    expectIdsConsistent(index, live, removed);

    index.add([200, 201, 202].map((i) => ({ faceId: uuids[i] as string, descriptor: rowOf(i) })));
    for (const i of [200, 201, 202]) live.add(i);
    index.remove([uuids[100 + 1] as string, uuids[201] as string]);
    live.delete(101);
    live.delete(201);
    removed.add(101);
    removed.add(201);
    expectIdsConsistent(index, live, removed);
  });

  it('answers the same after save and load', async () => {
    const index = await FaceIndex.buildFromBatch(uuids, descriptors, { kind });
    index.remove([uuids[3] as string, uuids[250] as string]);
    const saveDirectory = path.join(directory, `saved-${kind}`);
    await index.save(saveDirectory);

    const loaded = await FaceIndex.load(saveDirectory);
    expect(loaded.kind).toBe(kind);
    expect(loaded.size).toBe(index.size);
    expect(loaded.has(uuids[3] as string)).toBe(false);
    for (let i = 0; i < COUNT; i += 7) {
      const probe = perturbedDescriptor(descriptors, i, 0.02, i);
      expect(loaded.search(probe, { k: 10 })).toEqual(index.search(probe, { k: 10 }));
    }
  });
});

describe('FaceIndex validation', () => {
  it('rejects dimension mismatch, NaN and bad ids without adding anything', async () => {
    const index = await FaceIndex.build([{ faceId: '1', descriptor: rowOf(0) }]);

    expect(codeOf(() => index.add([{ faceId: '2', descriptor: new Float32Array(64).fill(1) }]))).toBe(
      'DESCRIPTOR_DIMENSION_MISMATCH',
    );
    const withNaN = rowOf(1);
    withNaN[5] = Number.NaN;
    expect(
      codeOf(() =>
        index.add([
          { faceId: '2', descriptor: rowOf(2) },
          { faceId: '3', descriptor: withNaN },
        ]),
      ),
    ).toBe('DESCRIPTOR_NOT_FINITE');
    expect(codeOf(() => index.add([{ faceId: '1', descriptor: rowOf(3) }]))).toBe('FACE_ID_DUPLICATE');
    expect(codeOf(() => index.add([{ faceId: '', descriptor: rowOf(3) }]))).toBe('FACE_ID_INVALID');
    expect(codeOf(() => index.addBatch(['4', '5'], descriptors.slice(0, DESCRIPTOR_DIMENSION)))).toBe(
      'DESCRIPTOR_DIMENSION_MISMATCH',
    );
    expect(codeOf(() => index.search(new Float32Array(100)))).toBe('DESCRIPTOR_DIMENSION_MISMATCH');
    expect(codeOf(() => index.search(rowOf(0), { k: 0 }))).toBe('FACE_INDEX_OPTIONS_INVALID');

    expect(index.size).toBe(1);
    expect(index.has('2')).toBe(false);
    expect(index.search(rowOf(0), { k: 10 }).map((match) => match.faceId)).toEqual(['1']);
  });

  it('accepts bigint ids as decimal strings and filters by similarity', async () => {
    const big = ['9007199254740993', '9007199254740994'];
    const index = await FaceIndex.build([
      { faceId: big[0] as string, descriptor: rowOf(0) },
      { faceId: big[1] as string, descriptor: rowOf(1) },
    ]);
    const matches = index.search(rowOf(1), { k: 2, minSimilarity: 0.99 });
    expect(matches.map((match) => match.faceId)).toEqual([big[1]]);
  });

  it('returns an empty list from an empty index', async () => {
    const index = await FaceIndex.create();
    expect(index.search(rowOf(0))).toEqual([]);
  });

  it('picks flat for small galleries', async () => {
    const index = await FaceIndex.buildFromBatch(uuids, descriptors);
    expect(index.kind).toBe('flat');
    expect(index.needsRebuild).toBe(false);
  });
});

describe('FaceIndex files', () => {
  it('rejects an id map that does not match the index', async () => {
    const index = await FaceIndex.buildFromBatch(
      uuids.slice(0, 10),
      descriptors.slice(0, 10 * DESCRIPTOR_DIMENSION),
    );
    const saveDirectory = path.join(directory, 'tampered');
    await index.save(saveDirectory);
    const idMapFile = path.join(saveDirectory, 'faces.ids.json');
    const original = JSON.parse(await readFile(idMapFile, 'utf8'));

    await writeFile(idMapFile, JSON.stringify({ ...original, faceIds: original.faceIds.slice(1) }));
    expect(await rejectionCode(FaceIndex.load(saveDirectory))).toBe('FACE_INDEX_FILE_INVALID');

    await writeFile(idMapFile, JSON.stringify({ ...original, indexSha256: '0'.repeat(64) }));
    expect(await rejectionCode(FaceIndex.load(saveDirectory))).toBe('FACE_INDEX_FILE_INVALID');

    await writeFile(
      idMapFile,
      JSON.stringify({ ...original, faceIds: ['a', 'a', ...original.faceIds.slice(2)] }),
    );
    expect(await rejectionCode(FaceIndex.load(saveDirectory))).toBe('FACE_INDEX_FILE_INVALID');

    await writeFile(idMapFile, '{ not json');
    expect(await rejectionCode(FaceIndex.load(saveDirectory))).toBe('FACE_INDEX_FILE_INVALID');

    expect(await rejectionCode(FaceIndex.load(path.join(directory, 'missing')))).toBe(
      'FACE_INDEX_FILE_INVALID',
    );
  });

  it('stores the HNSW search depth in the index file', async () => {
    const index = await FaceIndex.buildFromBatch(uuids, descriptors, {
      kind: 'hnsw',
      hnswEfConstruction: 48,
      hnswEfSearch: 96,
    });
    const saveDirectory = path.join(directory, 'hnsw-parameters');
    await index.save(saveDirectory);
    expect(await readHnswParameters(path.join(saveDirectory, 'faces.faiss'))).toEqual({
      efConstruction: 48,
      efSearch: 96,
    });
    expect((await FaceIndex.load(saveDirectory)).hnswParameters).toEqual({
      efConstruction: 48,
      efSearch: 96,
    });

    const deeper = await FaceIndex.load(saveDirectory, { hnswEfSearch: 200 });
    expect(deeper.hnswParameters).toEqual({ efConstruction: 48, efSearch: 200 });
    expect(deeper.search(rowOf(5), { k: 1 })[0]?.faceId).toBe(uuids[5]);
    expect((await readHnswParameters(path.join(saveDirectory, 'faces.faiss'))).efSearch).toBe(96);
  });
});

describe('HNSW recall', () => {
  it('finds most exact neighbours with the default search depth', async () => {
    const count = 4000;
    const gallery = syntheticDescriptors(count, { seed: 11, layout: 'identities' });
    const ids = Array.from({ length: count }, (_, i) => String(i));
    const flat = await FaceIndex.buildFromBatch(ids, gallery, { kind: 'flat' });
    const shallow = await FaceIndex.buildFromBatch(ids, gallery, { kind: 'hnsw', hnswEfSearch: 10 });
    const deep = await FaceIndex.buildFromBatch(ids, gallery, { kind: 'hnsw' });

    let shallowHits = 0;
    let deepHits = 0;
    const queries = 100;
    for (let q = 0; q < queries; q++) {
      const probe = perturbedDescriptor(gallery, (q * 37) % count, 0.03, q);
      const truth = new Set(flat.search(probe, { k: 10 }).map((match) => match.faceId));
      shallowHits += shallow.search(probe, { k: 10 }).filter((match) => truth.has(match.faceId)).length;
      deepHits += deep.search(probe, { k: 10 }).filter((match) => truth.has(match.faceId)).length;
    }
    expect(deepHits / (queries * 10)).toBeGreaterThanOrEqual(0.9);
    expect(deepHits).toBeGreaterThan(shallowHits);
  });
});
