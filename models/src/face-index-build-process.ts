// Child process of buildFaceIndexInBackground. It reads the ids and descriptors that its parent
// wrote, builds the face index and saves it into the output directory. Exit code 0 means the saved
// files are complete. On any other code the parent discards the directory.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BUILD_INPUT_FILES, type BuildRequest } from './background-build.js';
import { FaceIndex } from './face-index.js';

const [inputDirectory, outputDirectory] = process.argv.slice(2);
if (!inputDirectory || !outputDirectory) {
  console.error('usage: face-index-build-process.ts INPUT_DIRECTORY OUTPUT_DIRECTORY');
  process.exit(2);
}

const request = JSON.parse(
  await readFile(path.join(inputDirectory, BUILD_INPUT_FILES.request), 'utf8'),
) as BuildRequest;
const bytes = await readFile(path.join(inputDirectory, BUILD_INPUT_FILES.descriptors));

// A Float32Array view needs an offset that is a multiple of 4. A Buffer read from a small file may
// sit at any offset of Node's shared pool, so such a Buffer is copied first.
const aligned = bytes.byteOffset % 4 === 0 ? bytes : Buffer.from(bytes);
const descriptors = new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);

const index = await FaceIndex.buildFromBatch(request.faceIds, descriptors, request.options);
await index.save(outputDirectory);
process.exit(0);
