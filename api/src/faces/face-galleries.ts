import path from 'node:path';
import type { Redis } from 'ioredis';
import { subscribeFacesChanged } from '../events/face-events.js';
import { createLogger } from '../logger.js';
import type { FaceRepository } from '../repositories/face-repository.js';
import { FaceGallery } from './face-gallery.js';

const log = createLogger('FaceGalleries');

export interface StartedGalleries {
  cases: FaceGallery;
  sightings: FaceGallery;
}

/**
 * The face indexes of one process: faces of open cases and faces of sightings. They start when the
 * API or the worker first needs them and follow the faces table through "faces changed" messages on
 * Redis and a periodic sync. The API saves them under FACE_INDEX_DIR. A worker-only process loads
 * that copy at start when there is one, so it does not build a large index at start. It never
 * writes the copy, so the API and its worker never write the same files, and it builds no IVF or
 * HNSW index later either: when one is due, it loads the API's rebuilt copy.
 * NOTE: several API processes sharing one FACE_INDEX_DIR overwrite each other's copy. `FaceIndex.load`
 * detects a mismatched pair of files, and the gallery then rebuilds from Postgres.
 */
export class FaceGalleries {
  private started: Promise<StartedGalleries> | undefined;
  private users = 0;
  private stopSync: (() => Promise<void>) | undefined;

  constructor(
    private readonly faces: FaceRepository,
    private readonly redis: Redis,
    private readonly redisPrefix: string,
    private readonly options: { directory: string; syncIntervalMs: number },
  ) {}

  /** Starts the galleries if needed and counts a user; `persist` applies only to the first start. */
  acquire(persist: boolean): Promise<StartedGalleries> {
    this.users += 1;
    return this.ready(persist);
  }

  /** Returns the started galleries, and starts them (without saving) when no one has yet. */
  ready(persist = false): Promise<StartedGalleries> {
    if (!this.started) {
      this.started = this.start(persist);
      this.started.catch(() => {
        this.started = undefined;
      });
    }
    return this.started;
  }

  /** Syncs both galleries now, as after a change this process made itself. */
  async syncAll(): Promise<void> {
    if (!this.started) return;
    const galleries = await this.started;
    await Promise.all([galleries.cases.sync(), galleries.sightings.sync()]);
  }

  /** Drops a user; the last one stops the sync, saves and closes the subscription. */
  async release(): Promise<void> {
    this.users -= 1;
    if (this.users > 0 || !this.started) return;
    const galleries = await this.started.catch(() => undefined);
    this.started = undefined;
    await this.stopSync?.();
    this.stopSync = undefined;
    if (galleries) await Promise.all([galleries.cases.stop(), galleries.sightings.stop()]);
  }

  private async start(persist: boolean): Promise<StartedGalleries> {
    const directory = (name: string) => path.resolve(this.options.directory, name);
    const options = { readOnly: !persist };
    const galleries: StartedGalleries = {
      cases: new FaceGallery('cases', this.faces, directory('cases'), options),
      sightings: new FaceGallery('sightings', this.faces, directory('sightings'), options),
    };
    await Promise.all([galleries.cases.start(), galleries.sightings.start()]);

    const syncBoth = (reason: string) => {
      for (const gallery of [galleries.cases, galleries.sightings]) {
        gallery.sync().catch((error: Error) => {
          log.error(
            { gallery: gallery.name, reason, err: error.message },
            'face index sync failed; the next one retries',
          );
        });
      }
    };
    const unsubscribe = await subscribeFacesChanged(this.redis.duplicate(), this.redisPrefix, () =>
      syncBoth('event'),
    );
    const timer = setInterval(() => syncBoth('interval'), this.options.syncIntervalMs);
    timer.unref();
    this.stopSync = async () => {
      clearInterval(timer);
      await unsubscribe();
    };
    return galleries;
  }
}
