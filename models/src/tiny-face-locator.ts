import * as tf from '@tensorflow/tfjs';
import type { Box } from './face-geometry.js';
import {
  fusedTinyFaceDetectorLayers,
  runFusedTinyFaceDetector,
  type TinyFaceDetector,
} from './fused-tiny-face-detector.js';

/** Input pixels per output cell of the tiny face detector (five stride-2 max pools). */
const CELL_SIZE = 32;
/** Numbers per anchor in each output cell: box centre x and y, width, height, and the face score. */
const BOX_ENCODING_SIZE = 5;

/** A face found by the tiny detector, in pixels of the image it ran on. */
export interface LocatedFace {
  box: Box;
  score: number;
}

/** The anchor boxes and overlap limit that face-api's TinyFaceDetector is configured with. */
interface TinyFaceDetectorConfig {
  anchors: { x: number; y: number }[];
  iouThreshold: number;
}

/**
 * Finds faces with face-api's tiny face detector without padding the image to a square.
 *
 * face-api pads every image with black to a square before scaling it to `inputSize` × `inputSize`,
 * so on a 2:3 portrait photo a third of the network's work reads padding. Here the longer side is
 * scaled to `inputSize` and the shorter one only rounded up to a multiple of 32. The network is
 * fully convolutional, so it runs on the smaller input and returns a grid of cells of the same size.
 * Each cell is decoded as face-api decodes it (sigmoid of the centre offset and the score,
 * exponential of the anchor-relative size), and overlapping boxes are merged by non-maximum
 * suppression at face-api's overlap limit.
 *
 * Returns faces with a score above `minScore`, highest score first.
 */
export async function locateFacesUnpadded(
  net: TinyFaceDetector,
  image: tf.Tensor3D,
  inputSize: number,
  minScore: number,
): Promise<LocatedFace[]> {
  if (inputSize % CELL_SIZE !== 0) {
    throw new Error(`tiny face detector input size ${inputSize} is not a multiple of ${CELL_SIZE}`);
  }
  const { anchors, iouThreshold } = (net as unknown as { config: TinyFaceDetectorConfig }).config;
  const layers = fusedTinyFaceDetectorLayers(net);

  const [height, width] = image.shape;
  const scale = inputSize / Math.max(height, width);
  const scaledHeight = Math.max(1, Math.round(height * scale));
  const scaledWidth = Math.max(1, Math.round(width * scale));
  const rows = Math.ceil(scaledHeight / CELL_SIZE);
  const columns = Math.ceil(scaledWidth / CELL_SIZE);

  // Zero pixels fill the rounding, as face-api's square padding does.
  const output = tf.tidy(() => {
    const scaled = tf.image.resizeBilinear(tf.cast(image, 'float32'), [scaledHeight, scaledWidth]);
    const padded = tf.pad(scaled, [
      [0, rows * CELL_SIZE - scaledHeight],
      [0, columns * CELL_SIZE - scaledWidth],
      [0, 0],
    ]);
    return runFusedTinyFaceDetector(tf.expandDims(padded, 0) as tf.Tensor4D, layers);
  });
  const values = (await output.data()) as Float32Array;
  output.dispose();

  // Network input pixels per image pixel, on each axis after rounding.
  const scaleX = scaledWidth / width;
  const scaleY = scaledHeight / height;
  const candidates: LocatedFace[] = [];
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      for (const [anchorIndex, anchor] of anchors.entries()) {
        const offset = ((row * columns + column) * anchors.length + anchorIndex) * BOX_ENCODING_SIZE;
        const score = sigmoid(values[offset + 4] as number);
        if (score <= minScore) continue;

        const centreX = (column + sigmoid(values[offset] as number)) * CELL_SIZE;
        const centreY = (row + sigmoid(values[offset + 1] as number)) * CELL_SIZE;
        const boxWidth = Math.exp(values[offset + 2] as number) * anchor.x * CELL_SIZE;
        const boxHeight = Math.exp(values[offset + 3] as number) * anchor.y * CELL_SIZE;
        candidates.push({
          score,
          box: {
            x: (centreX - boxWidth / 2) / scaleX,
            y: (centreY - boxHeight / 2) / scaleY,
            width: boxWidth / scaleX,
            height: boxHeight / scaleY,
          },
        });
      }
    }
  }

  return suppressOverlaps(candidates, iouThreshold);
}

/** Keeps the best-scoring box of each group whose overlap (intersection over union) exceeds the limit. */
async function suppressOverlaps(candidates: LocatedFace[], iouThreshold: number): Promise<LocatedFace[]> {
  if (candidates.length === 0) return [];
  const corners = tf.tensor2d(
    candidates.map(({ box }) => [box.y, box.x, box.y + box.height, box.x + box.width]),
  );
  const scores = tf.tensor1d(candidates.map((candidate) => candidate.score));
  const keptIndices = await tf.image.nonMaxSuppressionAsync(corners, scores, candidates.length, iouThreshold);
  const indices = await keptIndices.data();
  corners.dispose();
  scores.dispose();
  keptIndices.dispose();
  return Array.from(indices, (index) => candidates[index] as LocatedFace);
}

function sigmoid(value: number): number {
  return 1 / (1 + Math.exp(-value));
}
