/**
 * An error with a stable code that API clients (and the UI's translations) rely on.
 * `field` names the request parameter or body path at fault, when there is one.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function badRequest(code: string, message: string, field?: string): ApiError {
  return new ApiError(400, code, message, field);
}

export function notFound(code: string, message: string): ApiError {
  return new ApiError(404, code, message);
}
