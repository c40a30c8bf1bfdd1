import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAST_MAX_SIDE } from '../src/detection-strategy.js';
import { asFaceApiInput, type FaceModels, loadFaceModels } from '../src/face-models.js';
import {
  hasFusedTinyFaceDetector,
  installFusedTinyFaceDetector,
  removeFusedTinyFaceDetector,
} from '../src/fused-tiny-face-detector.js';
import { decodePhoto } from '../src/photo-decoder.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../test/fixtures/faces');

let models: FaceModels;

async function photoTensor(name: string): Promise<tf.Tensor3D> {
  const decoded = await decodePhoto(await readFile(path.join(FIXTURES, name)), FAST_MAX_SIDE);
  return tf.tensor3d(decoded.pixels, [decoded.height, decoded.width, 3], 'int32');
}

/** Runs `work` with face-api's own forward pass, then puts the fused one back. */
async function withFaceApiForward<T>(work: () => Promise<T>): Promise<T> {
  const net = models.faceapi.nets.tinyFaceDetector;
  removeFusedTinyFaceDetector(net);
  try {
    return await work();
  } finally {
    installFusedTinyFaceDetector(net);
  }
}

async function rawOutput(image: tf.Tensor3D, inputSize: number): Promise<Float32Array> {
  const output = await models.faceapi.nets.tinyFaceDetector.forward(asFaceApiInput(image), inputSize);
  const values = (await output.data()) as Float32Array;
  output.dispose();
  return values;
}

async function locate(image: tf.Tensor3D, inputSize: number) {
  const { faceapi } = models;
  const options = new faceapi.TinyFaceDetectorOptions({ inputSize, scoreThreshold: 0.5 });
  const faces = await faceapi.nets.tinyFaceDetector.locateFaces(asFaceApiInput(image), options);
  // Box reads its sides through getters, so they are copied one by one.
  return faces.map(({ score, box }) => ({ score, x: box.x, y: box.y, width: box.width, height: box.height }));
}

describe('fused tiny face detector', () => {
  beforeAll(async () => {
    models = await loadFaceModels();
  });

  it('replaces the forward pass when the models load', () => {
    expect(hasFusedTinyFaceDetector(models.faceapi.nets.tinyFaceDetector)).toBe(true);
  });

  for (const inputSize of [320, 608]) {
    it(`computes face-api's network output at input ${inputSize}`, async () => {
      const image = await photoTensor('composite_obama_biden.jpg');
      const fused = await rawOutput(image, inputSize);
      const original = await withFaceApiForward(() => rawOutput(image, inputSize));
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
    for (const name of ['composite_obama_biden.jpg', 'obama_1.jpg', 'biden_2.jpg', 'azure_son_1.jpg']) {
      const image = await photoTensor(name);
      for (const inputSize of [320, 608]) {
        const fused = await locate(image, inputSize);
        const original = await withFaceApiForward(() => locate(image, inputSize));
        expect(fused.length, `${name} at ${inputSize}`).toBe(original.length);
        for (const [index, face] of original.entries()) {
          const other = fused[index];
          expect(other?.score).toBeCloseTo(face.score, 5);
          expect(other?.x).toBeCloseTo(face.x, 2);
          expect(other?.y).toBeCloseTo(face.y, 2);
          expect(other?.width).toBeCloseTo(face.width, 2);
          expect(other?.height).toBeCloseTo(face.height, 2);
        }
      }
      image.dispose();
    }
  });

  it('rejects a network of another layout', () => {
    const net = models.faceapi.nets.tinyFaceDetector;
    const unloaded = { params: undefined, config: {} } as unknown as typeof net;
    expect(() => installFusedTinyFaceDetector(unloaded)).toThrow(/weights are not loaded/);

    const internals = net as unknown as { params: unknown; config: Record<string, unknown> };
    const plainYolo = {
      params: internals.params,
      config: { ...internals.config, withSeparableConvs: false },
    };
    expect(() => installFusedTinyFaceDetector(plainYolo as unknown as typeof net)).toThrow(
      /unexpected layout/,
    );
  });
});
