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

/** The members of face-api's TinyFaceDetector that this module reads. */
interface TinyFaceDetectorInternals {
  params: TinyFaceDetectorParams | undefined;
  config: { withSeparableConvs?: boolean; isFirstLayerConv2d?: boolean; meanRgb?: [number, number, number] };
}

export type TinyFaceDetector = typeof faceapi.nets.tinyFaceDetector;

/** The folded weights for each set of loaded weights, made once per process. */
const foldedLayers = new WeakMap<TinyFaceDetectorParams, TinyFaceDetectorParams>();

function internalsOf(net: TinyFaceDetector): TinyFaceDetectorInternals {
  return net as unknown as TinyFaceDetectorInternals;
}

/**
 * Returns the weights of a loaded tiny face detector for runFusedTinyFaceDetector: face-api's own,
 * with the input normalisation folded into the first layer, made once per set of loaded weights.
 *
 * face-api writes each layer as a zero pad, a convolution, a bias add and a leaky ReLU made of four
 * element-wise ops. Each op reads and writes the whole activation tensor, which on the wasm backend
 * took about a third of the detector's time. The fused pass runs each layer as one convolution
 * that applies bias and leaky ReLU as it writes its output, with 'same' padding in place of the pad.
 * Its output differs from face-api's by float rounding only, about 1e-6 of its range
 * (models/test/fused-tiny-face-detector.test.ts).
 */
export function fusedTinyFaceDetectorLayers(net: TinyFaceDetector): TinyFaceDetectorParams {
  const { params, config } = internalsOf(net);
  if (!params) {
    throw new Error('tiny face detector weights are not loaded; load them before using the fused layers');
  }
  // The fused pass is written for the layout that face-api's TinyFaceDetector uses, and a newer
  // face-api or another TinyYolov2 network may differ.
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
