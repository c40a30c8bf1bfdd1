import type { Tensor3D, Tensor4D } from '@tensorflow/tfjs';
import sharp from 'sharp';
import { toUnitDescriptor } from './descriptor.js';
import {
  DETECTION_STRATEGIES,
  type DetectionPass,
  type DetectionStrategyName,
  type DetectorName,
  PADDED_MIN_SIDE,
  PADDING_FRACTION,
  TINY_DETECTOR_INPUT_SIZE,
} from './detection-strategy.js';
import { type Box, clipBox, dlibAlignedBox, type Point, squareAround } from './face-geometry.js';
import { asFaceApiInput, type FaceModels, loadFaceModels } from './face-models.js';
import { assessFaceQuality, type FaceQuality } from './face-quality.js';
import { type DecodedPhoto, decodePhoto, type PhotoLimits } from './photo-decoder.js';
import { locateFacesUnpadded } from './tiny-face-locator.js';

/** A face found in a photo; coordinates are pixels of the upright (EXIF-rotated) original photo. */
export interface DetectedFace {
  box: Box;
  detectionScore: number;
  /** 68 points in the iBUG 300-W order. */
  landmarks: Point[];
  /** Unit-length 128-d descriptor; compare two with their inner product. */
  descriptor: Float32Array;
  quality: FaceQuality;
  /** True for the largest face of the photo, the one a single-child photo is taken to show. */
  primary: boolean;
  detector: DetectorName;
  /** True when the face was found only after padding the photo (typically a tight face crop). */
  foundOnPaddedPhoto: boolean;
  modelVersion: string;
}

export interface DetectFacesOptions {
  strategy?: DetectionStrategyName;
  /** Overrides the strategy's longer side of the decoded photo. */
  maxSide?: number;
  limits?: PhotoLimits;
}

/** Side of the crop the landmark network reads. */
const LANDMARK_INPUT_SIZE = 112;
/** Side of the crop the recognition network reads. */
const DESCRIPTOR_INPUT_SIZE = 150;

/** The image a detection pass runs on and how to map its pixels back to the decoded photo. */
interface PassImage {
  pixels: Uint8Array;
  width: number;
  height: number;
  /** Decoded-photo pixel = (pass pixel − offset) / scale. */
  offsetX: number;
  offsetY: number;
  scale: number;
}

/**
 * Finds every face in a photo and computes its landmarks, descriptor and quality.
 *
 * Returns faces sorted by box area, largest first and marked primary, or an empty list when the
 * photo shows no face. Throws PhotoError for unusable input (see decodePhoto).
 */
export async function detectFaces(
  photo: Uint8Array,
  options: DetectFacesOptions = {},
): Promise<DetectedFace[]> {
  const strategy = DETECTION_STRATEGIES[options.strategy ?? 'fast'];
  const decoded = await decodePhoto(photo, options.maxSide ?? strategy.maxSide, options.limits);
  return detectFacesInDecodedPhoto(decoded, options.strategy);
}

/** Runs the detection passes of a strategy on a photo that decodePhoto has already decoded. */
export async function detectFacesInDecodedPhoto(
  decoded: DecodedPhoto,
  strategyName: DetectionStrategyName = 'fast',
): Promise<DetectedFace[]> {
  const strategy = DETECTION_STRATEGIES[strategyName];
  const models = await loadFaceModels();

  // The passes on the photo itself share one tensor, and each padded pass makes its own.
  const plain = plainImage(decoded);
  let plainTensor: Tensor3D | undefined;
  try {
    for (const pass of strategy.passes) {
      let faces: DetectedFace[];
      if (pass.padded) {
        const padded = await padForDetection(decoded);
        const paddedTensor = imageTensor(models, padded);
        try {
          faces = await detectInImage(models, padded, paddedTensor, pass, decoded);
        } finally {
          paddedTensor.dispose();
        }
      } else {
        plainTensor ??= imageTensor(models, plain);
        faces = await detectInImage(models, plain, plainTensor, pass, decoded);
      }
      if (faces.length > 0) {
        return markPrimary(faces);
      }
    }
    return [];
  } finally {
    plainTensor?.dispose();
  }
}

/** Wraps the pixels in an int32 tensor, which the networks cast to float32 themselves. */
function imageTensor(models: FaceModels, image: PassImage): Tensor3D {
  return models.tf.tensor3d(image.pixels, [image.height, image.width, 3], 'int32');
}

async function detectInImage(
  models: FaceModels,
  image: PassImage,
  tensor: Tensor3D,
  pass: DetectionPass,
  decoded: DecodedPhoto,
): Promise<DetectedFace[]> {
  const { tf } = models;
  const batch: Tensor4D = tf.expandDims(tensor, 0);
  try {
    const detections = await locateFaces(models, tensor, pass);
    const faces: DetectedFace[] = [];
    for (const detection of detections) {
      const box = detection.box;
      if (!centreIsInsidePhoto(box, image, decoded)) {
        continue;
      }
      faces.push(await describeFace(models, batch, image, decoded, box, detection.score, pass));
    }
    return faces;
  } finally {
    batch.dispose();
  }
}

async function locateFaces(
  models: FaceModels,
  tensor: Tensor3D,
  pass: DetectionPass,
): Promise<{ box: Box; score: number }[]> {
  const { faceapi } = models;
  if (pass.detector === 'tiny_face_detector') {
    const inputSize = pass.tinyInputSize ?? TINY_DETECTOR_INPUT_SIZE;
    return locateFacesUnpadded(faceapi.nets.tinyFaceDetector, tensor, inputSize, pass.minScore);
  }
  const options = new faceapi.SsdMobilenetv1Options({ minConfidence: pass.minScore, maxResults: 100 });
  return faceapi.nets.ssdMobilenetv1.locateFaces(asFaceApiInput(tensor), options);
}

async function describeFace(
  models: FaceModels,
  batch: Tensor4D,
  image: PassImage,
  decoded: DecodedPhoto,
  detectionBox: Box,
  detectionScore: number,
  pass: DetectionPass,
): Promise<DetectedFace> {
  const { faceapi } = models;

  const landmarkBox = squareAround(detectionBox);
  const landmarkCrop = cropSquare(models, batch, image, landmarkBox, LANDMARK_INPUT_SIZE);
  let relativeLandmarks: Point[];
  try {
    const landmarks = await faceapi.nets.faceLandmark68Net.detectLandmarks(asFaceApiInput(landmarkCrop));
    relativeLandmarks = (Array.isArray(landmarks) ? landmarks[0] : landmarks)?.relativePositions ?? [];
  } finally {
    landmarkCrop.dispose();
  }
  const landmarksInImage = relativeLandmarks.map((point) => ({
    x: landmarkBox.x + point.x * landmarkBox.width,
    y: landmarkBox.y + point.y * landmarkBox.height,
  }));

  const alignedCrop = cropSquare(
    models,
    batch,
    image,
    dlibAlignedBox(landmarksInImage),
    DESCRIPTOR_INPUT_SIZE,
  );
  let rawDescriptor: Float32Array;
  try {
    const output = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(asFaceApiInput(alignedCrop));
    rawDescriptor = Array.isArray(output) ? (output[0] as Float32Array) : output;
  } finally {
    alignedCrop.dispose();
  }

  const toOriginal = (point: Point): Point => ({
    x: ((point.x - image.offsetX) / image.scale) * decoded.scaleToOriginal,
    y: ((point.y - image.offsetY) / image.scale) * decoded.scaleToOriginal,
  });
  const topLeft = toOriginal({ x: detectionBox.x, y: detectionBox.y });
  const bottomRight = toOriginal({
    x: detectionBox.x + detectionBox.width,
    y: detectionBox.y + detectionBox.height,
  });
  const box = clipBox(
    { x: topLeft.x, y: topLeft.y, width: bottomRight.x - topLeft.x, height: bottomRight.y - topLeft.y },
    decoded.originalWidth,
    decoded.originalHeight,
  );
  const landmarks = landmarksInImage.map(toOriginal);

  return {
    box,
    detectionScore,
    landmarks,
    descriptor: toUnitDescriptor(rawDescriptor),
    quality: assessFaceQuality(detectionScore, Math.min(box.width, box.height), landmarks),
    primary: false,
    detector: pass.detector,
    foundOnPaddedPhoto: pass.padded,
    modelVersion: models.modelVersion,
  };
}

/**
 * Crops a square region and resizes it to size × size with bilinear sampling. Parts of the region
 * outside the image are filled with black, as face-api's own square padding does.
 */
function cropSquare(models: FaceModels, batch: Tensor4D, image: PassImage, box: Box, size: number): Tensor3D {
  const { tf } = models;
  return tf.tidy(() => {
    const maxY = image.height - 1;
    const maxX = image.width - 1;
    const region = [
      [box.y / maxY, box.x / maxX, (box.y + box.height - 1) / maxY, (box.x + box.width - 1) / maxX],
    ];
    const crop = tf.image.cropAndResize(batch, region, [0], [size, size], 'bilinear', 0);
    return tf.squeeze(crop, [0]) as Tensor3D;
  });
}

function plainImage(decoded: DecodedPhoto): PassImage {
  return {
    pixels: decoded.pixels,
    width: decoded.width,
    height: decoded.height,
    offsetX: 0,
    offsetY: 0,
    scale: 1,
  };
}

/** Upscales a small photo to PADDED_MIN_SIDE and adds a border of repeated edge pixels. */
async function padForDetection(decoded: DecodedPhoto): Promise<PassImage> {
  const longerSide = Math.max(decoded.width, decoded.height);
  const scale = Math.max(1, PADDED_MIN_SIDE / longerSide);
  const width = Math.round(decoded.width * scale);
  const height = Math.round(decoded.height * scale);
  const border = Math.round(Math.max(width, height) * PADDING_FRACTION);

  const raw = { width: decoded.width, height: decoded.height, channels: 3 as const };
  let scaled = sharp(decoded.pixels, { raw });
  if (scale > 1) {
    scaled = sharp(await scaled.resize(width, height).raw().toBuffer(), {
      raw: { width, height, channels: 3 },
    });
  }
  const padded = await scaled
    .extend({ top: border, bottom: border, left: border, right: border, extendWith: 'copy' })
    .raw()
    .toBuffer();

  return {
    pixels: new Uint8Array(padded.buffer, padded.byteOffset, padded.byteLength),
    width: width + 2 * border,
    height: height + 2 * border,
    offsetX: border,
    offsetY: border,
    scale: width / decoded.width,
  };
}

/** Drops detections centred on the repeated-edge border, which can echo a face at the photo edge. */
function centreIsInsidePhoto(box: Box, image: PassImage, decoded: DecodedPhoto): boolean {
  const centreX = (box.x + box.width / 2 - image.offsetX) / image.scale;
  const centreY = (box.y + box.height / 2 - image.offsetY) / image.scale;
  return centreX >= 0 && centreY >= 0 && centreX < decoded.width && centreY < decoded.height;
}

function markPrimary(faces: DetectedFace[]): DetectedFace[] {
  const sorted = [...faces].sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
  return sorted.map((face, index) => ({ ...face, primary: index === 0 }));
}
