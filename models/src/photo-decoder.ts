import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { PhotoError } from './errors.js';

/**
 * Formats accepted from uploads, as sharp names them (AVIF files report 'heif'). SVG, PDF and camera
 * RAW are rejected before any decoding.
 */
export const ACCEPTED_PHOTO_FORMATS: ReadonlySet<string> = new Set([
  'jpeg',
  'png',
  'webp',
  'gif',
  'tiff',
  'heif',
]);

/** The formats to name in the errors of every route that takes a photo. */
export const ACCEPTED_PHOTO_HINT = 'Send a JPEG, PNG, WEBP, GIF, TIFF or AVIF file.';

export interface PhotoLimits {
  /** Largest accepted upload in bytes. */
  maxBytes: number;
  /**
   * Largest accepted width × height. This is the decompression-bomb guard: a small PNG can
   * declare 50000×50000 pixels, and sharp would allocate gigabytes to decode it.
   */
  maxPixels: number;
}

/** 100 MP admits 48–64 MP phone cameras in their default modes and rejects 200 MP full-resolution shots. */
export const DEFAULT_PHOTO_LIMITS: PhotoLimits = { maxBytes: 30 * 1024 * 1024, maxPixels: 100_000_000 };

/** An upright 8-bit RGB raster (HWC, no alpha) of a photo, possibly downscaled. */
export interface DecodedPhoto {
  pixels: Uint8Array;
  width: number;
  height: number;
  /** Size of the photo after EXIF orientation, before downscaling. */
  originalWidth: number;
  originalHeight: number;
  /** Original pixels per decoded pixel (1 when not downscaled). */
  scaleToOriginal: number;
  format: string;
}

/**
 * Decodes an uploaded photo into an upright RGB raster whose longer side is at most `maxSide`.
 *
 * Applies the EXIF orientation, flattens transparency onto white (a background-removed PNG
 * otherwise turns black around the face), converts grayscale, CMYK and 16-bit input to 8-bit sRGB,
 * and uses the first frame of animated images. Throws PhotoError with PHOTO_UNREADABLE for empty,
 * corrupt, truncated or non-image input, PHOTO_TOO_LARGE above `limits`, and
 * PHOTO_FORMAT_UNSUPPORTED for formats outside the accepted list.
 */
export async function decodePhoto(
  buffer: Uint8Array,
  maxSide: number,
  limits: PhotoLimits = DEFAULT_PHOTO_LIMITS,
): Promise<DecodedPhoto> {
  if (buffer.byteLength === 0) {
    throw new PhotoError('PHOTO_UNREADABLE', `photo is empty (0 bytes). ${ACCEPTED_PHOTO_HINT}`);
  }
  if (buffer.byteLength > limits.maxBytes) {
    throw new PhotoError(
      'PHOTO_TOO_LARGE',
      `photo is ${buffer.byteLength} bytes, the limit is ${limits.maxBytes}; upload a smaller export of it`,
    );
  }

  const header = await readHeader(buffer);
  const [originalWidth, originalHeight] = header.uprightSize;
  if (originalWidth * originalHeight > limits.maxPixels) {
    throw new PhotoError(
      'PHOTO_TOO_LARGE',
      `photo is ${originalWidth}×${originalHeight} pixels, the limit is ${limits.maxPixels} pixels; upload a smaller export of it`,
    );
  }

  let raster: { data: Buffer; info: OutputInfo };
  try {
    // failOn 'error' still rejects truncated files, but accepts the recoverable warnings that
    // many phone JPEGs raise. ignoreIcc skips the conversion from an embedded colour profile.
    // That conversion took about two thirds of the decoding time of the 2–3 MP press photos that
    // carry one (bench/README.md). Matching on the labelled photo set was the same without it.
    // The face crops people see are cut from the original file, not from this raster.
    raster = await sharp(buffer, { limitInputPixels: limits.maxPixels, failOn: 'error', ignoreIcc: true })
      .rotate()
      .flatten({ background: '#ffffff' })
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new PhotoError('PHOTO_UNREADABLE', `photo could not be decoded (${describe(error)})`, {
      cause: error,
    });
  }

  const { width, height, channels } = raster.info;
  if (channels !== 3 || raster.data.byteLength !== width * height * 3) {
    throw new PhotoError('PHOTO_UNREADABLE', `photo decoded to ${channels} channels, expected 3 (RGB)`);
  }

  return {
    pixels: new Uint8Array(raster.data.buffer, raster.data.byteOffset, raster.data.byteLength),
    width,
    height,
    originalWidth,
    originalHeight,
    scaleToOriginal: originalWidth / width,
    format: header.format,
  };
}

async function readHeader(buffer: Uint8Array): Promise<{ format: string; uprightSize: [number, number] }> {
  let metadata: Metadata;
  try {
    // Reading the header does not decode pixels, so the pixel limit is checked by hand below
    // to give a PHOTO_TOO_LARGE error with the real size.
    metadata = await sharp(buffer, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new PhotoError('PHOTO_UNREADABLE', `file is not a readable image (${describe(error)})`, {
      cause: error,
    });
  }

  const format = metadata.format ?? 'unknown';
  if (!ACCEPTED_PHOTO_FORMATS.has(format)) {
    throw new PhotoError(
      'PHOTO_FORMAT_UNSUPPORTED',
      `photo format ${format} is not accepted. ${ACCEPTED_PHOTO_HINT}`,
    );
  }
  if (!metadata.width || !metadata.height) {
    throw new PhotoError('PHOTO_UNREADABLE', 'photo header has no width or height');
  }

  // EXIF orientations 5–8 rotate by 90° or 270°, which swaps width and height.
  const swapsSides = (metadata.orientation ?? 1) >= 5;
  const uprightSize: [number, number] = swapsSides
    ? [metadata.height, metadata.width]
    : [metadata.width, metadata.height];
  return { format, uprightSize };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
