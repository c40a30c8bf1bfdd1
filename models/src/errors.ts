/**
 * Typed errors of the face pipeline and index. Each carries a stable `code` that the API layer
 * returns as `{ error: { code, message, field } }`, and `field` names the input that was rejected.
 */
export type PhotoErrorCode = 'PHOTO_UNREADABLE' | 'PHOTO_TOO_LARGE' | 'PHOTO_FORMAT_UNSUPPORTED';

export type DescriptorErrorCode =
  | 'DESCRIPTOR_DIMENSION_MISMATCH'
  | 'DESCRIPTOR_NOT_FINITE'
  | 'DESCRIPTOR_ZERO_NORM'
  | 'DESCRIPTOR_NOT_NUMERIC';

export type FaceIndexErrorCode =
  | 'FACE_ID_INVALID'
  | 'FACE_ID_DUPLICATE'
  | 'FACE_INDEX_FILE_INVALID'
  | 'FACE_INDEX_BUILD_FAILED'
  | 'FACE_INDEX_OPTIONS_INVALID';

export type FaceErrorCode = PhotoErrorCode | DescriptorErrorCode | FaceIndexErrorCode;

export class FaceError extends Error {
  readonly code: FaceErrorCode;
  readonly field: string | undefined;

  constructor(code: FaceErrorCode, message: string, field?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.field = field;
  }
}

/** An uploaded photo that cannot be used: not an image, corrupt, too large or of a rejected format. */
export class PhotoError extends FaceError {
  declare readonly code: PhotoErrorCode;

  constructor(code: PhotoErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, 'photo', options);
  }
}

/** A face descriptor that must not reach the index: wrong length, NaN/Infinity or all zeros. */
export class DescriptorError extends FaceError {
  declare readonly code: DescriptorErrorCode;
}

/** A face id, index option or saved index file that the face index rejects. */
export class FaceIndexError extends FaceError {
  declare readonly code: FaceIndexErrorCode;
}
