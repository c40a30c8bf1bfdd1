import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Knex } from 'knex';
import { createLogger } from '../logger.js';
import { DistrictPieceRepository } from '../repositories/district-piece-repository.js';
import {
  type BulkGeofenceResult,
  BulkGeofencer,
  DEFAULT_GRID_OPTIONS,
  type SharedGeofencerParts,
} from './bulk-geofencer.js';
import type { CellGridOptions } from './cell-grid.js';
import { buildDistrictPieceSet, type DistrictPieceSet, type GeofenceDistrict } from './district-piece-set.js';

const log = createLogger('GeofencerPool');

/** Start data of each worker thread: the geofencer's arrays in shared memory. */
export type GeofenceWorkerData = SharedGeofencerParts;

/** One range of a batch for a worker; the buffers are shared, so the worker writes results in place. */
export interface GeofenceWorkerTask {
  id: number;
  coordinates: SharedArrayBuffer;
  /** Byte offset of the lon, lat pairs in `coordinates`, and the count of numbers (twice the points). */
  coordinatesByteOffset: number;
  coordinatesLength: number;
  districtIndexes: SharedArrayBuffer;
  onBorder: SharedArrayBuffer;
  first: number;
  end: number;
}

interface PendingTask {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Geofences batches of points on worker threads that share one BulkGeofencer's arrays, so a large
 * batch neither blocks the event loop nor stays on one core. Results are the same as
 * `BulkGeofencer.locateMany`.
 */
export class GeofencerPool {
  readonly districts: readonly GeofenceDistrict[];
  readonly versionId: number | undefined;
  private readonly workers: Worker[];
  private readonly pending = new Map<number, PendingTask>();
  private nextTaskId = 0;
  private closed = false;
  /** The first worker failure; a pool with a failed worker rejects every later batch. */
  private failure: Error | undefined;

  private constructor(pieces: DistrictPieceSet, workers: Worker[]) {
    this.districts = pieces.districts;
    this.versionId = pieces.versionId;
    this.workers = workers;
    for (const worker of workers) {
      worker.on('message', (id: number) => this.settle(id));
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`geofence worker ${worker.threadId} exited with code ${code}`));
      });
    }
  }

  /** Loads the live district pieces from Postgres and starts the pool on them. */
  static async load(
    db: Knex,
    options: { threads?: number; gridOptions?: CellGridOptions } = {},
  ): Promise<GeofencerPool> {
    const rows = await new DistrictPieceRepository(db).loadLiveDistrictPieces();
    return GeofencerPool.start(buildDistrictPieceSet(rows), options);
  }

  /**
   * Builds the grid once, starts `threads` workers (default: one per core) on it and waits until each
   * is ready.
   * NOTE: only the TypeScript path, through geofence-worker-entry.mjs and tsx, has ever run. The
   * project has no compiled build yet that would load geofence-worker.js.
   */
  static async start(
    pieces: DistrictPieceSet,
    options: { threads?: number; gridOptions?: CellGridOptions } = {},
  ): Promise<GeofencerPool> {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) {
      throw new Error(`threads must be a positive integer, got ${threads}`);
    }
    const geofencer = BulkGeofencer.fromPieceSet(pieces, options.gridOptions ?? DEFAULT_GRID_OPTIONS);
    const workerData: GeofenceWorkerData = geofencer.toSharedParts();
    const workers = Array.from({ length: threads }, () => startWorker(workerData));

    try {
      await Promise.all(workers.map((worker) => waitUntilReady(worker)));
    } catch (error) {
      await Promise.all(workers.map((worker) => worker.terminate()));
      throw error;
    }
    log.info({ threads, versionId: pieces.versionId }, 'geofencer pool started');
    return new GeofencerPool(pieces, workers);
  }

  /**
   * Geofences lon, lat pairs like `BulkGeofencer.locateMany`, split into one range per worker. The
   * coordinates are copied into shared memory unless they already are in a SharedArrayBuffer.
   */
  async locateMany(coordinates: Float64Array): Promise<BulkGeofenceResult> {
    if (this.closed) throw new Error('the geofencer pool is closed; start a new one');
    if (this.failure) throw new Error(`a geofence worker failed (${this.failure.message}); start a new pool`);
    if (coordinates.length % 2 !== 0) {
      throw new Error(`coordinates has odd length ${coordinates.length}; pass lon, lat pairs`);
    }
    const count = coordinates.length / 2;
    const shared = sharedCoordinates(coordinates);
    const districtIndexes = new Int32Array(new SharedArrayBuffer(count * Int32Array.BYTES_PER_ELEMENT));
    const onBorder = new Uint8Array(new SharedArrayBuffer(count));

    const rangeSize = Math.ceil(count / this.workers.length);
    const tasks: Promise<void>[] = [];
    this.workers.forEach((worker, slot) => {
      const first = slot * rangeSize;
      const end = Math.min(count, first + rangeSize);
      if (first >= end) return;
      const id = this.nextTaskId++;
      tasks.push(new Promise((resolve, reject) => this.pending.set(id, { resolve, reject })));
      const task: GeofenceWorkerTask = {
        id,
        coordinates: shared.buffer as SharedArrayBuffer,
        coordinatesByteOffset: shared.byteOffset,
        coordinatesLength: shared.length,
        districtIndexes: districtIndexes.buffer as SharedArrayBuffer,
        onBorder: onBorder.buffer as SharedArrayBuffer,
        first,
        end,
      };
      worker.postMessage(task);
    });

    await Promise.all(tasks);
    return { districtIndexes, onBorder };
  }

  /** Stops the workers. Batches still running fail. */
  async close(): Promise<void> {
    this.closed = true;
    this.rejectPending(new Error('the geofencer pool was closed while the batch was running'));
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private settle(id: number): void {
    this.pending.get(id)?.resolve();
    this.pending.delete(id);
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    log.error(
      { err: error, pendingTasks: this.pending.size },
      'geofence worker failed; the pool rejects further batches',
    );
    this.rejectPending(error);
  }

  private rejectPending(error: Error): void {
    for (const task of this.pending.values()) task.reject(error);
    this.pending.clear();
  }
}

function startWorker(workerData: GeofenceWorkerData): Worker {
  const typescript = import.meta.url.endsWith('.ts');
  const entry = typescript ? './geofence-worker-entry.mjs' : './geofence-worker.js';
  return new Worker(new URL(entry, import.meta.url), { workerData });
}

function waitUntilReady(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) =>
      reject(new Error(`geofence worker exited with code ${code} while starting`)),
    );
  });
}

/** Returns the coordinates in a SharedArrayBuffer, copying them only when they are not already shared. */
function sharedCoordinates(coordinates: Float64Array): Float64Array {
  if (coordinates.buffer instanceof SharedArrayBuffer) return coordinates;
  const shared = new Float64Array(new SharedArrayBuffer(coordinates.byteLength));
  shared.set(coordinates);
  return shared;
}
