import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAST_MAX_SIDE } from '../src/detection-strategy.js';
import type { Box } from '../src/face-geometry.js';
import { asFaceApiInput, type FaceModels, loadFaceModels } from '../src/face-models.js';
import { decodePhoto } from '../src/photo-decoder.js';
import { type LocatedFace, locateFacesUnpadded } from '../src/tiny-face-locator.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../test/fixtures/faces');

let models: FaceModels;

async function photoTensor(name: string): Promise<tf.Tensor3D> {
  const decoded = await decodePhoto(await readFile(path.join(FIXTURES, name)), FAST_MAX_SIDE);
  return tf.tensor3d(decoded.pixels, [decoded.height, decoded.width, 3], 'int32');
}

/** face-api's own detection, on the image padded to a square. */
async function locateOnSquare(image: tf.Tensor3D, inputSize: number): Promise<LocatedFace[]> {
  const { faceapi } = models;
  const options = new faceapi.TinyFaceDetectorOptions({ inputSize, scoreThreshold: 0.5 });
  const faces = await faceapi.nets.tinyFaceDetector.locateFaces(asFaceApiInput(image), options);
  return faces.map(({ score, box }) => ({
    score,
    box: { x: box.x, y: box.y, width: box.width, height: box.height },
  }));
}

function locate(image: tf.Tensor3D, inputSize: number): Promise<LocatedFace[]> {
  return locateFacesUnpadded(models.faceapi.nets.tinyFaceDetector, image, inputSize, 0.5);
}

function overlap(a: Box, b: Box): number {
  const width = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const height = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const intersection = width * height;
  return intersection / (a.width * a.height + b.width * b.height - intersection);
}

function byScore(faces: LocatedFace[]): LocatedFace[] {
  return [...faces].sort((a, b) => b.score - a.score);
}

describe('locateFacesUnpadded', () => {
  beforeAll(async () => {
    models = await loadFaceModels();
  });

  // Portrait, landscape and near-square photos with one or two clear faces.
  const photos = [
    'obama_1.jpg',
    'biden_2.jpg',
    'azure_son_1.jpg',
    'composite_obama_biden.jpg',
    'obama_4.jpg',
  ];
  for (const name of photos) {
    it(`finds face-api's faces in ${name}`, async () => {
      const image = await photoTensor(name);
      for (const inputSize of [320, 608]) {
        const expected = byScore(await locateOnSquare(image, inputSize));
        const found = byScore(await locate(image, inputSize));
        expect(found.length, `faces at input ${inputSize}`).toBe(expected.length);
        for (const [index, face] of expected.entries()) {
          const match = found[index] as LocatedFace;
          expect(overlap(match.box, face.box), `box ${index} at input ${inputSize}`).toBeGreaterThan(0.9);
          expect(Math.abs(match.score - face.score), `score ${index} at input ${inputSize}`).toBeLessThan(
            0.05,
          );
        }
      }
      image.dispose();
    });
  }

  it('returns boxes in pixels of the image', async () => {
    // obama_1.jpg decodes to 640×800. With 80 black columns on its left the longer side stays 800,
    // so at input 320 the network reads the same pixels moved by 32, exactly one cell. Each box
    // must then move right by 80 image pixels.
    const image = await photoTensor('obama_1.jpg');
    expect(image.shape).toEqual([800, 640, 3]);
    const shifted = tf.pad(image, [
      [0, 0],
      [80, 0],
      [0, 0],
    ]);
    const [face] = byScore(await locate(image, 320));
    const [shiftedFace] = byScore(await locate(shifted, 320));
    image.dispose();
    shifted.dispose();

    expect(face).toBeDefined();
    expect(shiftedFace).toBeDefined();
    const box = (face as LocatedFace).box;
    const shiftedBox = (shiftedFace as LocatedFace).box;
    const tolerance = box.width * 0.02;
    expect(Math.abs(shiftedBox.x - (box.x + 80))).toBeLessThan(tolerance);
    expect(Math.abs(shiftedBox.y - box.y)).toBeLessThan(tolerance);
    expect(Math.abs(shiftedBox.width - box.width)).toBeLessThan(tolerance);
    expect(Math.abs(shiftedBox.height - box.height)).toBeLessThan(tolerance);
  });

  it('finds nothing in a blank photo', async () => {
    const image = await photoTensor('blank_white.png');
    expect(await locate(image, 320)).toEqual([]);
    image.dispose();
  });

  it('rejects an input size off the cell grid', async () => {
    const image = tf.zeros([64, 64, 3], 'int32') as tf.Tensor3D;
    await expect(locate(image, 300)).rejects.toThrow(/not a multiple of 32/);
    image.dispose();
  });
});
