// `npx tsx bench/face-search-bench.ts [--rounds N]`: how face detection affects the event loop that
// serves requests. It detects the same fixture photos first on the main thread (the baseline: what a
// face search would do without the worker thread) and then through FaceDetectorPool, while a
// histogram samples the main thread's event-loop delay. Detection time per photo is printed for both.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { FaceDetectorPool } from '../api/src/faces/face-detector-pool.js';
import { detectFaces } from '../models/src/face-detector.js';
import { loadFaceModels } from '../models/src/face-models.js';
import { DEFAULT_PHOTO_LIMITS } from '../models/src/photo-decoder.js';

const PHOTOS = [
  'obama_2.jpg',
  'biden_2.jpg',
  'azure_son_2.jpg',
  'letterbox_small_obama.jpg',
  'blank_white.png',
];

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const rounds = Number(values.rounds);
const photos = PHOTOS.map((name) => readFileSync(new URL(`../test/fixtures/faces/${name}`, import.meta.url)));

interface Measurement {
  detectionMs: number[];
  loopDelayMs: { p50: number; p99: number; max: number };
}

async function measure(detect: (photo: Buffer) => Promise<unknown>): Promise<Measurement> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  const detectionMs: number[] = [];
  histogram.enable();
  for (let round = 0; round < rounds; round++) {
    for (const photo of photos) {
      const startedAt = performance.now();
      await detect(photo);
      detectionMs.push(performance.now() - startedAt);
    }
  }
  histogram.disable();
  return {
    detectionMs,
    loopDelayMs: {
      p50: histogram.percentile(50) / 1e6,
      p99: histogram.percentile(99) / 1e6,
      max: histogram.max / 1e6,
    },
  };
}

function summary(label: string, measurement: Measurement): string {
  const sorted = [...measurement.detectionMs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const slowest = sorted[sorted.length - 1] ?? 0;
  const { p50, p99, max } = measurement.loopDelayMs;
  return (
    `${label.padEnd(22)} detection median ${median.toFixed(0)} ms, max ${slowest.toFixed(0)} ms | ` +
    `event-loop delay p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms`
  );
}

console.log(
  `Face detection and the event loop on ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ` +
    `${photos.length} photos × ${rounds} rounds`,
);

await loadFaceModels();
const inline = await measure((photo) => detectFaces(photo));
console.log(summary('main thread (baseline)', inline));

const pool = new FaceDetectorPool({ threads: 1, maxQueued: 8 });
await pool.modelVersion();
const threaded = await measure((photo) => pool.detect(photo, DEFAULT_PHOTO_LIMITS));
console.log(summary('detector thread', threaded));
await pool.close();
