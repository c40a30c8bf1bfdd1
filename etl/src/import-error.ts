/**
 * Stable reasons for an ImportError, so that callers other than the CLI (the API, the UI) can tell
 * the user which input to supply without parsing the message.
 */
export type ImportErrorCode =
  | 'IMPORT_FAILED'
  | 'SRID_REQUIRED'
  | 'SRID_UNKNOWN'
  | 'ENCODING_REQUIRED'
  | 'ATTRIBUTE_NOT_FOUND'
  | 'NAME_ATTRIBUTE_REQUIRED'
  | 'NO_STORABLE_FEATURES'
  | 'REPROJECTION_FAILED'
  | 'VERSION_NOT_FOUND'
  | 'VERSION_NOT_DRAFT'
  | 'VERSION_ALREADY_LIVE'
  | 'VERSION_REMOVES_CODES'
  | 'VERSION_HAS_NO_DISTRICTS'
  | 'VERSION_HAS_ORPHANS'
  | 'NOTHING_TO_ROLL_BACK';

/** A boundary file that cannot be imported as asked; the message says why and what to do. */
export class ImportError extends Error {
  constructor(
    message: string,
    readonly code: ImportErrorCode = 'IMPORT_FAILED',
  ) {
    super(message);
    this.name = 'ImportError';
  }
}
