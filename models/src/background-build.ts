import { fork } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FaceIndexError } from './errors.js';
import { type FaceId, FaceIndex, type FaceIndexOptions } from './face-index.js';

const BUILD_PROCESS_ENTRY = fileURLToPath(new URL('./face-index-build-process.ts', import.meta.url));

/** Files the parent writes for the build process; the process reads them back. */
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
   * OpenMP threads of the build process. An HNSW build inserts faces on every thread it has, and
   * the process runs at a lower CPU priority than the API, so it uses idle cores without slowing
   * searches and intake much. Default: every core.
   */
  threads?: number;
  /** Aborting kills the build process; the returned promise then rejects. */
  signal?: AbortSignal;
}

/**
 * Builds a face index in a child process and loads the result.
 *
 * A 1M-face HNSW build takes many minutes of native work that cannot yield (bench/README.md). Run
 * in the caller's process it would stop every request for that long; in a worker thread it would
 * share the process's OMP_NUM_THREADS=1 and take twice as long. A child process at low priority
 * keeps the caller's event loop free, may use every core, and hands back only the saved files,
 * which `FaceIndex.load` checks by checksum before anything searches them.
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
    // The descriptors go through a file, not the IPC channel, which would turn 512 MB of floats
    // for 1M faces into JSON.
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
      // stderr is kept, so that the error names the build process's reason for failing.
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      signal,
    });

    // Below the API and worker (priority 0), so that searches and intake come first.
    if (child.pid !== undefined) {
      try {
        os.setPriority(child.pid, 10);
      } catch {
        // Lowering a child's priority needs no privilege on Linux; where it fails the build still runs.
      }
    }

    child.once('error', (error) =>
      reject(
        new FaceIndexError(
          'FACE_INDEX_BUILD_FAILED',
          `cannot start the face index build: ${error.message}`,
          'build',
          {
            cause: error,
          },
        ),
      ),
    );
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

/** Returns the first "SomeError: message" line of the build process's stderr as ": line", or ''. */
function reasonIn(errorOutput: string): string {
  const line = errorOutput.split('\n').find((text) => /^\w*Error: /.test(text));
  return line ? `: ${line.trim()}` : '';
}
