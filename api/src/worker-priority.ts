import { readdirSync } from 'node:fs';
import os from 'node:os';
import { createLogger } from './logger.js';

const log = createLogger('WorkerPriority');

/**
 * Gives every thread of this process the niceness `niceness`. On Linux a niceness belongs to a
 * thread, and node starts its V8 and libuv threads before any script runs, so each thread listed in
 * /proc/self/task is set. Threads started later inherit it. Elsewhere only the calling thread is set.
 * The figures of intake latency with and without it are in bench/README.md.
 */
export function lowerWorkerPriority(niceness: number): void {
  if (niceness === 0) return;
  let threads: number[];
  try {
    threads = readdirSync('/proc/self/task').map(Number);
  } catch {
    threads = [0];
  }
  try {
    for (const thread of threads) os.setPriority(thread, niceness);
    log.info({ niceness, threads: threads.length }, 'worker runs at a lower CPU priority');
  } catch (error) {
    log.warn(
      { niceness, err: (error as Error).message },
      'could not lower the worker priority; it runs at the default one',
    );
  }
}
