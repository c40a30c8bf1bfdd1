import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { descriptorSimilarity, isUnitDescriptor } from '../src/descriptor.js';
import { PhotoError } from '../src/errors.js';
import { type DetectedFace, detectFaces } from '../src/face-detector.js';
import { FaceIndex } from '../src/face-index.js';
import { FACE_MATCH_THRESHOLD } from '../src/face-match.js';
import { loadFaceModels } from '../src/face-models.js';
import { decodePhoto } from '../src/photo-decoder.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../test/fixtures/faces');
const SHARED_FACES = path.resolve(import.meta.dirname, '../../../shared/data/faces');

function fixture(name: string): Promise<Buffer> {
  return readFile(path.join(FIXTURES, name));
}

const detections = new Map<string, Promise<DetectedFace[]>>();

/** Detects the faces of a fixture once per test run; several tests read the same results. */
function facesOf(name: string): Promise<DetectedFace[]> {
  let result = detections.get(name);
  if (!result) {
    result = fixture(name).then((buffer) => detectFaces(buffer));
    detections.set(name, result);
  }
  return result;
}

async function primaryOf(name: string): Promise<DetectedFace> {
  const faces = await facesOf(name);
  const primary = faces.find((face) => face.primary);
  if (!primary) {
    throw new Error(`no face found in ${name}`);
  }
  return primary;
}

async function similarity(a: string, b: string): Promise<number> {
  return descriptorSimilarity((await primaryOf(a)).descriptor, (await primaryOf(b)).descriptor);
}

async function photoErrorCode(
  photo: Uint8Array,
  options?: Parameters<typeof detectFaces>[1],
): Promise<string> {
  try {
    await detectFaces(photo, options);
  } catch (error) {
    return error instanceof PhotoError ? error.code : `not a PhotoError: ${error}`;
  }
  return 'no error';
}

/** Builds a PNG that declares a size far beyond any camera, with a single row of pixel data. */
function pngDeclaring(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typeAndData));
    return Buffer.concat([length, typeAndData, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // colour type: RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const firstRow = deflateSync(Buffer.alloc(width * 3 + 1));
  return Buffer.concat([
    signature,
    chunk('IHDR', header),
    chunk('IDAT', firstRow),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('face matching', () => {
  it('matches the same person across different photos', async () => {
    const samePerson: [string, string][] = [
      ['obama_1.jpg', 'obama_2.jpg'],
      ['obama_1.jpg', 'obama_4.jpg'],
      ['obama_2.jpg', 'obama_4.jpg'],
      ['biden_1.jpg', 'biden_2.jpg'],
      ['azure_son_1.jpg', 'azure_son_2.jpg'],
    ];
    for (const [a, b] of samePerson) {
      expect(await similarity(a, b), `${a} ~ ${b}`).toBeGreaterThanOrEqual(FACE_MATCH_THRESHOLD);
    }
  });

  it('keeps different people below the threshold', async () => {
    const differentPeople: [string, string][] = [
      ['obama_1.jpg', 'biden_1.jpg'],
      ['obama_2.jpg', 'biden_2.jpg'],
      ['obama_4.jpg', 'azure_son_1.jpg'],
      ['biden_1.jpg', 'azure_son_2.jpg'],
    ];
    for (const [a, b] of differentPeople) {
      expect(await similarity(a, b), `${a} ≁ ${b}`).toBeLessThan(FACE_MATCH_THRESHOLD);
    }
  });

  it('finds the person through the index and no one else above the threshold', async () => {
    const gallery = [
      'obama_1.jpg',
      'obama_4.jpg',
      'biden_1.jpg',
      'biden_2.jpg',
      'azure_son_1.jpg',
      'azure_son_2.jpg',
    ];
    const rows = await Promise.all(
      gallery.map(async (name, i) => ({
        faceId: `face-${i}-${name}`,
        descriptor: (await primaryOf(name)).descriptor,
      })),
    );
    const index = await FaceIndex.build(rows);

    const matches = index.search((await primaryOf('obama_2.jpg')).descriptor, {
      k: 10,
      minSimilarity: FACE_MATCH_THRESHOLD,
    });
    expect(matches.map((match) => match.faceId).sort()).toEqual(['face-0-obama_1.jpg', 'face-1-obama_4.jpg']);
  });
});

describe('detectFaces', () => {
  it('returns a unit descriptor, landmarks, quality and the model version', async () => {
    const face = await primaryOf('obama_1.jpg');
    expect(face.descriptor).toHaveLength(128);
    expect(isUnitDescriptor(face.descriptor)).toBe(true);
    expect(face.landmarks).toHaveLength(68);
    expect(face.modelVersion).toMatch(/^face-api-\d+\.\d+\.\d+\+weights-[0-9a-f]{12}\+pipeline-\d+$/);
    expect(face.modelVersion).toBe((await loadFaceModels()).modelVersion);
    expect(face.quality.frontalness).toBeGreaterThan(0.8);
    for (const part of ['detectionScore', 'sizeScore', 'frontalness', 'overall'] as const) {
      expect(face.quality[part]).toBeGreaterThanOrEqual(0);
      expect(face.quality[part]).toBeLessThanOrEqual(1);
    }
    // obama_1.jpg is a 910×1137 head-and-shoulders portrait.
    expect(face.box.width).toBeGreaterThan(150);
    expect(face.box.x + face.box.width).toBeLessThanOrEqual(910);
    expect(face.box.y + face.box.height).toBeLessThanOrEqual(1137);
  });

  it('applies EXIF orientation', async () => {
    const [decoded, face, upright] = await Promise.all([
      fixture('obama_1_exif6.jpg').then((buffer) => decodePhoto(buffer, 4096)),
      primaryOf('obama_1_exif6.jpg'),
      primaryOf('obama_1.jpg'),
    ]);
    expect([decoded.originalWidth, decoded.originalHeight]).toEqual([910, 1137]);
    const eyeY = face.landmarks[36]?.y as number;
    const mouthY = face.landmarks[57]?.y as number;
    expect(eyeY, 'eyes above the mouth in an upright face').toBeLessThan(mouthY);
    expect(Math.abs(face.box.x - upright.box.x)).toBeLessThan(10);
    expect(descriptorSimilarity(face.descriptor, upright.descriptor)).toBeGreaterThan(0.98);
  });

  it('flattens PNG transparency onto white', async () => {
    const decoded = await decodePhoto(await fixture('biden_2_transparent.png'), 4096);
    expect(Array.from(decoded.pixels.subarray(0, 3))).toEqual([255, 255, 255]);
    expect(await similarity('biden_2_transparent.png', 'biden_2.jpg')).toBeGreaterThan(0.98);
  });

  it('reads grayscale photos as three channels', async () => {
    const decoded = await decodePhoto(await fixture('obama_2_grayscale.png'), 4096);
    expect(decoded.pixels.length).toBe(decoded.width * decoded.height * 3);
    expect(await similarity('obama_2_grayscale.png', 'obama_2.jpg')).toBeGreaterThan(0.98);
  });

  it('reads WEBP photos', async () => {
    expect(await similarity('biden_2.webp', 'biden_2.jpg')).toBeGreaterThan(0.98);
    expect(await similarity('biden_2.webp', 'biden_1.jpg')).toBeGreaterThanOrEqual(FACE_MATCH_THRESHOLD);
  });

  it('downscales a huge photo and reports boxes in its pixels', async () => {
    const portrait = await sharp(await fixture('obama_1.jpg'))
      .resize({ height: 2400 })
      .toBuffer();
    const huge = await sharp({ create: { width: 7200, height: 5400, channels: 3, background: '#6a7d8e' } })
      .composite([{ input: portrait, left: 4000, top: 1500 }])
      .jpeg({ quality: 80 })
      .toBuffer();

    const decoded = await decodePhoto(huge, 1024);
    expect(Math.max(decoded.width, decoded.height)).toBe(1024);
    const faces = await detectFaces(huge);
    expect(faces).toHaveLength(1);
    const centreX = (faces[0]?.box.x as number) + (faces[0]?.box.width as number) / 2;
    // The portrait is 1921 px wide at 4000..5921, with the face near its middle.
    expect(centreX).toBeGreaterThan(4600);
    expect(centreX).toBeLessThan(5400);
    expect(
      descriptorSimilarity(faces[0]?.descriptor as Float32Array, (await primaryOf('obama_1.jpg')).descriptor),
    ).toBeGreaterThan(FACE_MATCH_THRESHOLD);
  });

  it('finds several faces and marks the largest primary', async () => {
    const faces = await facesOf('composite_obama_biden.jpg');
    expect(faces.length).toBeGreaterThanOrEqual(2);
    expect(faces.filter((face) => face.primary)).toHaveLength(1);
    const areas = faces.map((face) => face.box.width * face.box.height);
    expect(faces[0]?.primary).toBe(true);
    expect(areas[0]).toBe(Math.max(...areas));

    const obama = (await primaryOf('obama_4.jpg')).descriptor;
    const biden = (await primaryOf('biden_1.jpg')).descriptor;
    const best = (reference: Float32Array) =>
      Math.max(...faces.map((face) => descriptorSimilarity(face.descriptor, reference)));
    expect(best(obama)).toBeGreaterThanOrEqual(FACE_MATCH_THRESHOLD);
    expect(best(biden)).toBeGreaterThanOrEqual(FACE_MATCH_THRESHOLD);
  });

  it('finds the face in tight crops and small photos', async () => {
    const upright = await primaryOf('obama_1.jpg');
    const { box } = upright;
    const tightCrop = await sharp(await fixture('obama_1.jpg'))
      .extract({
        left: Math.round(box.x + box.width * 0.1),
        top: Math.round(box.y + box.height * 0.05),
        width: Math.round(box.width * 0.8),
        height: Math.round(box.height * 0.9),
      })
      .resize({ width: 110 })
      .jpeg()
      .toBuffer();
    const faces = await detectFaces(tightCrop);
    expect(faces).toHaveLength(1);
    expect(
      descriptorSimilarity(faces[0]?.descriptor as Float32Array, upright.descriptor),
    ).toBeGreaterThanOrEqual(FACE_MATCH_THRESHOLD);

    expect(await facesOf('letterbox_small_obama.jpg')).toHaveLength(1);
    expect(await facesOf('azure_son_1.jpg')).toHaveLength(1);
  });

  it('returns an empty list when there is no face', async () => {
    expect(await facesOf('blank_white.png')).toEqual([]);
    expect(await facesOf('person_from_behind_exif6.jpg')).toEqual([]);
  });

  it('rejects corrupt and non-image input with a code', async () => {
    const jpeg = await fixture('obama_1.jpg');
    expect(await photoErrorCode(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)))).toBe('PHOTO_UNREADABLE');
    expect(await photoErrorCode(await fixture('not_an_image.png'))).toBe('PHOTO_UNREADABLE');
    expect(await photoErrorCode(new Uint8Array(0))).toBe('PHOTO_UNREADABLE');
    expect(
      await photoErrorCode(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')),
    ).toBe('PHOTO_FORMAT_UNSUPPORTED');
  });

  it('rejects photos above the size limits', async () => {
    expect(await photoErrorCode(pngDeclaring(40_000, 40_000))).toBe('PHOTO_TOO_LARGE');
    const jpeg = await fixture('obama_1.jpg');
    expect(await photoErrorCode(jpeg, { limits: { maxBytes: 1000, maxPixels: 100_000_000 } })).toBe(
      'PHOTO_TOO_LARGE',
    );
    expect(await photoErrorCode(jpeg, { limits: { maxBytes: 10_000_000, maxPixels: 500_000 } })).toBe(
      'PHOTO_TOO_LARGE',
    );
  });

  it('leaves no tensor behind', async () => {
    const { tf } = await loadFaceModels();
    const photo = await fixture('azure_son_2.jpg');
    await detectFaces(photo);
    const before = tf.memory().numTensors;
    await detectFaces(photo);
    await detectFaces(await fixture('blank_white.png'));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe.skipIf(!existsSync(SHARED_FACES))('detectFaces on the benchmark photo set', () => {
  it('finds faces in tiny grayscale photos and tight crops', async () => {
    const hardPhotos = [
      'orl_s01/4.png',
      'orl_s03/1.png',
      'simon_helberg/1.png',
      'simon_helberg/5.png',
      'john_salley/8.jpg',
    ];
    for (const relativePath of hardPhotos) {
      const faces = await detectFaces(await readFile(path.join(SHARED_FACES, relativePath)));
      expect(faces, relativePath).toHaveLength(1);
    }
  });

  it('finds no face in photos without one', async () => {
    for (const relativePath of ['_noface/landscape.jpg']) {
      expect(await detectFaces(await readFile(path.join(SHARED_FACES, relativePath))), relativePath).toEqual(
        [],
      );
    }
  });
});
