import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createLogger } from './logger.js';

const WORKER_ENTRY = fileURLToPath(new URL('./worker-main.ts', import.meta.url));
const RESTART_DELAY_MS = 1000;

const log = createLogger('WorkerProcess');

/**
 * Runs the outbox worker in a child process, so that delivery and intake use separate cores, and
 * starts it again when it dies. Returns a function that stops it and waits for its exit.
 */
export function superviseWorkerProcess(): () => Promise<void> {
  let child: ChildProcess | undefined;
  let stopping = false;

  const start = (): void => {
    child = fork(WORKER_ENTRY, [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    const pid = child.pid;
    log.info({ pid }, 'worker process started');
    child.on('exit', (code, signal) => {
      if (stopping) return;
      log.error({ pid, code, signal }, 'worker process exited; starting it again');
      setTimeout(start, RESTART_DELAY_MS).unref();
    });
  };
  start();

  return async () => {
    stopping = true;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
}
