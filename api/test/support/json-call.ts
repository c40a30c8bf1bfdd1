import type { TestPlatform } from './platform.js';

/** Sends a request with an optional session cookie and JSON body; returns the status and parsed JSON. */
export async function jsonCall(
  test: TestPlatform,
  method: string,
  path: string,
  cookie?: string,
  body?: unknown,
) {
  const response = await fetch(`${test.baseUrl}${path}`, {
    method,
    headers: { ...(cookie ? { cookie } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as any };
}
