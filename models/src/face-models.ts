import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import { fusedTinyFaceDetectorLayers } from './fused-tiny-face-detector.js';
import { installWasmConcatKernel } from './wasm-concat-kernel.js';

const require = createRequire(import.meta.url);

/** Weights shipped inside the installed @vladmandic/face-api package; nothing is fetched at run time. */
export const FACE_MODEL_DIR = path.join(
  path.dirname(require.resolve('@vladmandic/face-api/package.json')),
  'model',
);

/**
 * Revision of our own steps around the networks (crop, alignment, normalisation). Bump it when a
 * change makes new descriptors incomparable with stored ones, so the API layer recomputes them.
 * Revision 2 decodes photos without applying their embedded colour profile. Revision 3 decodes
 * them at 800 px instead of 1024 (FAST_MAX_SIDE) and runs the tiny detector on them without square
 * padding, which moves boxes slightly.
 */
const PIPELINE_REVISION = 3;

export interface FaceModels {
  tf: typeof tf;
  faceapi: typeof faceapi;
  /** Stored with every descriptor: descriptors are comparable only within one version. */
  modelVersion: string;
  /** Threads used by the wasm backend; 1 in Node, see loadFaceModels. */
  wasmThreads: number;
}

/**
 * A tensor as face-api's networks accept it. face-api's type declarations bundle their own copy of
 * the tfjs-core classes, so a tensor from @tensorflow/tfjs does not type-check against them even
 * though at run time both are the same tfjs instance.
 */
export type FaceApiInput = Parameters<typeof faceapi.nets.faceRecognitionNet.computeFaceDescriptor>[0];

export function asFaceApiInput(tensor: tf.Tensor3D): FaceApiInput {
  return tensor as unknown as FaceApiInput;
}

let loading: Promise<FaceModels> | undefined;

/**
 * Loads tfjs with the wasm backend and the face networks once per process.
 *
 * The wasm backend finds its .wasm binary next to its own JavaScript file (Emscripten's
 * scriptDirectory, which is `__dirname` in Node), so no `setWasmPaths` call is needed. In Node,
 * tfjs-backend-wasm 4.22 reports no thread support and runs the single-threaded SIMD build. So
 * `setThreadsCount` has no effect, and parallel work needs one worker per core.
 */
export function loadFaceModels(): Promise<FaceModels> {
  if (!loading) {
    loading = loadOnce().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
  }
  return loading;
}

async function loadOnce(): Promise<FaceModels> {
  const backendReady = await tf.setBackend('wasm');
  if (!backendReady) {
    throw new Error(
      'tfjs wasm backend failed to initialise; check that @tensorflow/tfjs-backend-wasm is installed',
    );
  }
  await tf.ready();
  installWasmConcatKernel();

  await Promise.all([
    faceapi.nets.tinyFaceDetector.loadFromDisk(FACE_MODEL_DIR),
    faceapi.nets.ssdMobilenetv1.loadFromDisk(FACE_MODEL_DIR),
    faceapi.nets.faceLandmark68Net.loadFromDisk(FACE_MODEL_DIR),
    faceapi.nets.faceRecognitionNet.loadFromDisk(FACE_MODEL_DIR),
  ]);
  // Folds the tiny detector's weights once at load, so that a face-api version whose layout
  // differs fails here instead of at the first photo.
  fusedTinyFaceDetectorLayers(faceapi.nets.tinyFaceDetector);

  return { tf, faceapi, modelVersion: await computeModelVersion(), wasmThreads: getThreadsCount() };
}

/**
 * Names the package version and hashes the landmark and recognition weights, the two networks
 * that shape a descriptor. Both detectors only pick the face box, so they are left out.
 */
async function computeModelVersion(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of ['face_landmark_68_model.bin', 'face_recognition_model.bin']) {
    hash.update(await readFile(path.join(FACE_MODEL_DIR, file)));
  }
  const packageVersion = (require('@vladmandic/face-api/package.json') as { version: string }).version;
  return `face-api-${packageVersion}+weights-${hash.digest('hex').slice(0, 12)}+pipeline-${PIPELINE_REVISION}`;
}
