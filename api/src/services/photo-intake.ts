import { createHash } from 'node:crypto';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { ACCEPTED_PHOTO_FORMATS, ACCEPTED_PHOTO_HINT } from '../../../models/src/photo-decoder.js';
import { ApiError } from '../errors.js';
import type { NewPhoto } from '../repositories/case-repository.js';

/** Longest side kept in storage; phone photos are larger than any screen or face model needs. */
const MAX_STORED_SIDE = 2048;

/**
 * Checks an uploaded photo and prepares it for storage: rotated upright from its EXIF orientation,
 * shrunk to at most 2048 px, and re-encoded as JPEG, which also drops EXIF data such as the GPS
 * position of the family's home. Throws PHOTO_UNREADABLE, PHOTO_FORMAT_UNSUPPORTED or PHOTO_TOO_LARGE
 * (pixels) as ApiErrors.
 */
export async function preparePhoto(upload: Buffer, maxPixels: number, field = 'photo'): Promise<NewPhoto> {
  let metadata: Metadata;
  try {
    metadata = await sharp(upload, { limitInputPixels: false }).metadata();
  } catch {
    throw new ApiError(
      400,
      'PHOTO_UNREADABLE',
      `The photo could not be read as an image. ${ACCEPTED_PHOTO_HINT}`,
      field,
    );
  }
  if (!metadata.format || !ACCEPTED_PHOTO_FORMATS.has(metadata.format)) {
    throw new ApiError(
      400,
      'PHOTO_FORMAT_UNSUPPORTED',
      `Photo format "${metadata.format ?? 'unknown'}" is not accepted. ${ACCEPTED_PHOTO_HINT}`,
      field,
    );
  }
  if (!metadata.width || !metadata.height) {
    throw new ApiError(400, 'PHOTO_UNREADABLE', 'The photo header has no width or height.', field);
  }
  if (metadata.width * metadata.height > maxPixels) {
    throw new ApiError(
      413,
      'PHOTO_TOO_LARGE',
      `The photo has ${metadata.width}x${metadata.height} pixels; the limit is ${maxPixels} pixels. Send a smaller photo.`,
      field,
    );
  }

  let output: { data: Buffer; info: OutputInfo };
  try {
    output = await sharp(upload, { limitInputPixels: maxPixels, failOn: 'error' })
      .rotate()
      .resize({ width: MAX_STORED_SIDE, height: MAX_STORED_SIDE, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 88, mozjpeg: true })
      .toBuffer({ resolveWithObject: true });
  } catch {
    throw new ApiError(
      400,
      'PHOTO_UNREADABLE',
      'The photo is damaged or truncated and could not be decoded.',
      field,
    );
  }

  return {
    mediaType: 'image/jpeg',
    byteSize: output.data.length,
    width: output.info.width,
    height: output.info.height,
    sha256: createHash('sha256').update(output.data).digest('hex'),
    content: output.data,
  };
}
