/**
 * Face index benchmark: build time, top-10 search latency (p50/p99) of the flat and HNSW
 * indexes, and HNSW recall@10 against the exact flat results, on synthetic unit descriptors.
 *
 *   npx tsx bench/face-index-bench.ts [--sizes 10000,100000,1000000] [--layout identities|uniform]
 *       [--queries 1000] [--ef-search N] [--ef-construction N] [--neighbors N] [--no-cache]
 *
 * Queries are gallery descriptors moved by noise, as a new photo of a registered person would be.
 *
 * Building HNSW over 1M descriptors takes several minutes on 2 cores, so built HNSW indexes are
 * kept in a cache folder under the system temp directory and reused by later runs with the same
 * data and build parameters; the table then shows the build time of the run that made them.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FaceIndex, type FaceIndexOptions, HNSW_DEFAULTS } from '../models/src/face-index.js';
import { perturbedDescriptor, syntheticDescriptors } from '../models/src/synthetic-descriptors.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    layout: { type: 'string', default: 'identities' },
    queries: { type: 'string', default: '1000' },
    'ef-search': { type: 'string' },
    'ef-construction': { type: 'string' },
    neighbors: { type: 'string' },
    'no-cache': { type: 'boolean', default: false },
  },
});

const CACHE_DIR = path.join(os.tmpdir(), 'talash-face-index-bench');

const sizes = values.sizes.split(',').map(Number);
const layout = values.layout === 'uniform' ? 'uniform' : 'identities';
const queryCount = Number(values.queries);
/** Flat search at 1M faces takes tens of milliseconds, so exact answers use fewer queries. */
const MAX_FLAT_QUERIES = 200;
const hnswOptions: FaceIndexOptions = {
  kind: 'hnsw',
  ...(values['ef-search'] && { hnswEfSearch: Number(values['ef-search']) }),
  ...(values['ef-construction'] && { hnswEfConstruction: Number(values['ef-construction']) }),
  ...(values.neighbors && { hnswNeighbors: Number(values.neighbors) }),
};

console.log(
  `Face index benchmark: ${layout} descriptors, ${queryCount} queries, ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), node ${process.version}`,
);
console.log('size       index  build s   p50 ms  p99 ms  recall@10');

for (const size of sizes) {
  await benchmarkSize(size);
}

async function benchmarkSize(size: number): Promise<void> {
  const gallery = syntheticDescriptors(size, { seed: size, layout });
  const faceIds = Array.from({ length: size }, (_, i) => `face-${i}`);
  const queries = Array.from({ length: queryCount }, (_, q) =>
    perturbedDescriptor(gallery, Math.floor((q * 2654435761) % size), 0.03, q + 1),
  );

  const start = performance.now();
  const flat = await FaceIndex.buildFromBatch(faceIds, gallery, { kind: 'flat' });
  const flatBuildSeconds = (performance.now() - start) / 1000;
  const flatQueries = queries.slice(0, Math.min(queryCount, MAX_FLAT_QUERIES));
  const { latencies: flatLatencies, results: truth } = timeSearches(flat, flatQueries);
  printRow(size, 'flat', flatBuildSeconds, flatLatencies, null);

  const {
    index: hnsw,
    buildSeconds: hnswBuildSeconds,
    cached,
  } = await buildOrLoadHnsw(size, faceIds, gallery);
  const { latencies: hnswLatencies, results: approximate } = timeSearches(hnsw, queries);

  let hits = 0;
  truth.forEach((exact, q) => {
    const exactIds = new Set(exact);
    hits += (approximate[q] ?? []).filter((faceId) => exactIds.has(faceId)).length;
  });
  const recall = hits / (truth.length * 10);
  const parameters = hnsw.hnswParameters;
  printRow(size, cached ? 'hnsw*' : 'hnsw', hnswBuildSeconds, hnswLatencies, recall);
  if (size === sizes[sizes.length - 1]) {
    console.log(
      `HNSW: M ${hnswOptions.hnswNeighbors ?? HNSW_DEFAULTS.neighbors}, efConstruction ${parameters?.efConstruction}, efSearch ${parameters?.efSearch}; * = loaded from ${CACHE_DIR}, build time of the run that made it`,
    );
  }
}

/** Builds the HNSW index, or loads the one an earlier run built from the same data and parameters. */
async function buildOrLoadHnsw(size: number, faceIds: string[], gallery: Float32Array) {
  const key = `${layout}-${size}-m${hnswOptions.hnswNeighbors ?? HNSW_DEFAULTS.neighbors}-efc${hnswOptions.hnswEfConstruction ?? HNSW_DEFAULTS.efConstruction}`;
  const directory = path.join(CACHE_DIR, key);
  const metaFile = path.join(directory, 'bench.json');

  if (!values['no-cache'] && existsSync(metaFile)) {
    const { buildSeconds } = JSON.parse(await readFile(metaFile, 'utf8')) as { buildSeconds: number };
    const loaded = await FaceIndex.load(directory, {
      hnswEfSearch: hnswOptions.hnswEfSearch ?? HNSW_DEFAULTS.efSearch,
    }).catch((error: unknown) => {
      console.log(`cache ${directory} not usable (${error}); rebuilding`);
      return null;
    });
    if (loaded) return { index: loaded, buildSeconds, cached: true };
  }

  const start = performance.now();
  const index = await FaceIndex.buildFromBatch(faceIds, gallery, hnswOptions);
  const buildSeconds = (performance.now() - start) / 1000;
  if (!values['no-cache']) {
    await index.save(directory);
    await writeFile(metaFile, JSON.stringify({ buildSeconds }));
  }
  return { index, buildSeconds, cached: false };
}

function timeSearches(index: FaceIndex, queries: Float32Array[]) {
  // Warm caches and OpenMP threads before timing.
  for (const query of queries.slice(0, 5)) index.search(query, { k: 10 });

  const latencies: number[] = [];
  const results: string[][] = [];
  for (const query of queries) {
    const start = performance.now();
    const matches = index.search(query, { k: 10 });
    latencies.push(performance.now() - start);
    results.push(matches.map((match) => match.faceId));
  }
  return { latencies, results };
}

function printRow(
  size: number,
  kind: string,
  buildSeconds: number,
  latencies: number[],
  recall: number | null,
): void {
  const sorted = [...latencies].sort((a, b) => a - b);
  const percentile = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
  console.log(
    `${String(size).padEnd(10)} ${kind.padEnd(6)} ${buildSeconds.toFixed(1).padStart(7)}  ${percentile(0.5).toFixed(2).padStart(7)} ${percentile(0.99).toFixed(2).padStart(7)}  ${recall === null ? '' : recall.toFixed(3).padStart(9)}`,
  );
}
