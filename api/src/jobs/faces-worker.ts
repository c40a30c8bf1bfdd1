import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FaceDetector } from '../faces/face-detector-pool.js';
import { createLogger } from '../logger.js';
import type { FaceRepository } from '../repositories/face-repository.js';
import type { FaceProcessingService } from '../services/face-processing-service.js';
import { enqueueFaceJobs, FACES_SWEEP_JOB, type FaceJobData, type FaceQueueOptions } from './faces-queue.js';
import { startSweepingWorker } from './sweeping-worker.js';

const log = createLogger('FacesWorker');

/** Photos queued by one sweep at most; the next sweep takes the rest. */
const SWEEP_BATCH = 500;

export interface FacesWorkerOptions extends FaceQueueOptions {
  concurrency: number;
  /** How often the sweeper looks for photos that no job processed (lost Redis, crashed API). */
  sweepIntervalMs: number;
  /** A photo younger than this is assumed to have its job still on the way. */
  sweepGraceMs: number;
  lockDurationMs: number;
}

/**
 * Starts the BullMQ worker of the `faces` queue and its repeating sweep, which queues photos still
 * unprocessed after the grace period and photos processed with another model version. Returns a
 * function that stops both.
 */
export async function startFacesWorker(
  connection: Redis,
  prefix: string,
  queue: Queue<FaceJobData>,
  processing: FaceProcessingService,
  faces: FaceRepository,
  detector: FaceDetector,
  options: FacesWorkerOptions,
): Promise<() => Promise<void>> {
  const sweep = async (): Promise<number> => {
    // The sweep does not load the model itself: startWorker loads it at start (FACE_DETECTOR_PRELOAD).
    // Until then photos of an older model version are not found.
    const modelVersion = detector.loadedModelVersion();
    const photos = await faces.listPhotosToProcess(options.sweepGraceMs, modelVersion, SWEEP_BATCH);
    await enqueueFaceJobs(queue, photos, options);
    if (photos.length > 0)
      log.info({ photos: photos.length }, 'queued photos whose faces were not processed');
    return photos.length;
  };

  return startSweepingWorker<FaceJobData>({
    queue,
    connection,
    prefix,
    process: (data) => processing.process(data),
    sweep,
    sweepJobName: FACES_SWEEP_JOB,
    sweepJobData: { kind: 'case', photoId: '' },
    sweepIntervalMs: options.sweepIntervalMs,
    concurrency: options.concurrency,
    lockDurationMs: options.lockDurationMs,
    log,
  });
}
