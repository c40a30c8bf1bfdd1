import * as tf from '@tensorflow/tfjs';
import type * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';

/**
 * face-api's leaky ReLU slope: it multiplies by tf.scalar(0.10000000149011612), which is 0.1 as a
 * float32. The fused kernels take the same float32 value.
 */
const LEAKY_RELU_ALPHA = 0.10000000149011612;

interface ConvParams {
  filters: tf.Tensor4D;
  bias: tf.Tensor1D;
}

interface SeparableConvParams {
  depthwise_filter: tf.Tensor4D;
  pointwise_filter: tf.Tensor4D;
  bias: tf.Tensor1D;
}

/** The weights of face-api's tiny face detector, as its loaded network stores them. */
export interface TinyFaceDetectorParams {
  conv0: ConvParams;
  conv1: SeparableConvParams;
  conv2: SeparableConvParams;
  conv3: SeparableConvParams;
  conv4: SeparableConvParams;
  conv5: SeparableConvParams;
  conv6?: SeparableConvParams;
  conv7?: SeparableConvParams;
  conv8: ConvParams;
}

/** The part of face-api's NetInput that the forward pass reads. */
interface NetInput {
  toBatchTensor(inputSize: number, isCenterInputs: boolean): tf.Tensor4D;
}

/** The members of face-api's TinyFaceDetector that this module reads or replaces. */
interface TinyFaceDetectorInternals {
  params: TinyFaceDetectorParams | undefined;
  config: { withSeparableConvs?: boolean; isFirstLayerConv2d?: boolean; meanRgb?: [number, number, number] };
  forwardInput(input: NetInput, inputSize: number): tf.Tensor4D;
}

export type TinyFaceDetector = typeof faceapi.nets.tinyFaceDetector;

/** The folded weights for each set of loaded weights, made once however often the pass is installed. */
const foldedLayers = new WeakMap<TinyFaceDetectorParams, TinyFaceDetectorParams>();

function internalsOf(net: TinyFaceDetector): TinyFaceDetectorInternals {
  return net as unknown as TinyFaceDetectorInternals;
}

/**
 * Replaces the forward pass of face-api's tiny face detector with one that computes the same
 * network in fewer kernels. face-api writes each layer as a convolution, a bias add and a leaky
 * ReLU made of four element-wise ops, with a separate zero pad before it. Each op reads and writes
 * the whole activation tensor, which on the wasm backend took about a third of the detector's time.
 * Here each layer is one fused convolution (bias and leaky ReLU applied as the output is written),
 * with 'same' padding in place of the pad, and the input normalisation is folded into the first
 * layer's weights.
 *
 * The output differs from face-api's only by float rounding (about 1e-6 of its range), so boxes
 * and scores agree to many decimals; models/test/fused-tiny-face-detector.test.ts checks that.
 * Decoding of the output, score threshold and non-maximum suppression stay face-api's own.
 * detectFaces itself calls locateFacesUnpadded (tiny-face-locator.ts), which runs the same fused
 * layers without padding the photo to a square. The installed pass serves face-api's own
 * locateFaces, which the benchmarks and tests compare against.
 *
 * Call after the network's weights are loaded.
 */
export function installFusedTinyFaceDetector(net: TinyFaceDetector): void {
  const layers = fusedTinyFaceDetectorLayers(net);
  internalsOf(net).forwardInput = (input: NetInput, inputSize: number) =>
    tf.tidy(() =>
      runFusedTinyFaceDetector(tf.cast(input.toBatchTensor(inputSize, false), 'float32'), layers),
    );
}

/**
 * Returns the weights of the fused pass for a loaded tiny face detector: face-api's own, with the
 * input normalisation folded into the first layer. They are made once per set of loaded weights.
 */
export function fusedTinyFaceDetectorLayers(net: TinyFaceDetector): TinyFaceDetectorParams {
  const { params, config } = internalsOf(net);
  if (!params) {
    throw new Error('tiny face detector weights are not loaded; load them before using the fused layers');
  }
  // The fused pass is written for the layout that face-api's TinyFaceDetector uses. Another layout
  // (a newer face-api, or another TinyYolov2 network) keeps face-api's own pass.
  const meanRgb = config.meanRgb;
  if (!config.withSeparableConvs || !config.isFirstLayerConv2d || !meanRgb || meanRgb.length !== 3) {
    throw new Error(
      'face-api tiny face detector has an unexpected layout; the fused forward pass does not apply to it',
    );
  }

  // The first layer is a 'valid' convolution, so every output reads a full 3×3 window and the
  // mean subtraction and division by 255 can move into its weights. face-api runs them as two
  // element-wise ops on the whole input, and a broadcast subtraction is slow on the wasm backend
  // (about 10 ms at input 608).
  let layers = foldedLayers.get(params);
  if (!layers) {
    layers = { ...params, conv0: normalisingFirstLayer(params.conv0, meanRgb) };
    foldedLayers.set(params, layers);
  }
  return layers;
}

/**
 * Folds face-api's input normalisation, (pixel − mean colour) / 255, into a convolution:
 * conv((x − m) / 255, W) + b = conv(x, W / 255) + (b − Σ W·m / 255), summed over the window and the
 * colour channels for each output channel. The tensors are kept for the life of the process.
 */
function normalisingFirstLayer(conv: ConvParams, meanRgb: [number, number, number]): ConvParams {
  return tf.tidy(() => {
    const filters = tf.div(conv.filters, 255) as tf.Tensor4D;
    const meanPerInputChannel = tf.reshape(tf.tensor1d(meanRgb), [1, 1, 3, 1]);
    const meanResponse = tf.sum(tf.mul(filters, meanPerInputChannel), [0, 1, 2]);
    const bias = tf.sub(conv.bias, meanResponse) as tf.Tensor1D;
    return { filters: tf.keep(filters), bias: tf.keep(bias) };
  });
}

/** Gives the network back face-api's own forward pass (used by tests and benchmarks to compare). */
export function removeFusedTinyFaceDetector(net: TinyFaceDetector): void {
  delete (net as unknown as Partial<TinyFaceDetectorInternals>).forwardInput;
}

/** True when installFusedTinyFaceDetector has replaced this network's forward pass. */
export function hasFusedTinyFaceDetector(net: TinyFaceDetector): boolean {
  return Object.hasOwn(net, 'forwardInput');
}

/**
 * Runs the layers of face-api's TinyYolov2Base.runMobilenet with isFirstLayerConv2d, fused. The
 * input is raw pixels (0–255) as float32, because the layers from fusedTinyFaceDetectorLayers
 * normalise them. Each side of the input must be a multiple of 32, and the output has one cell per
 * 32×32 input pixels.
 */
export function runFusedTinyFaceDetector(input: tf.Tensor4D, params: TinyFaceDetectorParams): tf.Tensor4D {
  let out = tf.fused.conv2d({
    x: input,
    filter: params.conv0.filters,
    strides: 1,
    pad: 'valid',
    bias: params.conv0.bias,
    activation: 'leakyrelu',
    leakyreluAlpha: LEAKY_RELU_ALPHA,
  });
  out = tf.maxPool(out, 2, 2, 'same');
  out = separableLayer(out, params.conv1);
  out = tf.maxPool(out, 2, 2, 'same');
  out = separableLayer(out, params.conv2);
  out = tf.maxPool(out, 2, 2, 'same');
  out = separableLayer(out, params.conv3);
  out = tf.maxPool(out, 2, 2, 'same');
  out = separableLayer(out, params.conv4);
  out = tf.maxPool(out, 2, 2, 'same');
  out = separableLayer(out, params.conv5);
  out = tf.maxPool(out, 2, 1, 'same');
  if (params.conv6) out = separableLayer(out, params.conv6);
  if (params.conv7) out = separableLayer(out, params.conv7);
  return tf.fused.conv2d({
    x: out,
    filter: params.conv8.filters,
    strides: 1,
    pad: 'valid',
    bias: params.conv8.bias,
  });
}

/**
 * Runs a 3×3 depthwise convolution and a 1×1 pointwise one with bias and leaky ReLU. face-api pads
 * by one pixel of zeros and convolves with 'valid'. For a 3×3 filter at stride 1, 'same' pads the
 * same way.
 */
function separableLayer(x: tf.Tensor4D, params: SeparableConvParams): tf.Tensor4D {
  const depthwise = tf.depthwiseConv2d(x, params.depthwise_filter, 1, 'same');
  return tf.fused.conv2d({
    x: depthwise,
    filter: params.pointwise_filter,
    strides: 1,
    pad: 'valid',
    bias: params.bias,
    activation: 'leakyrelu',
    leakyreluAlpha: LEAKY_RELU_ALPHA,
  });
}
