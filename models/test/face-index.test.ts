import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESCRIPTOR_DIMENSION } from '../src/descriptor.js';
import { FaceError } from '../src/errors.js';
import { FaceIndex, type FaceIndexKind } from '../src/face-index.js';
import { readHnswParameters } from '../src/hnsw-parameters.js';
import { ivfListCount, ivfProbeCount } from '../src/ivf-index.js';
import { readIvfParameters, writeIvfProbes } from '../src/ivf-parameters.js';
import { perturbedDescriptor, syntheticDescriptors, syntheticQuery } from '../src/synthetic-descriptors.js';

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

describe.each<FaceIndexKind>(['flat', 'hnsw', 'ivf'])('FaceIndex (%s)', (kind) => {
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
    // With tombstones (HNSW), the removed last label is saved as an empty last line.
    index.remove([uuids[3] as string, uuids[250] as string, uuids[COUNT - 1] as string]);
    const saveDirectory = path.join(directory, `saved-${kind}`);
    await index.save(saveDirectory);

    const loaded = await FaceIndex.load(saveDirectory);
    expect(loaded.kind).toBe(kind);
    expect(loaded.size).toBe(index.size);
    expect(loaded.has(uuids[3] as string)).toBe(false);
    expect(loaded.has(uuids[COUNT - 1] as string)).toBe(false);
    expect(loaded.has(uuids[COUNT - 2] as string)).toBe(true);
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

    const lines = (original.faceIdLines as string).split('\n');
    expect(lines).toEqual(uuids.slice(0, 10));
    const tampered = async (change: Record<string, unknown>) => {
      await writeFile(idMapFile, JSON.stringify({ ...original, ...change }));
      return rejectionCode(FaceIndex.load(saveDirectory));
    };

    // One id fewer than the index holds, with a matching count and without.
    expect(await tampered({ labelCount: 9, faceIdLines: lines.slice(1).join('\n') })).toBe(
      'FACE_INDEX_FILE_INVALID',
    );
    expect(await tampered({ faceIdLines: lines.slice(1).join('\n') })).toBe('FACE_INDEX_FILE_INVALID');
    expect(await tampered({ faceIdLines: [...lines, 'extra'].join('\n') })).toBe('FACE_INDEX_FILE_INVALID');
    expect(await tampered({ indexSha256: '0'.repeat(64) })).toBe('FACE_INDEX_FILE_INVALID');
    expect(await tampered({ faceIdLines: ['a', 'a', ...lines.slice(2)].join('\n') })).toBe(
      'FACE_INDEX_FILE_INVALID',
    );
    // A flat index has no removed entries, which would be empty lines.
    expect(await tampered({ faceIdLines: ['', ...lines.slice(1)].join('\n') })).toBe(
      'FACE_INDEX_FILE_INVALID',
    );
    expect(await tampered({ formatVersion: 1, faceIds: lines })).toBe('FACE_INDEX_FILE_INVALID');

    await writeFile(idMapFile, JSON.stringify(original));
    expect((await FaceIndex.load(saveDirectory)).size).toBe(10);

    await writeFile(idMapFile, '{ not json');
    expect(await rejectionCode(FaceIndex.load(saveDirectory))).toBe('FACE_INDEX_FILE_INVALID');

    expect(await rejectionCode(FaceIndex.load(path.join(directory, 'missing')))).toBe(
      'FACE_INDEX_FILE_INVALID',
    );
  });

  it('loads only under the saved origin', async () => {
    const index = await FaceIndex.buildFromBatch(
      uuids.slice(0, 10),
      descriptors.slice(0, 10 * DESCRIPTOR_DIMENSION),
    );
    const saveDirectory = path.join(directory, 'origin');
    await index.save(saveDirectory, { origin: 'table-a' });

    expect((await FaceIndex.load(saveDirectory, { origin: 'table-a' })).size).toBe(10);
    expect((await FaceIndex.load(saveDirectory)).size).toBe(10);
    expect(await rejectionCode(FaceIndex.load(saveDirectory, { origin: 'table-b' }))).toBe(
      'FACE_INDEX_FILE_INVALID',
    );

    await index.save(saveDirectory);
    expect(await rejectionCode(FaceIndex.load(saveDirectory, { origin: 'table-a' }))).toBe(
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

describe('IVF index', () => {
  const count = 2000;
  const gallery = syntheticDescriptors(count, { seed: 13, layout: 'faces' });
  const ids = Array.from({ length: count }, (_, i) => `face-${i}`);
  const galleryRow = (i: number) => gallery.slice(i * DESCRIPTOR_DIMENSION, (i + 1) * DESCRIPTOR_DIMENSION);

  it('scans only nprobe of its lists', async () => {
    const index = await FaceIndex.buildFromBatch(ids, gallery, { kind: 'ivf', ivfLists: 32, ivfProbes: 1 });
    expect(index.kind).toBe('ivf');
    expect(index.ivfParameters).toEqual({ lists: 32, probes: 1 });

    // With one list scanned, a search for every face cannot return the whole gallery.
    const everything = index.search(galleryRow(0), { k: count });
    expect(everything[0]?.faceId).toBe(ids[0]);
    expect(everything.length).toBeGreaterThan(0);
    expect(everything.length).toBeLessThan(count);
  });

  it('never returns removed faces after additions', async () => {
    const index = await FaceIndex.buildFromBatch(
      ids.slice(0, 1500),
      gallery.slice(0, 1500 * DESCRIPTOR_DIMENSION),
      { kind: 'ivf', ivfLists: 16, ivfProbes: 4 },
    );
    // Rows 0–4 are one synthetic person; remove all of them and scattered others.
    const removed = [0, 1, 2, 3, 4, 700, 701, 1499];
    expect(index.remove(removed.map((i) => ids[i] as string))).toBe(removed.length);

    // faiss's IVF remove_ids lowers ntotal, so without tombstones these labels would repeat.
    const added = Array.from({ length: 300 }, (_, i) => 1500 + i);
    index.addBatch(
      added.map((i) => ids[i] as string),
      gallery.slice(1500 * DESCRIPTOR_DIMENSION, 1800 * DESCRIPTOR_DIMENSION),
    );
    expect(index.size).toBe(1500 - removed.length + added.length);

    const removedIds = new Set(removed.map((i) => ids[i]));
    for (const i of [...added, 5, 6, 699, 702, 1498]) {
      const [best] = index.search(galleryRow(i), { k: 1 });
      expect(best?.faceId, `face ${i} should find itself`).toBe(ids[i]);
    }
    for (const i of removed) {
      const matches = index.search(galleryRow(i), { k: 50 });
      expect(matches).toHaveLength(50);
      expect(matches.filter((match) => removedIds.has(match.faceId))).toEqual([]);
    }
  });

  it('fills k with live faces when tombstones crowd the top', async () => {
    const index = await FaceIndex.buildFromBatch(ids, gallery, { kind: 'ivf', ivfLists: 8, ivfProbes: 8 });
    const flat = await FaceIndex.buildFromBatch(ids, gallery, { kind: 'flat' });
    const probe = galleryRow(100);

    // Remove the 30 nearest faces, more than the k tombstones the first request allows for.
    const nearest = flat.search(probe, { k: 30 }).map((match) => match.faceId);
    index.remove(nearest);
    flat.remove(nearest);

    // nprobe equals nlist, so the IVF search is exact and must equal the flat one.
    expect(index.search(probe, { k: 10 })).toEqual(flat.search(probe, { k: 10 }));
    const threshold = flat.search(probe, { k: 10 })[4]?.similarity as number;
    expect(index.search(probe, { k: 10, minSimilarity: threshold })).toHaveLength(5);
  });

  it('answers the same after save and load, and stores nprobe', async () => {
    const index = await FaceIndex.buildFromBatch(ids, gallery, { kind: 'ivf', ivfLists: 24, ivfProbes: 3 });
    index.remove([ids[10] as string, ids[11] as string]);
    const saveDirectory = path.join(directory, 'saved-ivf-probes');
    await index.save(saveDirectory);
    const indexFile = path.join(saveDirectory, 'faces.faiss');
    expect(await readIvfParameters(indexFile)).toEqual({ lists: 24, probes: 3 });

    const loaded = await FaceIndex.load(saveDirectory);
    expect(loaded.ivfParameters).toEqual({ lists: 24, probes: 3 });
    expect(loaded.has(ids[10] as string)).toBe(false);
    for (let i = 0; i < count; i += 97) {
      const probe = perturbedDescriptor(gallery, i, 0.02, i);
      expect(loaded.search(probe, { k: 10 })).toEqual(index.search(probe, { k: 10 }));
    }

    const exhaustive = await FaceIndex.load(saveDirectory, { ivfProbes: 24 });
    expect(exhaustive.ivfParameters).toEqual({ lists: 24, probes: 24 });
    expect(exhaustive.search(galleryRow(0), { k: count }).length).toBe(count - 2);
    expect((await readIvfParameters(indexFile)).probes).toBe(3);
    expect(await rejectionCode(FaceIndex.load(saveDirectory, { ivfProbes: 25 }))).toBe(
      'FACE_INDEX_OPTIONS_INVALID',
    );
  });

  it('finds most exact neighbours with the default probes', async () => {
    // Large enough that the default scans only part of the lists (200 lists, 128 probes).
    const largeCount = 10_000;
    const large = syntheticDescriptors(largeCount, { seed: 17, layout: 'faces' });
    const largeIds = Array.from({ length: largeCount }, (_, i) => String(i));
    const flat = await FaceIndex.buildFromBatch(largeIds, large, { kind: 'flat' });
    const shallow = await FaceIndex.buildFromBatch(largeIds, large, { kind: 'ivf', ivfProbes: 8 });
    const deep = await FaceIndex.buildFromBatch(largeIds, large, { kind: 'ivf' });
    const lists = ivfListCount(largeCount);
    expect(deep.ivfParameters).toEqual({ lists, probes: ivfProbeCount(lists) });
    expect(deep.ivfParameters?.probes).toBeLessThan(lists);

    let shallowHits = 0;
    let deepHits = 0;
    const queries = 100;
    for (let q = 0; q < queries; q++) {
      const probe = syntheticQuery(large, (q * 37) % largeCount, q + 1, { seed: 17, layout: 'faces' });
      const truth = new Set(flat.search(probe, { k: 10 }).map((match) => match.faceId));
      shallowHits += shallow.search(probe, { k: 10 }).filter((match) => truth.has(match.faceId)).length;
      deepHits += deep.search(probe, { k: 10 }).filter((match) => truth.has(match.faceId)).length;
    }
    expect(deepHits / (queries * 10)).toBeGreaterThanOrEqual(0.95);
    expect(deepHits).toBeGreaterThan(shallowHits);
  });

  it('turns needsRebuild on past 10% removed', async () => {
    const index = await FaceIndex.buildFromBatch(ids, gallery, { kind: 'ivf' });
    expect(index.needsRebuild).toBe(false);
    index.remove(ids.slice(0, 200));
    expect(index.needsRebuild).toBe(false);
    index.remove([ids[200] as string]);
    expect(index.needsRebuild).toBe(true);
  });

  it('turns needsRebuild on when the gallery outgrows its lists', async () => {
    const index = await FaceIndex.buildFromBatch(
      ids.slice(0, 400),
      gallery.slice(0, 400 * DESCRIPTOR_DIMENSION),
      { kind: 'ivf' },
    );
    const lists = index.ivfParameters?.lists as number;
    expect(lists).toBe(ivfListCount(400));
    let size = 400;
    while (ivfListCount(size + 1) < 2 * lists) size++;
    index.addBatch(
      ids.slice(400, size),
      gallery.slice(400 * DESCRIPTOR_DIMENSION, size * DESCRIPTOR_DIMENSION),
    );
    expect(index.needsRebuild).toBe(false);
    index.addBatch([ids[size] as string], galleryRow(size));
    expect(index.needsRebuild).toBe(true);
  });

  it('rejects bad options and input before training', async () => {
    expect(await rejectionCode(FaceIndex.create({ kind: 'ivf' }))).toBe('FACE_INDEX_OPTIONS_INVALID');
    expect(await rejectionCode(FaceIndex.build([], { kind: 'ivf' }))).toBe('FACE_INDEX_OPTIONS_INVALID');
    expect(
      await rejectionCode(
        FaceIndex.buildFromBatch(ids.slice(0, 10), gallery.slice(0, 10 * DESCRIPTOR_DIMENSION), {
          kind: 'ivf',
          ivfLists: 11,
        }),
      ),
    ).toBe('FACE_INDEX_OPTIONS_INVALID');
    for (const ivfLists of [0, 1.5, Number.NaN]) {
      expect(await rejectionCode(FaceIndex.buildFromBatch(ids, gallery, { kind: 'ivf', ivfLists }))).toBe(
        'FACE_INDEX_OPTIONS_INVALID',
      );
    }
    for (const ivfProbes of [0, 9, 2.5]) {
      expect(
        await rejectionCode(FaceIndex.buildFromBatch(ids, gallery, { kind: 'ivf', ivfLists: 8, ivfProbes })),
      ).toBe('FACE_INDEX_OPTIONS_INVALID');
    }

    const withNaN = gallery.slice(0, 10 * DESCRIPTOR_DIMENSION);
    withNaN[3 * DESCRIPTOR_DIMENSION + 1] = Number.NaN;
    expect(await rejectionCode(FaceIndex.buildFromBatch(ids.slice(0, 10), withNaN, { kind: 'ivf' }))).toBe(
      'DESCRIPTOR_NOT_FINITE',
    );
    expect(
      await rejectionCode(
        FaceIndex.buildFromBatch(['a', 'a'], gallery.slice(0, 2 * DESCRIPTOR_DIMENSION), { kind: 'ivf' }),
      ),
    ).toBe('FACE_ID_DUPLICATE');
    expect(await rejectionCode(FaceIndex.buildFromBatch(['a'], gallery.slice(0, 64), { kind: 'ivf' }))).toBe(
      'DESCRIPTOR_DIMENSION_MISMATCH',
    );
  });

  it('builds from a single face', async () => {
    const index = await FaceIndex.build([{ faceId: 'only', descriptor: galleryRow(0) }], { kind: 'ivf' });
    expect(index.ivfParameters).toEqual({ lists: 1, probes: 1 });
    expect(index.search(galleryRow(1), { k: 3 }).map((match) => match.faceId)).toEqual(['only']);
  });

  it('rejects index files of another layout', async () => {
    const flatDirectory = path.join(directory, 'ivf-layout-flat');
    await (
      await FaceIndex.buildFromBatch(ids.slice(0, 50), gallery.slice(0, 50 * DESCRIPTOR_DIMENSION))
    ).save(flatDirectory);
    const flatFile = path.join(flatDirectory, 'faces.faiss');
    expect(await rejectionCode(readIvfParameters(flatFile))).toBe('FACE_INDEX_FILE_INVALID');
    expect(await rejectionCode(writeIvfProbes(flatFile, 1))).toBe('FACE_INDEX_FILE_INVALID');

    const ivfDirectory = path.join(directory, 'ivf-layout-ivf');
    await (await FaceIndex.buildFromBatch(ids, gallery, { kind: 'ivf', ivfLists: 8, ivfProbes: 2 })).save(
      ivfDirectory,
    );
    const ivfFile = path.join(ivfDirectory, 'faces.faiss');
    const bytes = await readFile(ivfFile);

    // nprobe (bytes 45–52) larger than nlist (bytes 37–44).
    const tooManyProbes = Buffer.from(bytes);
    tooManyProbes.writeBigUInt64LE(9n, 45);
    await writeFile(ivfFile, tooManyProbes);
    expect(await rejectionCode(readIvfParameters(ivfFile))).toBe('FACE_INDEX_FILE_INVALID');

    // Quantizer fourcc (bytes 53–56) of an unknown kind.
    const otherQuantizer = Buffer.from(bytes);
    otherQuantizer.write('IHNf', 53, 'latin1');
    await writeFile(ivfFile, otherQuantizer);
    expect(await rejectionCode(readIvfParameters(ivfFile))).toBe('FACE_INDEX_FILE_INVALID');

    await writeFile(ivfFile, bytes.subarray(0, 40));
    expect(await rejectionCode(readIvfParameters(ivfFile))).toBe('FACE_INDEX_FILE_INVALID');
  });
});
