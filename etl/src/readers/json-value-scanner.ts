import { createReadStream } from 'node:fs';

/** The position of a JSON value: object keys and array indexes from the document root. */
export type JsonPath = (string | number)[];

interface Container {
  kind: 'object' | 'array';
  /** The key of the member being read (objects) or the index of the element (arrays). */
  position: string | number;
  state: 'key' | 'colon' | 'value' | 'after';
}

// Byte classes, looked up by byte value: 1 whitespace, 2 a byte that ends a scalar other than whitespace.
const BYTE_CLASS = new Uint8Array(256);
for (const byte of [0x20, 0x09, 0x0a, 0x0d]) BYTE_CLASS[byte] = 1;
for (const byte of [0x2c, 0x7d, 0x5d]) BYTE_CLASS[byte] = 2;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/**
 * Scans a JSON file in chunks and yields only the values that `wanted` selects by their path, each
 * parsed with JSON.parse on its own bytes, so memory is bounded by the largest selected value, not
 * by the file. `wanted` is called for every value start, selected or not, so a caller can also count
 * array elements without parsing them. Invalid JSON raises an Error naming the byte offset. The
 * scanner checks the structure (brackets, quotes, separators) and leaves the rest of the syntax to
 * JSON.parse of the selected values.
 */
export async function* scanJsonValues(
  file: string,
  wanted: (path: JsonPath) => boolean,
  options: { maxPathLength?: number } = {},
): AsyncGenerator<{ path: JsonPath; value: unknown }> {
  // Values deeper than this are never selected, so `wanted` is not asked about them.
  const maxPathLength = options.maxPathLength ?? Number.POSITIVE_INFINITY;
  const stack: Container[] = [];
  let rootState: 'value' | 'after' = 'value';
  let offset = 0;

  // A value being captured: its bytes, its path, and how to tell where it ends.
  let capture:
    | { path: JsonPath; parts: Buffer[]; depth: number; kind: 'container' | 'string' | 'scalar' }
    | undefined;
  // A key string being read, across chunks.
  let key: Buffer[] | undefined;
  let inString = false;
  let escaped = false;
  // A scalar (number, true, false, null) that is being skipped.
  let skippingScalar = false;

  const fail = (what: string): never => {
    throw new Error(`invalid JSON at byte ${offset}: ${what}`);
  };
  const currentPath = (): JsonPath => stack.map((container) => container.position);
  const finishValue = () => {
    const top = stack.at(-1);
    if (top) top.state = 'after';
    else rootState = 'after';
  };
  // Parses the captured value and ends the capture.
  const takeCapture = (): { path: JsonPath; value: unknown } => {
    const done = capture as NonNullable<typeof capture>;
    capture = undefined;
    finishValue();
    try {
      return { path: done.path, value: JSON.parse(Buffer.concat(done.parts).toString('utf8')) };
    } catch (error) {
      return fail(`${(error as Error).message} in the value at ${done.path.join('.')}`);
    }
  };

  // Scans one chunk, appending the values it completes to `out`. A plain function, not the
  // generator, runs the byte loop, because V8 optimises that loop better in a plain function.
  const scanChunk = (chunk: Buffer, out: { path: JsonPath; value: unknown }[]): void => {
    let start = 0;
    for (let i = 0; i < chunk.length; i += 1, offset += 1) {
      const byte = chunk[i] as number;

      if (capture) {
        if (capture.kind === 'scalar') {
          if (BYTE_CLASS[byte] !== 0) {
            capture.parts.push(chunk.subarray(start, i));
            out.push(takeCapture());
            // The delimiter belongs to the enclosing container: read it again below.
          } else {
            continue;
          }
        } else {
          if (inString) {
            if (escaped) escaped = false;
            else if (byte === BACKSLASH) escaped = true;
            else if (byte === QUOTE) {
              inString = false;
              if (capture.kind === 'string') {
                capture.parts.push(chunk.subarray(start, i + 1));
                out.push(takeCapture());
              }
            }
            continue;
          }
          if (byte === QUOTE) inString = true;
          else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) capture.depth += 1;
          else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
            capture.depth -= 1;
            if (capture.depth === 0) {
              capture.parts.push(chunk.subarray(start, i + 1));
              out.push(takeCapture());
            }
          }
          continue;
        }
      }

      if (inString) {
        if (escaped) escaped = false;
        else if (byte === BACKSLASH) escaped = true;
        else if (byte === QUOTE) {
          inString = false;
          if (key) {
            key.push(chunk.subarray(start, i + 1));
            const top = stack.at(-1) as Container;
            top.position = JSON.parse(Buffer.concat(key).toString('utf8')) as string;
            top.state = 'colon';
            key = undefined;
          } else {
            finishValue();
          }
        }
        continue;
      }
      if (skippingScalar) {
        if (BYTE_CLASS[byte] === 0) continue;
        skippingScalar = false;
        finishValue();
      }
      if (BYTE_CLASS[byte] === 1) continue;

      const top = stack.at(-1);
      const state = top ? top.state : rootState;
      if (state === 'key') {
        if (byte === QUOTE) {
          inString = true;
          key = [];
          start = i;
        } else if (byte === CLOSE_OBJECT && top?.kind === 'object') {
          stack.pop();
          finishValue();
        } else fail('expected a key');
        continue;
      }
      if (state === 'colon') {
        if (byte !== COLON) fail('expected ":"');
        (top as Container).state = 'value';
        continue;
      }
      if (state === 'after') {
        if (!top) fail('unexpected data after the document');
        const container = top as Container;
        if (byte === COMMA) {
          if (container.kind === 'object') container.state = 'key';
          else {
            container.position = (container.position as number) + 1;
            container.state = 'value';
          }
        } else if (
          (byte === CLOSE_OBJECT && container.kind === 'object') ||
          (byte === CLOSE_ARRAY && container.kind === 'array')
        ) {
          stack.pop();
          finishValue();
        } else fail('expected "," or the end of the container');
        continue;
      }

      // state === 'value': a value starts here.
      if (byte === CLOSE_ARRAY && top?.kind === 'array' && top.position === 0) {
        // An empty array.
        stack.pop();
        finishValue();
        continue;
      }
      const path = stack.length <= maxPathLength ? currentPath() : undefined;
      const selected = path !== undefined && wanted(path);
      if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
        if (selected) {
          capture = { path: path as JsonPath, parts: [], depth: 1, kind: 'container' };
          start = i;
        } else {
          stack.push({
            kind: byte === OPEN_OBJECT ? 'object' : 'array',
            position: 0,
            state: byte === OPEN_OBJECT ? 'key' : 'value',
          });
        }
      } else if (byte === QUOTE) {
        inString = true;
        if (selected) {
          capture = { path: path as JsonPath, parts: [], depth: 0, kind: 'string' };
          start = i;
        }
      } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY || byte === COMMA || byte === COLON) {
        fail('expected a value');
      } else if (selected) {
        capture = { path: path as JsonPath, parts: [], depth: 0, kind: 'scalar' };
        start = i;
      } else {
        skippingScalar = true;
      }
    }
    if (capture) {
      capture.parts.push(chunk.subarray(start));
      start = 0;
    }
    if (key) {
      key.push(chunk.subarray(start));
      start = 0;
    }
  };

  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    const out: { path: JsonPath; value: unknown }[] = [];
    scanChunk(chunk, out);
    yield* out;
  }

  if (capture?.kind === 'scalar') yield takeCapture();
  if (skippingScalar) finishValue();
  // rootState is assigned inside closures, which TypeScript's narrowing does not follow.
  if (capture || key || inString || stack.length > 0 || (rootState as string) !== 'after') {
    fail('the file ends early');
  }
}
