import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Starts the server as `npm start` runs it (the API process and its outbox worker process) on
 * `port`, logging only warnings, with the public rate limit and the submission challenge lifted. `env` adds or overrides
 * settings. Resolves once GET /api/health returns 200.
 */
export async function startBenchServer(
  databaseUrl: string,
  port: number,
  env: Record<string, string> = {},
): Promise<ChildProcess> {
  const server = spawn(
    process.execPath,
    ['--import', 'tsx', 'api/src/main.ts', ...(process.env.BENCH_API_ONLY ? ['--api-only'] : [])],
    {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        REDIS_PREFIX: 'talash-bench',
        LOG_LEVEL: 'warn',
        PUBLIC_REPORTS_PER_MINUTE: '10000000',
        // The proof-of-work challenge is the client's cost (about 65,000 hashes in the browser);
        // checking one costs the server a hash and a Redis SET, left out here.
        PUBLIC_CHALLENGE_BITS: '0',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const healthy = await fetch(`http://127.0.0.1:${port}/api/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return server;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  server.kill('SIGKILL');
  throw new Error('the benchmark server did not become healthy within 30 s');
}

/** Returns the pid of the worker process that the server process forked, if there is one. */
export function workerProcessOf(serverPid: number | undefined): number | undefined {
  if (serverPid === undefined) return undefined;
  try {
    const children = execFileSync('pgrep', ['-P', String(serverPid)])
      .toString()
      .trim()
      .split('\n');
    // The API process may also run a face index build in a child process.
    const worker = children.find((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('worker-main'),
    );
    return worker === undefined ? undefined : Number(worker);
  } catch {
    // pgrep exits with 1 when the server has no child, as with BENCH_API_ONLY.
    return undefined;
  }
}
