import type { z } from 'zod';
import { ApiError } from '../errors.js';

/**
 * Parses a value with a zod schema, or throws a 400 ApiError naming the first invalid field and
 * what it must be. `code` is the stable error code for that kind of input.
 */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, code: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  // An unknown key is reported on its parent object; name the key itself, which is what to remove.
  const path =
    issue?.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys.slice(0, 1)] : (issue?.path ?? []);
  const field = path.join('.') || undefined;
  const message = issue ? `${field ?? 'request'}: ${issue.message}` : 'invalid request';
  throw new ApiError(400, code, message, field);
}
