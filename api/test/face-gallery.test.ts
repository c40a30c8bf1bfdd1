// FaceGallery on real faiss and real build processes. An in-memory list plays the faces table. The
// test changes it between syncs, so faces arrive and leave at exact moments of a background build.
// face-search.test.ts covers the gallery on the real faces table.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DESCRIPTOR_DIMENSION } from '../../models/src/descriptor.js';
import { FaceIndex } from '../../models/src/face-index.js';
import { syntheticDescriptors } from '../../models/src/synthetic-descriptors.js';
import { FaceGallery, type GalleryFaceSource } from '../src/faces/face-gallery.js';

/** Faces of one gallery, as the faces table lists them. */
class FaceTable implements GalleryFaceSource {
  readonly rows = new Map<string, Float32Array>();
  private nextId = 1;
  /** Like a database created again, each table has its own origin token. */
  readonly origin = randomUUID();

  async faceIndexOrigin(): Promise<string> {
    return this.origin;
  }

  /** Adds `count` faces with seeded descriptors and returns their ids. */
  insert(count: number, seed: number): string[] {
    const descriptors = syntheticDescriptors(count, { seed });
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = String(this.nextId++);
      this.rows.set(id, descriptors.slice(i * DESCRIPTOR_DIMENSION, (i + 1) * DESCRIPTOR_DIMENSION));
      ids.push(id);
    }
    return ids;
  }

  delete(ids: readonly string[]): void {
    for (const id of ids) this.rows.delete(id);
  }

  async listGalleryFaceIds(): Promise<string[]> {
    return [...this.rows.keys()];
  }

  async loadGalleryDescriptors(
    _gallery: string,
    onlyIds?: string[],
  ): Promise<{ faceIds: string[]; descriptors: Float32Array }> {
    const faceIds = (onlyIds ?? [...this.rows.keys()]).filter((id) => this.rows.has(id));
    const descriptors = new Float32Array(faceIds.length * DESCRIPTOR_DIMENSION);
    faceIds.forEach((id, i) => {
      descriptors.set(this.rows.get(id) as Float32Array, i * DESCRIPTOR_DIMENSION);
    });
    return { faceIds, descriptors };
  }
}

/** Returns the gallery's best match for a descriptor, and whether its face is still in the table. */
function bestMatch(gallery: FaceGallery, table: FaceTable, descriptor: Float32Array) {
  const [match] = gallery.search(descriptor, { k: 1 });
  return (
    match && { faceId: match.faceId, similarity: match.similarity, inTable: table.rows.has(match.faceId) }
  );
}

/** Checks that every face of the table is its own best match. */
function expectEveryFaceFound(gallery: FaceGallery, table: FaceTable): void {
  for (const [id, descriptor] of table.rows) {
    expect(bestMatch(gallery, table, descriptor)?.faceId).toBe(id);
  }
}

/** Checks that the descriptors of faces that left the table only find faces still in it. */
function expectOnlyTableFaces(gallery: FaceGallery, table: FaceTable, descriptors: Float32Array[]): void {
  for (const descriptor of descriptors) {
    expect(bestMatch(gallery, table, descriptor)?.inTable).toBe(true);
  }
}

const galleries: FaceGallery[] = [];
const directories: string[] = [];

afterEach(async () => {
  await Promise.all(galleries.splice(0).map((gallery) => gallery.stop()));
  await Promise.all(
    directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })),
  );
});

/** Makes a directory for saved copies, removed after the test. */
async function temporaryDirectory(): Promise<string> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'talash-gallery-test-'));
  directories.push(directory);
  return directory;
}

function newGallery(
  table: FaceTable,
  directory?: string,
  largeIndexKind: 'ivf' | 'hnsw' = 'hnsw',
  readOnly = false,
): FaceGallery {
  const gallery = new FaceGallery('cases', table, directory, {
    flatMaxSize: 100,
    largeIndexKind,
    background: { threads: 1 },
    readOnly,
    savedCopyLoadIntervalMs: 0,
  });
  galleries.push(gallery);
  return gallery;
}

describe('face gallery', () => {
  it('flat removal keeps other ids', async () => {
    const table = new FaceTable();
    const ids = table.insert(60, 11);
    const gallery = newGallery(table);
    await gallery.start();
    expect(gallery.kind).toBe('flat');

    const withdrawn = [ids[0], ids[17], ids[59]] as string[];
    const withdrawnDescriptors = withdrawn.map((id) => table.rows.get(id) as Float32Array);
    table.delete(withdrawn);
    const synced = await gallery.sync();

    expect(synced).toEqual({ added: 0, removed: 3, rebuilding: false });
    expect(gallery.size).toBe(57);
    expectEveryFaceFound(gallery, table);
    expectOnlyTableFaces(gallery, table, withdrawnDescriptors);
  });

  it('HNSW swap catches up changes', async () => {
    const table = new FaceTable();
    const first = table.insert(600, 21);
    const gallery = newGallery(table);
    await gallery.start();
    expect(gallery.kind).toBe('ivf');

    // The HNSW build has read its 600 faces. These changes reach the IVF index through the next
    // sync, and the HNSW index only through the catch-up sync after it replaces the IVF index.
    const withdrawn = first.slice(100, 160);
    const withdrawnDescriptors = withdrawn.map((id) => table.rows.get(id) as Float32Array);
    table.delete(withdrawn);
    const arrived = table.insert(40, 22);
    expect(await gallery.sync()).toMatchObject({ added: 40, removed: 60 });

    await gallery.backgroundBuildSettled();
    expect(gallery.kind).toBe('hnsw');
    expect(gallery.size).toBe(580);
    for (const id of [...arrived, ...first.slice(0, 100), ...first.slice(160)]) {
      const match = bestMatch(gallery, table, table.rows.get(id) as Float32Array);
      expect(match?.faceId).toBe(id);
      expect(match?.similarity).toBeGreaterThan(0.999);
    }
    expectOnlyTableFaces(gallery, table, withdrawnDescriptors);

    // Below half the flat limit the gallery goes back to a flat index, built at once.
    table.delete([...table.rows.keys()].slice(40));
    const shrunk = await gallery.sync();
    expect(shrunk).toMatchObject({ removed: 540, rebuilding: true });
    expect(gallery.kind).toBe('flat');
    expect(gallery.size).toBe(40);
  });

  it('IVF rebuild after tombstones', async () => {
    const table = new FaceTable();
    const ids = table.insert(600, 51);
    const gallery = newGallery(table, undefined, 'ivf');
    await gallery.start();
    expect(gallery.kind).toBe('ivf');

    // 50 removed faces stay as tombstones; the 70th crosses a tenth of the 600 stored entries.
    table.delete(ids.slice(0, 50));
    expect(await gallery.sync()).toEqual({ added: 0, removed: 50, rebuilding: false });
    const withdrawn = ids.slice(50, 70);
    const withdrawnDescriptors = withdrawn.map((id) => table.rows.get(id) as Float32Array);
    table.delete(withdrawn);
    expect(await gallery.sync()).toEqual({ added: 0, removed: 20, rebuilding: true });

    await gallery.backgroundBuildSettled();
    expect(gallery.kind).toBe('ivf');
    expect(gallery.size).toBe(530);
    expect(await gallery.sync()).toEqual({ added: 0, removed: 0, rebuilding: false });
    expectEveryFaceFound(gallery, table);
    expectOnlyTableFaces(gallery, table, withdrawnDescriptors);
  });

  it('restart loads saved HNSW copy', async () => {
    const directory = await temporaryDirectory();
    const table = new FaceTable();
    table.insert(300, 31);
    const gallery = newGallery(table, directory);
    await gallery.start();
    await gallery.backgroundBuildSettled();
    expect(gallery.kind).toBe('hnsw');
    const probes = [...table.rows.values()].filter((_, i) => i % 7 === 0);
    const before = probes.map((descriptor) => gallery.search(descriptor, { k: 5 }));
    await gallery.stop();

    const restarted = newGallery(table, directory);
    await restarted.start();
    expect(restarted.source).toBe('saved');
    expect(restarted.kind).toBe('hnsw');
    expect(probes.map((descriptor) => restarted.search(descriptor, { k: 5 }))).toEqual(before);
  });

  it('read-only gallery never writes', async () => {
    const directory = await temporaryDirectory();
    const table = new FaceTable();
    table.insert(60, 51);
    const writer = newGallery(table, directory);
    await writer.start();
    await writer.stop();
    const savedFiles = await readdir(directory);
    const savedTimes = await Promise.all(
      savedFiles.map(async (file) => (await stat(path.join(directory, file))).mtimeMs),
    );

    const reader = newGallery(table, directory, 'hnsw', true);
    await reader.start();
    expect(reader.source).toBe('saved');
    const [added] = table.insert(1, 52);
    await reader.sync();
    expect(reader.search(table.rows.get(added as string) as Float32Array, { k: 1 })[0]?.faceId).toBe(added);
    await reader.stop();

    expect(await readdir(directory)).toEqual(savedFiles);
    const timesAfter = await Promise.all(
      savedFiles.map(async (file) => (await stat(path.join(directory, file))).mtimeMs),
    );
    expect(timesAfter).toEqual(savedTimes);
  });

  it('read-only gallery loads writer rebuild', async () => {
    const directory = await temporaryDirectory();
    const table = new FaceTable();
    const ids = table.insert(600, 71);
    const writer = newGallery(table, directory, 'ivf');
    await writer.start();
    await vi.waitFor(async () => expect(await FaceIndex.savedCopyVersion(directory)).toBeDefined(), {
      timeout: 5000,
    });
    const reader = newGallery(table, directory, 'ivf', true);
    await reader.start();
    expect(reader.source).toBe('saved');

    // 70 of 600 removed: both indexes are due for a rebuild, and only the writer starts one.
    const withdrawn = ids.slice(0, 70);
    const withdrawnDescriptors = withdrawn.map((id) => table.rows.get(id) as Float32Array);
    table.delete(withdrawn);
    const firstCopy = await FaceIndex.savedCopyVersion(directory);
    expect(await reader.sync()).toEqual({ added: 0, removed: 70, rebuilding: false });
    expect(await writer.sync()).toEqual({ added: 0, removed: 70, rebuilding: true });

    // Until the writer saves its rebuilt copy, the reader keeps its own index and still skips
    // the removed faces.
    expect(await reader.sync()).toEqual({ added: 0, removed: 0, rebuilding: false });
    expectOnlyTableFaces(reader, table, withdrawnDescriptors);

    // The writer saves a second after a change. The reader takes the first saved copy that is not
    // due for a rebuild, then adds the face that arrived since.
    await writer.backgroundBuildSettled();
    const [added] = table.insert(1, 72);
    await vi.waitFor(async () => expect((await reader.sync()).rebuilding).toBe(true), { timeout: 5000 });
    expect(await FaceIndex.savedCopyVersion(directory)).not.toBe(firstCopy);
    expect(reader.kind).toBe('ivf');
    expect(reader.size).toBe(531);
    expect(await reader.sync()).toEqual({ added: 0, removed: 0, rebuilding: false });
    expect(reader.search(table.rows.get(added as string) as Float32Array, { k: 1 })[0]?.faceId).toBe(added);
    expectEveryFaceFound(reader, table);
    expectOnlyTableFaces(reader, table, withdrawnDescriptors);
  });

  it('copy from another table is rebuilt', async () => {
    const directory = await temporaryDirectory();
    const before = new FaceTable();
    before.insert(60, 61);
    const first = newGallery(before, directory);
    await first.start();
    await first.stop();

    // The same face ids with other descriptors, as after the database was created again.
    const after = new FaceTable();
    after.insert(60, 62);
    const restarted = newGallery(after, directory);
    await restarted.start();
    expect(restarted.source).toBe('built');
    expectEveryFaceFound(restarted, after);
  });

  it('stop kills the running build', async () => {
    const table = new FaceTable();
    table.insert(400, 41);
    const gallery = newGallery(table);
    await gallery.start();
    expect(gallery.kind).toBe('ivf');

    await gallery.stop();
    expect(gallery.kind).toBe('ivf');
    expect(gallery.size).toBe(400);
  });
});
