import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Request, Response } from 'express';
import multer from 'multer';
import { ApiError } from '../errors.js';

/** The files of one boundary upload, saved in a directory of their own under their original names. */
export interface BoundaryUpload {
  directory: string;
  files: { path: string; name: string; bytes: number }[];
  /** The text fields of the multipart body. */
  fields: Record<string, unknown>;
  remove(): void;
}

/** Maximum number of files in one upload: the parts of one loose shapefile (.shp .shx .dbf .prj .cpg .qix .sbn .sbx .xml). */
export const MAX_UPLOAD_FILES = 9;

/**
 * Reads a multipart upload of boundary files (field `file`, repeated for the loose parts of a
 * shapefile) by streaming each one to a fresh temporary directory, never into memory. Rejects a file
 * over `maxBytes` with 413 BOUNDARY_FILE_TOO_LARGE and any other multipart problem with 400
 * INVALID_UPLOAD; nothing stays on disk after a rejection. The caller must call remove() when done.
 */
export function boundaryUploadReader(maxBytes: number) {
  return async (request: Request, response: Response): Promise<BoundaryUpload> => {
    const directory = join(tmpdir(), `talash-boundary-${randomBytes(8).toString('hex')}`);
    mkdirSync(directory, { mode: 0o700 });
    const remove = () => rmSync(directory, { recursive: true, force: true });
    const upload = multer({
      storage: multer.diskStorage({
        destination: directory,
        filename: (_request, file, done) => done(null, safeFileName(file.originalname)),
      }),
      limits: { fileSize: maxBytes, files: MAX_UPLOAD_FILES, fields: 20, fieldSize: 16 * 1024, parts: 30 },
    }).array('file', MAX_UPLOAD_FILES);

    try {
      await new Promise<void>((resolve, reject) => {
        upload(request, response, (error: unknown) =>
          error ? reject(toUploadError(error, maxBytes)) : resolve(),
        );
      });
    } catch (error) {
      remove();
      throw error;
    }
    const files = ((request.files ?? []) as Express.Multer.File[]).map((file) => ({
      path: file.path,
      name: file.filename,
      bytes: file.size,
    }));
    const names = files.map((file) => file.name.toLowerCase());
    if (new Set(names).size !== names.length) {
      remove();
      throw new ApiError(
        400,
        'INVALID_UPLOAD',
        `file: two uploaded files have the same name (${files.map((file) => file.name).join(', ')}). Send each file once.`,
        'file',
      );
    }
    return { directory, files, fields: { ...(request.body as Record<string, unknown>) }, remove };
  };
}

/**
 * Keeps the base name of an uploaded file, with only letters, digits, '.', '-' and '_', so that the
 * parts of a shapefile keep their shared base name and no name can leave the upload directory.
 */
function safeFileName(original: string): string {
  const name = basename(original.replace(/\\/g, '/'))
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/^\.+/, '');
  return name.slice(-120) || 'upload';
}

function toUploadError(error: unknown, maxBytes: number): ApiError {
  if (error instanceof multer.MulterError) {
    if (error.code === 'LIMIT_FILE_SIZE') {
      return new ApiError(
        413,
        'BOUNDARY_FILE_TOO_LARGE',
        `file: a file is larger than ${maxBytes} bytes. Simplify the boundaries or split the file by province.`,
        'file',
      );
    }
    if (error.code === 'LIMIT_FILE_COUNT' || error.code === 'LIMIT_UNEXPECTED_FILE') {
      return new ApiError(
        400,
        'INVALID_UPLOAD',
        `${error.field ?? 'file'}: send at most ${MAX_UPLOAD_FILES} files, all in the field "file".`,
        'file',
      );
    }
    return new ApiError(400, 'INVALID_UPLOAD', `${error.message}.`, error.field ?? 'file');
  }
  return new ApiError(
    400,
    'INVALID_UPLOAD',
    `The multipart body could not be read: ${(error as Error).message}.`,
  );
}
