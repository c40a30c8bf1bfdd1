import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAST_MAX_SIDE } from '../src/detection-strategy.js';
import { asFaceApiInput, type FaceModels, loadFaceModels } from '../src/face-models.js';
import { fusedTinyFaceDetectorLayers, runFusedTinyFaceDetector } from '../src/fused-tiny-face-detector.js';
import { decodePhoto } from '../src/photo-decoder.js';
import { locateFacesUnpadded } from '../src/tiny-face-locator.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../test/fixtures/faces');

let models: FaceModels;

async function photoTensor(name: string): Promise<tf.Tensor3D> {
  const decoded = await decodePhoto(await readFile(path.join(FIXTURES, name)), FAST_MAX_SIDE);
  return tf.tensor3d(decoded.pixels, [decoded.height, decoded.width, 3], 'int32');
}

/** Pads a photo with black on the bottom or the right to a square, as face-api does before detection. */
function padToSquare(image: tf.Tensor3D): tf.Tensor3D {
  const [height, width] = image.shape;
  const side = Math.max(height, width);
  return tf.pad(image, [
    [0, side - height],
    [0, side - width],
    [0, 0],
  ]);
}

/** Returns the raw network output of face-api's own layers and of the fused ones for one image. */
async function bothOutputs(image: tf.Tensor3D, inputSize: number): Promise<[Float32Array, Float32Array]> {
  const net = models.faceapi.nets.tinyFaceDetector;
  // At exactly inputSize × inputSize, face-api's scaling to the input leaves the pixels as they are.
  const square = tf.image.resizeBilinear(padToSquare(image), [inputSize, inputSize]);
  const original = await net.forward(asFaceApiInput(square as tf.Tensor3D), inputSize);
  const fused = runFusedTinyFaceDetector(
    tf.expandDims(square, 0) as tf.Tensor4D,
    fusedTinyFaceDetectorLayers(net),
  );
  const values: [Float32Array, Float32Array] = [
    (await original.data()) as Float32Array,
    (await fused.data()) as Float32Array,
  ];
  tf.dispose([square, original as unknown as tf.Tensor, fused]);
  return values;
}

describe('fused tiny face detector', () => {
  beforeAll(async () => {
    models = await loadFaceModels();
  });

  it('folds the weights once per network', () => {
    const net = models.faceapi.nets.tinyFaceDetector;
    expect(fusedTinyFaceDetectorLayers(net)).toBe(fusedTinyFaceDetectorLayers(net));
  });

  for (const inputSize of [320, 608]) {
    it(`computes face-api's network output at input ${inputSize}`, async () => {
      const image = await photoTensor('composite_obama_biden.jpg');
      const [original, fused] = await bothOutputs(image, inputSize);
      image.dispose();

      expect(fused.length).toBe(original.length);
      let largest = 0;
      let largestDifference = 0;
      for (let index = 0; index < original.length; index++) {
        largest = Math.max(largest, Math.abs(original[index] as number));
        largestDifference = Math.max(
          largestDifference,
          Math.abs((fused[index] as number) - (original[index] as number)),
        );
      }
      // Float rounding only: a wrong padding, slope or bias would move outputs by whole units.
      expect(largest).toBeGreaterThan(1);
      expect(largestDifference).toBeLessThan(largest * 1e-5);
    });
  }

  it('finds the same boxes and scores as face-api', async () => {
    // On a photo padded to a square, the unpadded locator reads what face-api's own padding gives
    // its network, so scores agree to rounding. face-api maps boxes back through the scaled photo
    // size rounded to whole pixels, which moves each coordinate by up to about value / inputSize.
    const { faceapi } = models;
    const net = faceapi.nets.tinyFaceDetector;
    for (const name of ['composite_obama_biden.jpg', 'obama_1.jpg', 'biden_2.jpg', 'azure_son_1.jpg']) {
      const image = await photoTensor(name);
      const square = padToSquare(image);
      for (const inputSize of [320, 608]) {
        const options = new faceapi.TinyFaceDetectorOptions({ inputSize, scoreThreshold: 0.5 });
        const original = await net.locateFaces(asFaceApiInput(image), options);
        const fused = await locateFacesUnpadded(net, square, inputSize, 0.5);
        const byScore = [...original].sort((a, b) => b.score - a.score);
        expect(fused.length, `${name} at ${inputSize}`).toBe(original.length);
        for (const [index, face] of byScore.entries()) {
          const other = fused[index];
          expect(other?.score).toBeCloseTo(face.score, 5);
          const tolerance = (value: number) => Math.abs(value) / inputSize + 0.01;
          expect(Math.abs((other?.box.x ?? Number.NaN) - face.box.x)).toBeLessThan(tolerance(face.box.x));
          expect(Math.abs((other?.box.y ?? Number.NaN) - face.box.y)).toBeLessThan(tolerance(face.box.y));
          expect(Math.abs((other?.box.width ?? Number.NaN) - face.box.width)).toBeLessThan(
            tolerance(face.box.width),
          );
          expect(Math.abs((other?.box.height ?? Number.NaN) - face.box.height)).toBeLessThan(
            tolerance(face.box.height),
          );
        }
      }
      tf.dispose([image, square]);
    }
  });

  it('rejects a network of another layout', () => {
    const net = models.faceapi.nets.tinyFaceDetector;
    const unloaded = { params: undefined, config: {} } as unknown as typeof net;
    expect(() => fusedTinyFaceDetectorLayers(unloaded)).toThrow(/weights are not loaded/);

    const internals = net as unknown as { params: unknown; config: Record<string, unknown> };
    const plainYolo = {
      params: internals.params,
      config: { ...internals.config, withSeparableConvs: false },
    };
    expect(() => fusedTinyFaceDetectorLayers(plainYolo as unknown as typeof net)).toThrow(
      /unexpected layout/,
    );
  });
});
