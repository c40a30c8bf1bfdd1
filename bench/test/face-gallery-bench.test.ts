// The benchmark's command line: bad values stop it with a message before any work starts.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BENCH = fileURLToPath(new URL('../face-gallery-bench.ts', import.meta.url));

/** Runs the benchmark with `args` and returns its exit code and stderr. */
async function runBench(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(process.execPath, ['--import', 'tsx', BENCH, ...args]);
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

describe('face gallery bench options', () => {
  const cases = [
    { args: ['--size', 'many'], message: '--size must be an integer at least 1, got many' },
    { args: ['--queries', '0'], message: '--queries must be an integer at least 1, got 0' },
    { args: ['--neighbors', '2'], message: '--neighbors must be an integer from 4 to 256, got 2' },
    { args: ['--flat-max', '1.5'], message: '--flat-max must be an integer at least 1, got 1.5' },
  ];
  for (const { args, message } of cases) {
    it(`rejects ${args.join(' ')}`, async () => {
      const { code, stderr } = await runBench(args);

      expect(code).toBe(1);
      expect(stderr).toContain(message);
    });
  }
});
