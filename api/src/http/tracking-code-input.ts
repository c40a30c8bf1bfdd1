import { ApiError } from '../errors.js';
import { normaliseTrackingCode } from '../services/tracking-code.js';

/** Reads the `:code` route parameter as a tracking code, or throws 400 INVALID_TRACKING_CODE. */
export function parseTrackingCodeParam(value: unknown): string {
  const code = normaliseTrackingCode(String(value));
  if (!code) {
    throw new ApiError(400, 'INVALID_TRACKING_CODE', 'A tracking code looks like TL-7KQ4-M2XD-9PBE.', 'code');
  }
  return code;
}
