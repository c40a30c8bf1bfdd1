import { readdir } from 'node:fs/promises';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { buildFaceIndexInBackground } from '../src/background-build.js';
import { FaceIndexError } from '../src/errors.js';
import { syntheticDescriptors } from '../src/synthetic-descriptors.js';

const faceIds = Array.from({ length: 200 }, (_, i) => `face-${i}`);
const descriptors = syntheticDescriptors(200, { seed: 5, layout: 'faces' });

/** Lists the build folders left in the temp directory. */
async function leftoverBuildFolders(): Promise<string[]> {
  return (await readdir(os.tmpdir())).filter((name) => name.startsWith('talash-face-build-'));
}

describe('buildFaceIndexInBackground', () => {
  it('built index finds every face', async () => {
    const before = await leftoverBuildFolders();
    const index = await buildFaceIndexInBackground(faceIds, descriptors, { kind: 'hnsw', threads: 1 });

    expect(index.kind).toBe('hnsw');
    expect(index.size).toBe(200);
    faceIds.forEach((faceId, i) => {
      const [best] = index.search(descriptors.subarray(i * 128, (i + 1) * 128), { k: 1 });
      expect(best?.faceId).toBe(faceId);
    });
    expect(await leftoverBuildFolders()).toEqual(before);
  });

  it('failed build rejects and cleans up', async () => {
    const before = await leftoverBuildFolders();
    // The build process rejects a graph degree below 4 before it reaches faiss, and exits with 1.
    const build = buildFaceIndexInBackground(faceIds, descriptors, { kind: 'hnsw', hnswNeighbors: 2 });

    await expect(build).rejects.toBeInstanceOf(FaceIndexError);
    await expect(build).rejects.toMatchObject({ code: 'FACE_INDEX_BUILD_FAILED' });
    await expect(build).rejects.toThrow(/exit code 1: FaceIndexError: hnswNeighbors must be an integer/);
    expect(await leftoverBuildFolders()).toEqual(before);
  });

  it('abort stops the build', async () => {
    const controller = new AbortController();
    const build = buildFaceIndexInBackground(faceIds, descriptors, {
      kind: 'hnsw',
      signal: controller.signal,
    });
    controller.abort();

    await expect(build).rejects.toMatchObject({ code: 'FACE_INDEX_BUILD_FAILED' });
    await expect(build).rejects.toThrow('the face index build was stopped by its caller');
  });
});
