import type { Point } from './face-geometry.js';

/** How usable a detected face is for matching; every part is in [0, 1] except `faceSize`. */
export interface FaceQuality {
  /** Confidence of the detector that found the face. */
  detectionScore: number;
  /** Shorter side of the face box in pixels of the original photo. */
  faceSize: number;
  /** 1 for a face of at least FULL_QUALITY_FACE_SIZE pixels, falling linearly to 0 at 0 pixels. */
  sizeScore: number;
  /** 1 for a frontal, upright face; lower with head turn (yaw) and tilt (roll) read from landmarks. */
  frontalness: number;
  /** detectionScore × sizeScore × frontalness. */
  overall: number;
}

/**
 * Face size at which a face counts as full quality. The recognition network reads a 150×150 crop
 * whose face part is about 100 pixels wide, so larger faces add no detail.
 */
const FULL_QUALITY_FACE_SIZE = 100;

/** Roll at which the roll factor reaches 0. The crop is not rotated, so tilted faces match worse. */
const MAX_ROLL_RADIANS = Math.PI / 4;

// Indices in the 68-point (iBUG 300-W) landmark layout.
const LEFT_EYE_OUTER = 36;
const RIGHT_EYE_OUTER = 45;
const NOSE_TIP = 30;

export function assessFaceQuality(detectionScore: number, faceSize: number, landmarks: Point[]): FaceQuality {
  const sizeScore = Math.min(1, faceSize / FULL_QUALITY_FACE_SIZE);
  const frontalness = estimateFrontalness(landmarks);
  return {
    detectionScore,
    faceSize,
    sizeScore,
    frontalness,
    overall: detectionScore * sizeScore * frontalness,
  };
}

/**
 * Projects the nose tip onto the line between the outer eye corners: it sits halfway on a frontal
 * face and moves towards one eye as the head turns. The eye line's angle gives the roll.
 */
function estimateFrontalness(landmarks: Point[]): number {
  const left = landmarks[LEFT_EYE_OUTER];
  const right = landmarks[RIGHT_EYE_OUTER];
  const nose = landmarks[NOSE_TIP];
  if (!left || !right || !nose) {
    return 0;
  }

  const eyeX = right.x - left.x;
  const eyeY = right.y - left.y;
  const eyeLengthSquared = eyeX * eyeX + eyeY * eyeY;
  if (eyeLengthSquared === 0) {
    return 0;
  }

  const noseAlongEyes = ((nose.x - left.x) * eyeX + (nose.y - left.y) * eyeY) / eyeLengthSquared;
  const yawFactor = clamp01(1 - 2 * Math.abs(noseAlongEyes - 0.5));
  const roll = Math.atan2(eyeY, eyeX);
  const rollFactor = clamp01(1 - Math.abs(roll) / MAX_ROLL_RADIANS);
  return yawFactor * rollFactor;
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}
