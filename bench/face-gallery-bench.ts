/**
 * Face gallery benchmark: search latency and recall while a large gallery starts with no saved index.
 *
 *   npx tsx bench/face-gallery-bench.ts [--size 1000000] [--queries 300] [--neighbors 32] [--flat-max N]
 *
 * A FaceGallery over `size` synthetic descriptors of the 'faces' layout, set to `largeIndexKind:
 * 'hnsw'`, starts as the API starts one without a saved copy. An IVF index built in a child process
 * serves first. An HNSW index, built in another child process on every core at a lower CPU
 * priority, takes over when ready. The
 * benchmark times top-10 searches of the gallery all along, and prints for each phase p50/p99 and
 * recall@10 against the exact flat results. The baseline row is the exact flat index in this
 * process, the only index that serves at once without a build. The event-loop delay column shows
 * how long the searching process stalled at worst: a build inside it would stall it for the whole build.
 */
// Must stay the first import: it sets OMP_NUM_THREADS before faiss-node loads.
import './face-index-openmp.js';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { FaceGallery, type GalleryFaceSource } from '../api/src/faces/face-gallery.js';
import { DESCRIPTOR_DIMENSION } from '../models/src/descriptor.js';
import { FaceIndex } from '../models/src/face-index.js';
import { identityOfRow, syntheticDescriptors, syntheticQuery } from '../models/src/synthetic-descriptors.js';
import { percentileOfSorted } from './percentile.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1000000' },
    queries: { type: 'string', default: '300' },
    neighbors: { type: 'string' },
    'flat-max': { type: 'string' },
  },
});
const size = integerOption('size', values.size, 1);
const queryCount = integerOption('queries', values.queries, 1);
const neighbors =
  values.neighbors === undefined ? undefined : integerOption('neighbors', values.neighbors, 4, 256);
const flatMaxSize =
  values['flat-max'] === undefined ? undefined : integerOption('flat-max', values['flat-max'], 1);
const layout = { seed: size, layout: 'faces' as const };

console.log(
  `Face gallery benchmark: ${size} faces ('faces' layout), ${queryCount} queries, ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), node ${process.version}, searches with OMP_NUM_THREADS=${process.env.OMP_NUM_THREADS}`,
);

const descriptors = syntheticDescriptors(size, layout);
const faceIds = Array.from({ length: size }, (_, i) => String(i));
const queryRows = Array.from({ length: queryCount }, (_, q) => (q * 2654435761) % size);
const queries = queryRows.map((row, q) => syntheticQuery(descriptors, row, q + 1, layout));

/** The faces table of the benchmark: every face, never changing. */
const table: GalleryFaceSource = {
  faceIndexOrigin: async () => 'face-gallery-bench',
  listGalleryFaceIds: async () => faceIds,
  loadGalleryDescriptors: async (_gallery, onlyIds) => {
    if (!onlyIds) return { faceIds, descriptors };
    const rows = onlyIds.map(Number);
    const subset = new Float32Array(rows.length * DESCRIPTOR_DIMENSION);
    rows.forEach((row, i) => {
      subset.set(
        descriptors.subarray(row * DESCRIPTOR_DIMENSION, (row + 1) * DESCRIPTOR_DIMENSION),
        i * DESCRIPTOR_DIMENSION,
      );
    });
    return { faceIds: onlyIds, descriptors: subset };
  },
};

console.log(
  'phase                          index  from start s  searches  p50 ms  p99 ms  recall@10  worst loop delay ms',
);

// Baseline: the exact index, built in this process.
let started = performance.now();
const flat = await FaceIndex.buildFromBatch(faceIds, descriptors, { kind: 'flat' });
const flatReady = (performance.now() - started) / 1000;
const truth = queries
  .slice(0, 200)
  .map((query) => flat.search(query, { k: 10 }).map((match) => match.faceId));
const flatTimes = queries.slice(0, 200).map((query) => timed(() => flat.search(query, { k: 10 })).ms);
printRow('baseline: flat in this process', 'flat', flatReady, flatTimes, null, null);

// The gallery as the API runs it.
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
started = performance.now();
const gallery = new FaceGallery('cases', table, undefined, {
  largeIndexKind: 'hnsw',
  ...(flatMaxSize !== undefined && { flatMaxSize }),
  background: neighbors !== undefined ? { hnswNeighbors: neighbors } : {},
});
await gallery.start();
const servingAt = (performance.now() - started) / 1000;
loopDelay.disable();
printRow(
  'start: until the first index serves',
  gallery.kind ?? '-',
  servingAt,
  [],
  null,
  loopDelay.max / 1e6,
);

// Search while the HNSW build runs: one round of all queries, then a pause. Between rounds the
// build has the cores, as it would between requests.
const duringTimes: number[] = [];
const duringResults: string[][] = [];
loopDelay.reset();
loopDelay.enable();
const builtKind = gallery.kind;
while (gallery.kind === builtKind) {
  for (const [q, query] of queries.entries()) {
    const { ms, result } = timed(() => gallery.search(query, { k: 10 }));
    duringTimes.push(ms);
    if (q < truth.length && duringResults.length < truth.length)
      duringResults.push(result.map((m) => m.faceId));
    // Yield after each search, as a server does between requests, so that the loop delay shows
    // stalls of the gallery (such as the swap to the new index), not of this loop.
    await sleep(1);
  }
  await sleep(2000);
}
const hnswAt = (performance.now() - started) / 1000;
loopDelay.disable();
printRow(
  `during the HNSW build (${builtKind})`,
  builtKind ?? '-',
  hnswAt,
  duringTimes,
  recallAt10(duringResults),
  loopDelay.max / 1e6,
);

await gallery.backgroundBuildSettled();
const afterTimes: number[] = [];
const afterResults: string[][] = [];
for (const [q, query] of queries.entries()) {
  const { ms, result } = timed(() => gallery.search(query, { k: 10 }));
  afterTimes.push(ms);
  if (q < truth.length) afterResults.push(result.map((m) => m.faceId));
}
printRow('after: HNSW serves', gallery.kind ?? '-', hnswAt, afterTimes, recallAt10(afterResults), null);
console.log(
  `same-person share of the exact top 10 that HNSW returns: ${samePersonRecall(afterResults).toFixed(3)}`,
);
await gallery.stop();

/** Returns the option as an integer, or exits with a message naming the option and its range. */
function integerOption(name: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    console.error(`face-gallery-bench: --${name} must be an integer ${range}, got ${text}`);
    process.exit(1);
  }
  return value;
}

function timed<T>(run: () => T): { ms: number; result: T } {
  const start = performance.now();
  const result = run();
  return { ms: performance.now() - start, result };
}

function recallAt10(results: string[][]): number {
  let hits = 0;
  results.forEach((found, q) => {
    const exact = new Set(truth[q]);
    hits += found.filter((faceId) => exact.has(faceId)).length;
  });
  return hits / (results.length * 10);
}

function samePersonRecall(results: string[][]): number {
  let exactSame = 0;
  let foundSame = 0;
  results.forEach((found, q) => {
    const person = identityOfRow(queryRows[q] as number);
    const isSame = (faceId: string) => identityOfRow(Number(faceId)) === person;
    const exact = new Set(truth[q]);
    exactSame += (truth[q] ?? []).filter(isSame).length;
    foundSame += found.filter((faceId) => exact.has(faceId) && isSame(faceId)).length;
  });
  return foundSame / exactSame;
}

function printRow(
  phase: string,
  kind: string,
  seconds: number,
  latencies: number[],
  recall: number | null,
  worstLoopDelayMs: number | null,
): void {
  const sorted = [...latencies].sort((a, b) => a - b);
  const percentile = (share: number) => percentileOfSorted(sorted, share);
  const cells = [
    phase.padEnd(30),
    kind.padStart(5),
    seconds.toFixed(1).padStart(13),
    String(latencies.length).padStart(9),
    latencies.length ? percentile(0.5).toFixed(2).padStart(7) : '      -',
    latencies.length ? percentile(0.99).toFixed(2).padStart(7) : '      -',
    recall === null ? '        -' : recall.toFixed(3).padStart(9),
    worstLoopDelayMs === null ? '' : worstLoopDelayMs.toFixed(0).padStart(20),
  ];
  console.log(cells.join('  '));
}
