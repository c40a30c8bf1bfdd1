import sharp from 'sharp';
import type { Box } from '../../../models/src/face-geometry.js';

/** Side of the stored face crop in pixels: enough to compare faces by eye, small enough to inline. */
const CROP_SIDE = 160;
/** Margin added on each side of the detector's box, as a share of its size, to show hair and chin. */
const CROP_MARGIN = 0.25;

/**
 * Cuts a face out of a stored photo (upright JPEG, as photo intake stores it) as a small square JPEG.
 * The detector's box is widened by the margin and clipped to the photo.
 */
export async function cropFace(photo: Buffer, box: Box): Promise<Buffer> {
  const { width = 0, height = 0 } = await sharp(photo).metadata();
  const side = Math.max(box.width, box.height) * (1 + 2 * CROP_MARGIN);
  const centreX = box.x + box.width / 2;
  const centreY = box.y + box.height / 2;

  const left = clamp(Math.round(centreX - side / 2), 0, width - 1);
  const top = clamp(Math.round(centreY - side / 2), 0, height - 1);
  const right = clamp(Math.round(centreX + side / 2), left + 1, width);
  const bottom = clamp(Math.round(centreY + side / 2), top + 1, height);

  return sharp(photo)
    .extract({ left, top, width: right - left, height: bottom - top })
    .resize(CROP_SIDE, CROP_SIDE, { fit: 'cover' })
    .jpeg({ quality: 80 })
    .toBuffer();
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** A JPEG as a data: URL, so a search answer carries its crops without further requests. */
export function jpegDataUrl(jpeg: Buffer): string {
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}
