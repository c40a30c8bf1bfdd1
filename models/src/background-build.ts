import { fork } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FaceIndexError } from './errors.js';
import { type FaceId, FaceIndex, type FaceIndexOptions } from './face-index.js';

const BUILD_PROCESS_ENTRY = fileURLToPath(new URL('./face-index-build-process.ts', import.meta.url));

/** Names of the files that the parent writes for the build process. */
export const BUILD_INPUT_FILES = {
  request: 'request.json',
  descriptors: 'descriptors.f32',
} as const;

/** Characters of the build process's stderr kept for the error message. */
const MAX_KEPT_ERROR_OUTPUT = 4000;

/** Contents of request.json. */
export interface BuildRequest {
  faceIds: FaceId[];
  options: FaceIndexOptions;
}

export interface BackgroundBuildOptions extends FaceIndexOptions {
  /**
   * Number of OpenMP threads of the build process; every core by default. The process runs at a
   * lower CPU priority than the API. During a 1M-face HNSW build on 2 cores, IVF search p99 in the
   * parent rose from 3.9 to 7.1 ms (bench/README.md).
   */
  threads?: number;
  /** Signal that kills the build process when aborted; the returned promise then rejects. */
  signal?: AbortSignal;
}

/**
 * Builds a face index in a child process and loads the result.
 *
 * A 1M-face HNSW build is about 9 minutes of native work that cannot yield (bench/README.md). In the
 * caller's process it would block every request for that long. A worker thread would inherit the
 * process's OMP_NUM_THREADS=1 and use one core. A child process at low priority keeps the caller's
 * event loop free and may use every core. It hands back saved files, which `FaceIndex.load` checks
 * by checksum before anything searches them.
 */
export async function buildFaceIndexInBackground(
  faceIds: readonly FaceId[],
  descriptors: Float32Array,
  options: BackgroundBuildOptions = {},
): Promise<FaceIndex> {
  const { threads = os.availableParallelism(), signal, ...indexOptions } = options;
  const directory = await mkdtemp(path.join(os.tmpdir(), 'talash-face-build-'));
  const inputDirectory = path.join(directory, 'input');
  const outputDirectory = path.join(directory, 'output');
  try {
    // The descriptors go through a file because the IPC channel would turn the 512 MB of floats of
    // 1M faces into JSON.
    await mkdir(inputDirectory);
    const request: BuildRequest = { faceIds: [...faceIds], options: indexOptions };
    await writeFile(path.join(inputDirectory, BUILD_INPUT_FILES.request), JSON.stringify(request));
    await writeFile(
      path.join(inputDirectory, BUILD_INPUT_FILES.descriptors),
      new Uint8Array(descriptors.buffer, descriptors.byteOffset, descriptors.byteLength),
    );

    await runBuildProcess(inputDirectory, outputDirectory, threads, signal);
    return await FaceIndex.load(outputDirectory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

function runBuildProcess(
  inputDirectory: string,
  outputDirectory: string,
  threads: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = fork(BUILD_PROCESS_ENTRY, [inputDirectory, outputDirectory], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, OMP_NUM_THREADS: String(threads) },
      // stderr is piped so that the error can quote the build process's reason for failing.
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      signal,
    });

    // Below the API and worker (priority 0), so that searches and intake come first.
    if (child.pid !== undefined) {
      try {
        os.setPriority(child.pid, 10);
      } catch {
        // Lowering a child's priority needs no privilege on Linux. Where it fails, the build still runs.
      }
    }

    child.once('error', (error) => {
      const message = signal?.aborted
        ? 'the face index build was stopped by its caller'
        : `the face index build process failed to start: ${error.message}`;
      reject(new FaceIndexError('FACE_INDEX_BUILD_FAILED', message, 'build', { cause: error }));
    });
    let errorOutput = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      errorOutput = (errorOutput + chunk).slice(-MAX_KEPT_ERROR_OUTPUT);
    });
    child.once('exit', (code, exitSignal) => {
      if (code === 0) {
        resolve();
        return;
      }
      reject(
        new FaceIndexError(
          'FACE_INDEX_BUILD_FAILED',
          `the face index build process ended with ${exitSignal ? `signal ${exitSignal}` : `exit code ${code}`}${reasonIn(errorOutput)}`,
          'build',
        ),
      );
    });
  });
}

/** Returns ": " and the first "SomeError: message" line of the build process's stderr, or ''. */
function reasonIn(errorOutput: string): string {
  const line = errorOutput.split('\n').find((text) => /^\w*Error: /.test(text));
  return line ? `: ${line.trim()}` : '';
}
