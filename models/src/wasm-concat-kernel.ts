import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Inner runs shorter than this are copied element by element, and longer ones with
 * TypedArray.set, which costs more per call but less per element. 32 is an estimate, not measured.
 */
const SHORT_RUN_LENGTH = 32;

type ConcatArgs = {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
};

let installed: tf.KernelFunc | undefined;

/** Returns the kernel function that installWasmConcatKernel registered, so tests can check that it runs. */
export function installedWasmConcatKernel(): tf.KernelFunc | undefined {
  return installed;
}

/**
 * Replaces the wasm backend's Concat kernel with one that copies short runs in a plain loop.
 *
 * The kernel that tfjs-backend-wasm 4.22 ships copies every run of the inner axes with
 * `subarray` and `set`. face-api subtracts its mean colour with a tensor built by concatenating
 * three one-channel images along the channel axis. That kernel then makes three calls per pixel,
 * which took 40% of the tiny detector's time at input 320 and 37% at 608 (bench/README.md). A
 * plain loop copies the same values in a small fraction of that time. Concatenation only copies values, so
 * every network gives the same output bit for bit. The tiny detector no longer concatenates (its
 * normalisation is folded into its first layer), but the landmark and recognition networks still
 * normalise each face crop this way.
 *
 * Call after the wasm backend is ready. Strings, a single non-empty input and long runs go to the
 * original kernel.
 */
export function installWasmConcatKernel(): void {
  const original = tf.getKernel('Concat', 'wasm');
  if (!original) {
    throw new Error(
      'Concat kernel of the tfjs wasm backend not found. Call tf.setBackend("wasm") before installing this kernel.',
    );
  }
  if (original.kernelFunc === installed) {
    return;
  }

  const originalConcat = original.kernelFunc;
  const concat: tf.KernelFunc = (args) => concatShortRuns(args as ConcatArgs, originalConcat);
  tf.unregisterKernel('Concat', 'wasm');
  tf.registerKernel({ kernelName: 'Concat', backendName: 'wasm', kernelFunc: concat });
  installed = concat;
}

function concatShortRuns(args: ConcatArgs, originalConcat: tf.KernelFunc): ReturnType<tf.KernelFunc> {
  const inputs = Object.values(args.inputs) as tf.TensorInfo[];
  const first = inputs[0];
  if (!first || first.dtype === 'string') {
    return originalConcat(args);
  }

  const axis = tf.util.parseAxisParam(args.attrs?.axis as number, first.shape)[0] ?? 0;
  const nonEmpty = inputs.filter((input) => tf.util.sizeFromShape(input.shape) > 0);
  const runLengths = nonEmpty.map((input) => tf.util.sizeFromShape(input.shape.slice(axis)));
  if (nonEmpty.length < 2 || runLengths.every((length) => length >= SHORT_RUN_LENGTH)) {
    return originalConcat(args);
  }

  tf.backend_util.assertParamsConsistent(
    inputs.map((input) => input.shape),
    axis,
  );
  const outShape = tf.backend_util.computeOutShape(
    inputs.map((input) => input.shape),
    axis,
  );
  const backend = args.backend as BackendWasm;
  const out = backend.makeOutput(outShape, first.dtype);

  // The views are taken after makeOutput, which may grow the wasm memory and detach older views.
  const outValues = backend.typedArrayFromHeap(out);
  const rowCount = tf.util.sizeFromShape(nonEmpty[0]?.shape.slice(0, axis) ?? []);
  const rowLength = runLengths.reduce((sum, length) => sum + length, 0);

  let column = 0;
  nonEmpty.forEach((input, index) => {
    const values = backend.typedArrayFromHeap(input);
    const runLength = runLengths[index] ?? 0;
    copyRuns(values, outValues, rowCount, runLength, rowLength, column);
    column += runLength;
  });
  return out;
}

/** Copies row r of `source` (runLength values) to `target` at r × rowLength + column. */
function copyRuns(
  source: tf.TypedArray,
  target: tf.TypedArray,
  rowCount: number,
  runLength: number,
  rowLength: number,
  column: number,
): void {
  if (runLength >= SHORT_RUN_LENGTH) {
    for (let row = 0; row < rowCount; row++) {
      target.set(source.subarray(row * runLength, (row + 1) * runLength), row * rowLength + column);
    }
    return;
  }

  let from = 0;
  let to = column;
  for (let row = 0; row < rowCount; row++) {
    for (let offset = 0; offset < runLength; offset++) {
      target[to + offset] = source[from + offset] as number;
    }
    from += runLength;
    to += rowLength;
  }
}
