export type DetectorName = 'tiny_face_detector' | 'ssd_mobilenetv1';

/** One detector run; the passes of a strategy run in order until one finds a face. */
export interface DetectionPass {
  detector: DetectorName;
  minScore: number;
  /**
   * Runs on the photo upscaled to at least PADDED_MIN_SIDE pixels and surrounded by a border of
   * repeated edge pixels. Both detectors miss faces that fill the whole frame (tight crops such as
   * 150×150 face chips or 92×112 ID-style photos) because they were trained on faces with context.
   */
  padded: boolean;
  /** Input side of the tiny detector for this pass; TINY_DETECTOR_INPUT_SIZE when absent. */
  tinyInputSize?: number;
}

export interface DetectionStrategy {
  /** Longer side of the decoded photo in pixels; larger photos are downscaled before detection. */
  maxSide: number;
  passes: readonly DetectionPass[];
}

export type DetectionStrategyName = 'fast' | 'accurate' | 'baseline';

/**
 * Input size of the tiny face detector. 320 runs in about 60% of the time of 416, and on the labelled
 * photo set bench/faces-bench.ts reads it kept top-1 at 100% with no wrong-person match at
 * FACE_MATCH_THRESHOLD (bench/README.md).
 */
export const TINY_DETECTOR_INPUT_SIZE = 320;

/**
 * Input size of the tiny detector's second try, before SSD MobileNet. A small face in a large photo
 * (a child far from a phone camera) is too small for the detector at input 320. At 608 the tiny
 * detector took 128–144 ms on the phone-size photos, against 275–406 ms for SSD MobileNet.
 */
export const TINY_DETECTOR_LARGE_INPUT_SIZE = 608;

/** Minimum longer side of the image of a padded pass. */
export const PADDED_MIN_SIDE = 320;

/** Border added on each side in a padded pass, as a fraction of the longer side. */
export const PADDING_FRACTION = 0.5;

/**
 * Strategies measured by bench/faces-bench.ts (figures in bench/README.md).
 *
 * - fast: the tiny detector first (24 ms at input 320 on a quiet day), then at the larger input.
 *   SSD MobileNet (about 230 ms at any photo size, because it always reads 512×512) runs only when
 *   both find nothing, and then both detectors on a padded photo.
 * - accurate: SSD MobileNet first, then the padded passes.
 * - baseline: face-api's defaults (SSD MobileNet at 0.3, photo scaled to 640 px), kept for comparison.
 */
/**
 * Longer side of the decoded photo for `fast`. The networks never read more: the tiny detector
 * reads at most 608 px, and the landmark and descriptor networks read 112 and 150 px crops.
 * sharp lets the JPEG decoder scale by 1/s (s = 2, 4 or 8) only when the photo is at least s + 1
 * times the requested size. At 800 px a 12 MP photo (4032 px) is decoded at 1/4 and a 36 MP one
 * (7360 px) at 1/8; at 1024 px they were decoded at 1/2 and 1/4 and then resampled. Decoding the
 * five phone-size photos of bench/faces-bench.ts took 58 ms on average against 70 ms at 1024 px,
 * with the same matches on the labelled set (bench/README.md).
 */
export const FAST_MAX_SIDE = 800;

export const DETECTION_STRATEGIES: Record<DetectionStrategyName, DetectionStrategy> = {
  fast: {
    maxSide: FAST_MAX_SIDE,
    passes: [
      { detector: 'tiny_face_detector', minScore: 0.5, padded: false },
      {
        detector: 'tiny_face_detector',
        minScore: 0.5,
        padded: false,
        tinyInputSize: TINY_DETECTOR_LARGE_INPUT_SIZE,
      },
      { detector: 'ssd_mobilenetv1', minScore: 0.5, padded: false },
      { detector: 'ssd_mobilenetv1', minScore: 0.5, padded: true },
      { detector: 'tiny_face_detector', minScore: 0.5, padded: true },
    ],
  },
  accurate: {
    maxSide: 1024,
    passes: [
      { detector: 'ssd_mobilenetv1', minScore: 0.5, padded: false },
      { detector: 'ssd_mobilenetv1', minScore: 0.5, padded: true },
      { detector: 'tiny_face_detector', minScore: 0.5, padded: true },
    ],
  },
  baseline: {
    maxSide: 640,
    passes: [{ detector: 'ssd_mobilenetv1', minScore: 0.3, padded: false }],
  },
};
