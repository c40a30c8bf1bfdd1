// lowerWorkerPriority runs in a child process, because an unprivileged process cannot raise its
// priority again.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';

const script = `
import { readdirSync } from 'node:fs';
import os from 'node:os';
import { lowerWorkerPriority } from './api/src/worker-priority.ts';
lowerWorkerPriority(Number(process.argv[1]));
const nicenessByThread = readdirSync('/proc/self/task').map((thread) => os.getPriority(Number(thread)));
console.log(JSON.stringify(nicenessByThread));
`;

/** Returns the niceness of every thread of a node process that called lowerWorkerPriority(niceness). */
function threadNiceness(niceness: number): number[] {
  const output = execFileSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '--eval', script, String(niceness)],
    { env: { ...process.env, LOG_LEVEL: 'silent' } },
  );
  return JSON.parse(output.toString()) as number[];
}

describe.skipIf(!existsSync('/proc/self/task'))('lowerWorkerPriority', () => {
  it('sets every thread', () => {
    const niceness = threadNiceness(19);
    expect(niceness.length).toBeGreaterThan(1);
    expect(new Set(niceness)).toEqual(new Set([19]));
  });

  it('leaves niceness 0 alone', () => {
    // The child starts with this process's niceness.
    expect(new Set(threadNiceness(0))).toEqual(new Set([os.getPriority()]));
  });
});
