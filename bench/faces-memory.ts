/**
 * Runs face detection on the same photos thousands of times and prints tfjs tensor count, wasm
 * heap and process memory at intervals. Flat numbers after warm-up show that every tensor is
 * disposed.
 *
 *   npx tsx bench/faces-memory.ts [--photos 2000] [--dir DIR]
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { detectFaces } from '../models/src/face-detector.js';
import { loadFaceModels } from '../models/src/face-models.js';

const { values } = parseArgs({ options: { photos: { type: 'string' }, dir: { type: 'string' } } });
const total = Number(values.photos ?? 2000);
if (!Number.isInteger(total) || total < 1) {
  console.error(`faces-memory: --photos must be a positive integer, got ${values.photos}`);
  process.exit(1);
}
const dir = path.resolve(values.dir ?? path.join(import.meta.dirname, '../test/fixtures/faces'));

// Small photos keep the loop fast; the blank one runs every fallback pass and finds no face.
const names = ['azure_son_1.jpg', 'azure_son_2.jpg', 'letterbox_small_obama.jpg', 'blank_white.png'].filter(
  (name) => readdirSync(dir).includes(name),
);
const photos = names.map((name) => readFileSync(path.join(dir, name)));
if (photos.length === 0) {
  console.error(`faces-memory: none of ${names.join(', ')} found in ${dir}`);
  process.exit(1);
}

const { tf } = await loadFaceModels();
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
console.log('photos  tensors  tensor MB  wasm heap MB  rss MB  heap used MB  ms/photo');

let faces = 0;
let intervalStart = performance.now();
const interval = Math.max(1, Math.floor(total / 10));
for (let i = 1; i <= total; i++) {
  faces += (await detectFaces(photos[i % photos.length] as Buffer)).length;
  if (i % interval === 0 || i === total) {
    const memory = tf.memory();
    // The wasm backend's linear memory only grows; a rising size would mean tensors leak in it.
    const wasmHeap =
      (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.byteLength ?? 0;
    const usage = process.memoryUsage();
    const msPerPhoto = (performance.now() - intervalStart) / interval;
    console.log(
      `${String(i).padStart(6)}  ${String(memory.numTensors).padStart(7)}  ${mb(memory.numBytes).padStart(9)}  ${mb(wasmHeap).padStart(12)}  ${mb(usage.rss).padStart(6)}  ${mb(usage.heapUsed).padStart(12)}  ${msPerPhoto.toFixed(0).padStart(8)}`,
    );
    intervalStart = performance.now();
  }
}
console.log(`${faces} faces found in ${total} photos`);
