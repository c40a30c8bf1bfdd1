import { ApiError } from '../api/client';

/** What a page state does with the outcome of an API call. */
export interface ApiCallHandlers {
  succeeded(): void;
  failed(error: unknown): void;
  /** The session is over (HTTP 401): the page stops and shows the sign-in form. */
  unauthorized(): void;
}

/** Awaits an API call for a page state. Returns its value, or null after an error passed to `handlers`. */
export async function guardApiCall<T>(promise: Promise<T>, handlers: ApiCallHandlers): Promise<T | null> {
  try {
    const value = await promise;
    handlers.succeeded();
    return value;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) handlers.unauthorized();
    else handlers.failed(error);
    return null;
  }
}
