import { ImportError, type ImportErrorCode } from '../../../etl/src/import-error.js';
import { LayerChoiceError, SourceFormatError } from '../../../etl/src/readers/source.js';
import { ApiError } from '../errors.js';

// The HTTP status and the request field to fix for each import failure.
const IMPORT_ERRORS: Record<ImportErrorCode, { status: number; field?: string }> = {
  IMPORT_FAILED: { status: 422 },
  SRID_REQUIRED: { status: 400, field: 'srid' },
  SRID_UNKNOWN: { status: 400, field: 'srid' },
  ENCODING_REQUIRED: { status: 400, field: 'encoding' },
  ATTRIBUTE_NOT_FOUND: { status: 400, field: 'mapping' },
  NAME_ATTRIBUTE_REQUIRED: { status: 400, field: 'mapping.name' },
  NO_STORABLE_FEATURES: { status: 422, field: 'layer' },
  REPROJECTION_FAILED: { status: 422, field: 'srid' },
  VERSION_NOT_FOUND: { status: 404 },
  VERSION_NOT_DRAFT: { status: 409 },
  VERSION_ALREADY_LIVE: { status: 409 },
  VERSION_REMOVES_CODES: { status: 409, field: 'allowRemovals' },
  VERSION_HAS_NO_DISTRICTS: { status: 409 },
  VERSION_HAS_ORPHANS: { status: 409 },
  NOTHING_TO_ROLL_BACK: { status: 409 },
};

// The importer's messages name CLI options; over the API the same values are request fields.
const CLI_OPTION_FIELDS: [RegExp, string][] = [
  [/--srid/g, 'srid'],
  [/--layer NAME/g, 'layer'],
  [/--layer/g, 'layer'],
  [/--encoding/g, 'encoding'],
  [/--name-field/g, 'mapping.name'],
  [/--replace same-code/g, 'replace=same-code'],
  [/--allow-removals/g, 'allowRemovals'],
];

/** Rewrites an importer message for API clients: request field names for CLI options, no upload path. */
export function apiWording(message: string, uploadDirectory?: string): string {
  const text = uploadDirectory ? message.split(`${uploadDirectory}/`).join('') : message;
  return CLI_OPTION_FIELDS.reduce((result, [option, field]) => result.replace(option, field), text);
}

/**
 * Turns the importer's errors into API errors with stable codes: a file with several layers is
 * 400 LAYER_REQUIRED (the message lists them), an unreadable file 400 BOUNDARY_FILE_UNREADABLE, and
 * each ImportError keeps its own code (e.g. SRID_REQUIRED) with the field to supply. Other errors
 * pass through unchanged. `uploadDirectory` is cut from the messages, so they name files as uploaded.
 */
export function toBoundaryApiError(error: unknown, uploadDirectory?: string): unknown {
  if (error instanceof LayerChoiceError) {
    return new ApiError(400, 'LAYER_REQUIRED', apiWording(error.message, uploadDirectory), 'layer');
  }
  if (error instanceof SourceFormatError) {
    const field = /has no layer/.test(error.message) ? 'layer' : 'file';
    return new ApiError(400, 'BOUNDARY_FILE_UNREADABLE', apiWording(error.message, uploadDirectory), field);
  }
  if (error instanceof ImportError) {
    const { status, field } = IMPORT_ERRORS[error.code];
    return new ApiError(status, error.code, apiWording(error.message, uploadDirectory), field);
  }
  return error;
}
