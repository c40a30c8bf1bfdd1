import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { PhotoRef } from '../repositories/face-repository.js';

export const FACES_QUEUE = 'faces';
export const FACES_SWEEP_JOB = 'sweep-faces';

/** One job per stored photo: detect and describe its faces, and match a sighting's faces. */
export type FaceJobData = PhotoRef;

/** Hands stored photos to the face job. A failure is not fatal: the faces sweeper queues them later. */
export type FaceJobEnqueuer = (photos: PhotoRef[]) => Promise<void>;

export interface FaceQueueOptions {
  attempts: number;
  retryBaseMs: number;
}

export function createFacesQueue(connection: Redis, prefix: string): Queue<FaceJobData> {
  return new Queue<FaceJobData>(FACES_QUEUE, { connection, prefix });
}

/**
 * Queues face jobs. The job id names the photo, so a photo whose job is still waiting is not queued
 * twice; the job itself skips a photo already processed with the current model.
 */
export async function enqueueFaceJobs(
  queue: Queue<FaceJobData>,
  photos: PhotoRef[],
  options: FaceQueueOptions,
): Promise<void> {
  if (photos.length === 0) return;
  await queue.addBulk(
    photos.map((photo) => ({
      name: 'process-photo',
      data: photo,
      opts: {
        jobId: `${photo.kind}-${photo.photoId}`,
        attempts: options.attempts,
        backoff: { type: 'exponential', delay: options.retryBaseMs },
        removeOnComplete: true,
        removeOnFail: true,
      },
    })),
  );
}
