import type { Request, Response } from 'express';
import multer from 'multer';
import { PhotoError } from '../../../models/src/errors.js';
import { ApiError } from '../errors.js';
import { FaceDetectorBusyError } from '../faces/face-detector-pool.js';

/**
 * Reads a multipart request with at most one file, in the field `photo`, into memory. Rejects a file
 * over `maxBytes` with 413 PHOTO_TOO_LARGE and any other multipart problem with 400 INVALID_UPLOAD.
 */
export function photoUploadReader(maxBytes: number, hint: string) {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: maxBytes, files: 1, fields: 20, fieldSize: 16 * 1024, parts: 25 },
  });

  return (request: Request, response: Response): Promise<Buffer | undefined> =>
    new Promise((resolve, reject) => {
      upload.single('photo')(request, response, (error: unknown) => {
        if (!error) return resolve(request.file?.buffer);
        if (error instanceof multer.MulterError) {
          if (error.code === 'LIMIT_FILE_SIZE') {
            return reject(
              new ApiError(
                413,
                'PHOTO_TOO_LARGE',
                `The photo is larger than ${maxBytes} bytes. Send a smaller photo.`,
                'photo',
              ),
            );
          }
          return reject(
            new ApiError(400, 'INVALID_UPLOAD', `${error.message}. ${hint}`, error.field ?? 'photo'),
          );
        }
        // The multipart parser's own errors (no boundary, a truncated body) are the client's mistakes.
        const message = (error as Error).message;
        reject(new ApiError(400, 'INVALID_UPLOAD', `The multipart body could not be read: ${message}.`));
      });
    });
}

/**
 * Turns the face pipeline's errors into API errors: an unusable photo keeps the pipeline's stable
 * code (400, or 413 for PHOTO_TOO_LARGE), and a saturated detector answers 503 FACE_SEARCH_BUSY.
 */
export function toFaceApiError(error: unknown): unknown {
  if (error instanceof PhotoError) {
    return new ApiError(error.code === 'PHOTO_TOO_LARGE' ? 413 : 400, error.code, error.message, 'photo');
  }
  if (error instanceof FaceDetectorBusyError) {
    return new ApiError(503, 'FACE_SEARCH_BUSY', 'Face search is busy. Try again in a few seconds.');
  }
  return error;
}
