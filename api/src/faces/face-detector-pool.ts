import { Worker } from 'node:worker_threads';
import type { PhotoErrorCode } from '../../../models/src/errors.js';
import { PhotoError } from '../../../models/src/errors.js';
import type { Box } from '../../../models/src/face-geometry.js';
import type { PhotoLimits } from '../../../models/src/photo-decoder.js';
import { createLogger } from '../logger.js';

/** A face as the API stores and searches it; `quality` is face-api quality's `overall` in [0, 1]. */
export interface FoundFace {
  box: Box;
  detectionScore: number;
  quality: number;
  primary: boolean;
  descriptor: Float32Array;
  modelVersion: string;
}

/** Detects faces off the caller's event loop. Tests share one between platforms to load the model once. */
export interface FaceDetector {
  /** Faces largest first, [] when there is none. Throws PhotoError for unusable input, FaceDetectorBusyError when full. */
  detect(photo: Uint8Array, limits: PhotoLimits): Promise<FoundFace[]>;
  /** The model version of the descriptors `detect` returns; starts the detector if needed. */
  modelVersion(): Promise<string>;
  /** The model version once a thread has loaded the model, without starting one. */
  loadedModelVersion(): string | undefined;
  close(): Promise<void>;
}

export interface DetectorRequest {
  id: number;
  photo: Uint8Array;
  limits: PhotoLimits;
}

export type DetectorReply =
  | { id: number; faces: FoundFace[] }
  | { id: number; error: { name: string; message: string; code?: string; field?: string } };

type ReadyMessage = { ready: true; modelVersion: string };

/** Thrown when more photos wait for detection than the pool queues; the caller should answer 503. */
export class FaceDetectorBusyError extends Error {
  constructor(queued: number) {
    super(`${queued} photos already wait for face detection; try again in a few seconds`);
    this.name = 'FaceDetectorBusyError';
  }
}

interface Task {
  id: number;
  photo: Uint8Array;
  limits: PhotoLimits;
  resolve: (faces: FoundFace[]) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  ready: Promise<string>;
  loaded: boolean;
  task: Task | undefined;
}

const log = createLogger('FaceDetectorPool');

/**
 * Runs face detection on worker threads, started on first use.
 *
 * Detection takes 0.2–2 s of CPU per photo (models/README.md), all of it synchronous tfjs-wasm work.
 * On the API's event loop that would stall every other request for that long, and in the worker
 * process it would stall BullMQ's lock renewals and the outbox. A worker thread keeps both loops free,
 * and keeps a search photo inside the API process: it is never written to Redis or disk, as it would
 * be if the search waited on a job. bench/face-search-bench.ts measures the event-loop delay. Each
 * thread holds its own copy of the networks (about 300 MB resident), so the default is one thread.
 */
export class FaceDetectorPool implements FaceDetector {
  private readonly threads: Thread[] = [];
  private readonly queue: Task[] = [];
  private nextTaskId = 0;
  private closed = false;
  private loadedVersion: string | undefined;

  constructor(private readonly options: { threads: number; maxQueued: number }) {
    if (!Number.isInteger(options.threads) || options.threads < 1) {
      throw new Error(`threads must be a positive integer, got ${options.threads}`);
    }
  }

  detect(photo: Uint8Array, limits: PhotoLimits): Promise<FoundFace[]> {
    if (this.closed) return Promise.reject(new Error('the face detector pool is closed'));
    if (this.queue.length >= this.options.maxQueued) {
      return Promise.reject(new FaceDetectorBusyError(this.queue.length));
    }
    this.startThreads();

    // The photo is copied so that the caller's buffer (often a slice of a larger pool) stays usable.
    const copy = new Uint8Array(photo);
    return new Promise<FoundFace[]>((resolve, reject) => {
      this.queue.push({ id: this.nextTaskId++, photo: copy, limits, resolve, reject });
      this.dispatch();
    });
  }

  async modelVersion(): Promise<string> {
    if (this.closed) throw new Error('the face detector pool is closed');
    this.startThreads();
    return (this.threads[0] as Thread).ready;
  }

  loadedModelVersion(): string | undefined {
    return this.loadedVersion;
  }

  async close(): Promise<void> {
    this.closed = true;
    const error = new Error('the face detector pool was closed before the photo was processed');
    for (const task of this.queue.splice(0)) task.reject(error);
    for (const thread of this.threads) thread.task?.reject(error);
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
    this.threads.length = 0;
  }

  private startThreads(): void {
    while (this.threads.length < this.options.threads) this.threads.push(this.startThread());
  }

  private startThread(): Thread {
    const typescript = import.meta.url.endsWith('.ts');
    const entry = typescript ? './face-detector-thread-entry.mjs' : './face-detector-thread.js';
    const worker = new Worker(new URL(entry, import.meta.url));
    const thread: Thread = { worker, ready: Promise.resolve(''), loaded: false, task: undefined };
    const startedAt = Date.now();

    thread.ready = new Promise<string>((resolve, reject) => {
      worker.once('message', (message: ReadyMessage) => {
        thread.loaded = true;
        this.loadedVersion = message.modelVersion;
        log.info({ threadId: worker.threadId, ms: Date.now() - startedAt }, 'face detector thread ready');
        worker.on('message', (reply: DetectorReply) => this.settle(thread, reply));
        resolve(message.modelVersion);
        this.dispatch();
      });
      worker.once('error', reject);
    });
    // A start failure is reported to the tasks through the exit handler; this only avoids an
    // unhandled rejection when nothing awaits `ready`.
    thread.ready.catch(() => undefined);

    worker.on('error', (error) =>
      log.error({ threadId: worker.threadId, err: error }, 'face detector thread failed'),
    );
    worker.on('exit', (code) => this.replace(thread, code));
    return thread;
  }

  private dispatch(): void {
    for (const thread of this.threads) {
      if (thread.task || this.queue.length === 0) continue;
      void thread.ready.then(
        () => this.send(thread),
        () => undefined,
      );
    }
  }

  private send(thread: Thread): void {
    if (thread.task || this.closed) return;
    const task = this.queue.shift();
    if (!task) return;
    thread.task = task;
    const request: DetectorRequest = { id: task.id, photo: task.photo, limits: task.limits };
    thread.worker.postMessage(request, [task.photo.buffer as ArrayBuffer]);
  }

  private settle(thread: Thread, reply: DetectorReply): void {
    const task = thread.task;
    thread.task = undefined;
    if (task && task.id === reply.id) {
      if ('faces' in reply) task.resolve(reply.faces);
      else task.reject(toError(reply.error));
    }
    this.send(thread);
  }

  /**
   * Drops a thread that exited and fails the photo it was working on. A thread that died while loading
   * the model fails the waiting photos too, so a broken install cannot restart threads forever; the next
   * `detect` starts a new one.
   */
  private replace(thread: Thread, code: number): void {
    const index = this.threads.indexOf(thread);
    if (index < 0 || this.closed) return;
    this.threads.splice(index, 1);
    log.error(
      { threadId: thread.worker.threadId, code, loaded: thread.loaded },
      'face detector thread exited',
    );

    const failure = new Error(`the face detector thread exited with code ${code}`);
    thread.task?.reject(failure);
    if (!thread.loaded) {
      for (const task of this.queue.splice(0)) task.reject(failure);
      return;
    }
    if (this.queue.length > 0) {
      this.startThreads();
      this.dispatch();
    }
  }
}

function toError(error: { name: string; message: string; code?: string; field?: string }): Error {
  if (error.name === 'PhotoError' && error.code) {
    return new PhotoError(error.code as PhotoErrorCode, error.message);
  }
  return new Error(`face detection failed: ${error.message}`);
}
