/**
 * Face index benchmark: build time, top-10 search latency (p50/p99) of the flat, HNSW and IVF
 * indexes, and recall@10 against the exact flat results, on synthetic unit descriptors.
 *
 *   npx tsx bench/face-index-bench.ts [--sizes 10000,100000,1000000] [--layout faces|identities|uniform]
 *       [--queries 1000] [--kinds flat,hnsw,ivf] [--ef-search N] [--ef-construction N] [--neighbors N]
 *       [--ivf-lists N] [--ivf-probes N,N,…] [--no-cache]
 *
 * IVF is built once per size; each --ivf-probes value adds a row, searched on a reloaded copy with
 * that nprobe (the default is the index's own). IVF builds are never cached.
 *
 * The default 'faces' layout has 5 photos per person and is shaped like real face-api descriptors
 * (see models/src/synthetic-descriptors.ts). Each query is a new photo of a registered person.
 * recall@10 compares the HNSW top 10 with the exact (flat) top 10; same-person recall counts only
 * the photos of the query's own person in the exact top 10, the results a reviewer needs.
 *
 * Building HNSW over 1M descriptors takes several minutes on 2 cores. Built HNSW indexes are
 * therefore kept in a cache folder under the system temp directory and reused by later runs with
 * the same data and build parameters. The table then shows the build time of the run that made them.
 */
// Must stay the first import: it sets OMP_NUM_THREADS before faiss-node loads.
import './face-index-openmp.js';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FaceIndex, type FaceIndexOptions, HNSW_DEFAULTS } from '../models/src/face-index.js';
import {
  identityOfRow,
  type SyntheticLayout,
  syntheticDescriptors,
  syntheticQuery,
} from '../models/src/synthetic-descriptors.js';
import { percentileOfSorted } from './percentile.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    layout: { type: 'string', default: 'faces' },
    queries: { type: 'string', default: '1000' },
    kinds: { type: 'string', default: 'flat,hnsw,ivf' },
    'ivf-lists': { type: 'string' },
    'ivf-probes': { type: 'string' },
    'ef-search': { type: 'string' },
    'ef-construction': { type: 'string' },
    neighbors: { type: 'string' },
    'no-cache': { type: 'boolean', default: false },
  },
});

const CACHE_DIR = path.join(os.tmpdir(), 'talash-face-index-bench');
const openmpThreads = process.env.OMP_NUM_THREADS;

const sizes = values.sizes.split(',').map(Number);
const LAYOUTS: SyntheticLayout[] = ['faces', 'identities', 'uniform'];
const layout = values.layout as SyntheticLayout;
if (!LAYOUTS.includes(layout)) {
  console.error(`face-index-bench: --layout must be one of ${LAYOUTS.join(', ')}, got ${values.layout}`);
  process.exit(1);
}
const queryCount = Number(values.queries);
const KINDS = ['flat', 'hnsw', 'ivf'];
const kinds = values.kinds.split(',');
if (!kinds.includes('flat') || kinds.some((kind) => !KINDS.includes(kind))) {
  console.error(
    `face-index-bench: --kinds must list flat (the exact results) and any of hnsw, ivf, got ${values.kinds}`,
  );
  process.exit(1);
}
const ivfOptions: FaceIndexOptions = {
  kind: 'ivf',
  ...(values['ivf-lists'] && { ivfLists: Number(values['ivf-lists']) }),
};
const ivfProbeSettings = values['ivf-probes'] ? values['ivf-probes'].split(',').map(Number) : [undefined];
/** Flat search at 1M faces takes tens of milliseconds, so the exact results come from fewer queries. */
const MAX_FLAT_QUERIES = 200;
const hnswOptions: FaceIndexOptions = {
  kind: 'hnsw',
  ...(values['ef-search'] && { hnswEfSearch: Number(values['ef-search']) }),
  ...(values['ef-construction'] && { hnswEfConstruction: Number(values['ef-construction']) }),
  ...(values.neighbors && { hnswNeighbors: Number(values.neighbors) }),
};

console.log(
  `Face index benchmark: ${layout} descriptors, ${queryCount} queries, ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), node ${process.version}, OMP_NUM_THREADS=${openmpThreads}`,
);
console.log('size       index      build s   p50 ms  p99 ms  recall@10  same-person recall');

for (const size of sizes) {
  await benchmarkSize(size);
}

async function benchmarkSize(size: number): Promise<void> {
  const synthetic = { seed: size, layout };
  const gallery = syntheticDescriptors(size, synthetic);
  const faceIds = Array.from({ length: size }, (_, i) => String(i));
  const queryRows = Array.from({ length: queryCount }, (_, q) => (q * 2654435761) % size);
  const queries = queryRows.map((row, q) => syntheticQuery(gallery, row, q + 1, synthetic));

  const start = performance.now();
  const flat = await FaceIndex.buildFromBatch(faceIds, gallery, { kind: 'flat' });
  const flatBuildSeconds = (performance.now() - start) / 1000;
  const flatQueries = queries.slice(0, Math.min(queryCount, MAX_FLAT_QUERIES));
  const { latencies: flatLatencies, results: truth } = timeSearches(flat, flatQueries);
  printRow(size, 'flat', flatBuildSeconds, flatLatencies, null, null);

  if (kinds.includes('hnsw')) {
    const { index: hnsw, buildSeconds, cached } = await buildOrLoadHnsw(size, faceIds, gallery);
    const { latencies, results } = timeSearches(hnsw, queries);
    const { recall, samePersonRecall } = measureRecall(truth, results, queryRows);
    printRow(size, cached ? 'hnsw*' : 'hnsw', buildSeconds, latencies, recall, samePersonRecall);
    if (size === sizes[sizes.length - 1]) {
      const parameters = hnsw.hnswParameters;
      console.log(
        `HNSW: M ${hnswOptions.hnswNeighbors ?? HNSW_DEFAULTS.neighbors}, efConstruction ${parameters?.efConstruction}, efSearch ${parameters?.efSearch}; * = loaded from ${CACHE_DIR}`,
      );
    }
  }

  if (kinds.includes('ivf')) {
    await benchmarkIvf(size, faceIds, gallery, queries, queryRows, truth);
  }
}

/** Builds one IVF index and prints a row for each nprobe setting. */
async function benchmarkIvf(
  size: number,
  faceIds: string[],
  gallery: Float32Array,
  queries: Float32Array[],
  queryRows: number[],
  truth: string[][],
): Promise<void> {
  const start = performance.now();
  const built = await FaceIndex.buildFromBatch(faceIds, gallery, ivfOptions);
  const buildSeconds = (performance.now() - start) / 1000;

  const directory = await mkdtemp(path.join(os.tmpdir(), 'talash-ivf-bench-'));
  try {
    if (ivfProbeSettings.some((probes) => probes !== undefined)) {
      await built.save(directory);
    }
    for (const probes of ivfProbeSettings) {
      const index = probes === undefined ? built : await FaceIndex.load(directory, { ivfProbes: probes });
      const { latencies, results } = timeSearches(index, queries);
      const { recall, samePersonRecall } = measureRecall(truth, results, queryRows);
      const parameters = index.ivfParameters;
      printRow(size, `ivf/${parameters?.probes}`, buildSeconds, latencies, recall, samePersonRecall);
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
  if (size === sizes[sizes.length - 1]) {
    console.log(
      `IVF: nlist ${built.ivfParameters?.lists} at ${size}; ivf/N = nprobe N; build includes k-means training`,
    );
  }
}

/** recall@10 of approximate results against the exact ones, over the queries that have both. */
function measureRecall(truth: string[][], approximate: string[][], queryRows: number[]) {
  let hits = 0;
  let samePersonExact = 0;
  let samePersonFound = 0;
  truth.forEach((exact, q) => {
    const exactIds = new Set(exact);
    const found = approximate[q] ?? [];
    hits += found.filter((faceId) => exactIds.has(faceId)).length;

    const person = identityOfRow(queryRows[q] as number);
    const isSamePerson = (faceId: string) => identityOfRow(Number(faceId)) === person;
    samePersonExact += exact.filter(isSamePerson).length;
    samePersonFound += found.filter((faceId) => exactIds.has(faceId) && isSamePerson(faceId)).length;
  });
  return {
    recall: hits / (truth.length * 10),
    samePersonRecall: layout === 'uniform' ? null : samePersonFound / samePersonExact,
  };
}

/** Builds the HNSW index, or loads the one an earlier run built from the same data and parameters. */
async function buildOrLoadHnsw(size: number, faceIds: string[], gallery: Float32Array) {
  const key = `${layout}-${size}-m${hnswOptions.hnswNeighbors ?? HNSW_DEFAULTS.neighbors}-efc${hnswOptions.hnswEfConstruction ?? HNSW_DEFAULTS.efConstruction}`;
  const directory = path.join(CACHE_DIR, key);
  const metaFile = path.join(directory, 'bench.json');

  if (!values['no-cache'] && existsSync(metaFile)) {
    const { buildSeconds, buildThreads = 'not recorded' } = JSON.parse(await readFile(metaFile, 'utf8')) as {
      buildSeconds: number;
      buildThreads?: string;
    };
    console.log(
      `           (HNSW ${size} loaded from cache; built in ${buildSeconds.toFixed(0)} s with OMP_NUM_THREADS=${buildThreads})`,
    );
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
    await writeFile(metaFile, JSON.stringify({ buildSeconds, buildThreads: openmpThreads }));
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
  samePersonRecall: number | null,
): void {
  const sorted = [...latencies].sort((a, b) => a - b);
  const percentile = (share: number) => percentileOfSorted(sorted, share);
  console.log(
    `${String(size).padEnd(10)} ${kind.padEnd(10)} ${buildSeconds.toFixed(1).padStart(7)}  ${percentile(0.5).toFixed(2).padStart(7)} ${percentile(0.99).toFixed(2).padStart(7)}  ${recall === null ? '' : recall.toFixed(3).padStart(9)}  ${samePersonRecall === null ? '' : samePersonRecall.toFixed(3).padStart(18)}`,
  );
}
