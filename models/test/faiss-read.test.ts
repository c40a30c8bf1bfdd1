import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import faiss from 'faiss-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFaissIndex } from '../src/faiss-read.js';
import { syntheticDescriptors } from '../src/synthetic-descriptors.js';

const DIMENSION = 128;

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'talash-faiss-read-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('readFaissIndex', () => {
  it('reads what Index.read reads', async () => {
    const index = faiss.Index.fromFactory(DIMENSION, 'IVF4,Flat', faiss.MetricType.METRIC_INNER_PRODUCT);
    const vectors = syntheticDescriptors(500, { seed: 3 });
    index.train(vectors as unknown as number[]);
    index.add(vectors as unknown as number[]);
    const file = path.join(directory, 'ivf.faiss');
    index.write(file);

    const read = await readFaissIndex(file);
    const expected = faiss.Index.read(file);
    expect(read.ntotal()).toBe(500);
    const query = Array.from(vectors.subarray(DIMENSION * 7, DIMENSION * 8));
    expect(read.search(query, 5)).toEqual(expected.search(query, 5));
  });

  it('keeps the event loop running', async () => {
    // 300,000 vectors make a 154 MB file, which takes about 0.1 s to read.
    const index = faiss.Index.fromFactory(DIMENSION, 'Flat', faiss.MetricType.METRIC_INNER_PRODUCT);
    index.add(syntheticDescriptors(300_000, { seed: 4 }) as unknown as number[]);
    const file = path.join(directory, 'large.faiss');
    index.write(file);

    let timerRuns = 0;
    const timer = setInterval(() => {
      timerRuns += 1;
    }, 1);
    const read = await readFaissIndex(file);
    clearInterval(timer);

    expect(read.ntotal()).toBe(300_000);
    expect(timerRuns).toBeGreaterThan(0);
  });

  it('rejects a missing or corrupt file', async () => {
    await expect(readFaissIndex(path.join(directory, 'missing.faiss'))).rejects.toThrow(/FileIOReader/);

    const corrupt = path.join(directory, 'corrupt.faiss');
    await writeFile(corrupt, 'not an index');
    await expect(readFaissIndex(corrupt)).rejects.toThrow(Error);
  });
});
