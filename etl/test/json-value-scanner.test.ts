import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type JsonPath, scanJsonValues } from '../src/readers/json-value-scanner.js';

const directory = mkdtempSync(join(tmpdir(), 'talash-json-scanner-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

async function collect(file: string, wanted: (path: JsonPath) => boolean) {
  const values: { path: JsonPath; value: unknown }[] = [];
  for await (const item of scanJsonValues(file, wanted)) values.push(item);
  return values;
}

describe('scanJsonValues', () => {
  it('yields the selected values across chunk boundaries', async () => {
    // Strings with quotes, backslashes, brackets and non-Latin text, in a file of several 64 KiB chunks.
    const items = Array.from({ length: 3000 }, (_, index) => ({
      name: `item "${index}" \\ {[}] لاہور`,
      values: [index, -index / 3, true, null, { deep: [index] }],
      [`key "${index}"`]: 'x'.repeat(index % 97),
    }));
    const document = { type: 'Test', items, tail: 'end' };
    const file = write('large.json', JSON.stringify(document, null, 1));

    const values = await collect(file, (path) => path.length === 2 && path[0] === 'items');
    expect(values).toHaveLength(items.length);
    // Compared with a JSON round trip, which also turns -0 into 0.
    expect(values.map((item) => item.value)).toEqual(JSON.parse(JSON.stringify(items)));
    expect(values[1234]?.path).toEqual(['items', 1234]);

    const scalars = await collect(file, (path) => path.length === 1 && path[0] !== 'items');
    expect(scalars).toEqual([
      { path: ['type'], value: 'Test' },
      { path: ['tail'], value: 'end' },
    ]);
  });

  it('counts elements it does not select', async () => {
    const file = write('count.json', '{"a":[1,[2,3],{"b":4},"5",[]],"c":{}}');
    const seen: string[] = [];
    const values = await collect(file, (path) => {
      seen.push(path.join('.'));
      return false;
    });
    expect(values).toEqual([]);
    expect(seen).toEqual(['', 'a', 'a.0', 'a.1', 'a.1.0', 'a.1.1', 'a.2', 'a.2.b', 'a.3', 'a.4', 'c']);
  });

  it('reads a top-level scalar and empty containers', async () => {
    expect(await collect(write('scalar.json', ' 42 '), () => true)).toEqual([{ path: [], value: 42 }]);
    expect(await collect(write('empty.json', '{"a":[],"b":{}}'), (path) => path.length === 1)).toEqual([
      { path: ['a'], value: [] },
      { path: ['b'], value: {} },
    ]);
  });

  it('rejects broken JSON with the byte offset', async () => {
    await expect(collect(write('open.json', '{"a":[1,2'), () => false)).rejects.toThrow(/ends early/);
    await expect(collect(write('comma.json', '{"a":1,,"b":2}'), () => false)).rejects.toThrow(
      /invalid JSON at byte 7: expected a key/,
    );
    await expect(collect(write('value.json', '{"a":[1,2x]}'), (path) => path.length === 2)).rejects.toThrow(
      /in the value at a\.1/,
    );
    await expect(collect(write('after.json', '{} {}'), () => false)).rejects.toThrow(/after the document/);
  });
});
