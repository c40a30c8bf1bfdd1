import type { DescriptorInput } from '../../../models/src/descriptor.js';
import { FaceIndex, type FaceMatch, type SearchOptions } from '../../../models/src/face-index.js';
import { createLogger } from '../logger.js';
import type { FaceRepository, GalleryName } from '../repositories/face-repository.js';

const log = createLogger('FaceGallery');

/** Delay between a change and the save that follows it, so a burst of new faces is written once. */
const SAVE_DELAY_MS = 1000;

export interface GallerySyncResult {
  added: number;
  rebuilt: boolean;
}

/**
 * The faiss index of one gallery (faces of open cases, or of sightings) in the process that searches
 * it. Postgres is the source of truth: `start` loads the saved copy or builds from the faces table,
 * and `sync` brings the index in line with the table. New faces are added in place. When a face has
 * left the table (photo withdrawn, case closed) the whole index is rebuilt, so no faiss position can
 * ever point at the wrong face. Syncs run one at a time; searches keep using the previous index until
 * a rebuilt one replaces it.
 */
export class FaceGallery {
  /** Where the index came from at start: the saved copy in `directory`, or the faces table. */
  source: 'saved' | 'built' | undefined;
  private index: FaceIndex | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    readonly name: GalleryName,
    private readonly faces: FaceRepository,
    /** Directory of the saved copy; undefined keeps the index in memory only. */
    private readonly directory: string | undefined,
  ) {}

  get size(): number {
    return this.index?.size ?? 0;
  }

  /** Loads the saved copy when there is a usable one, else builds from Postgres; then syncs. */
  async start(): Promise<void> {
    const startedAt = Date.now();
    if (this.directory) {
      try {
        this.index = await FaceIndex.load(this.directory);
        this.source = 'saved';
      } catch (error) {
        log.info(
          { gallery: this.name, reason: (error as Error).message },
          'no usable saved face index; building it from the faces table',
        );
      }
    }
    if (!this.index) {
      this.index = await this.build();
      this.source = 'built';
      this.scheduleSave();
    }
    const synced = await this.sync();
    log.info(
      { gallery: this.name, source: this.source, faces: this.size, ...synced, ms: Date.now() - startedAt },
      'face gallery ready',
    );
  }

  /** Brings the index in line with the faces table; calls are queued and run one at a time. */
  sync(): Promise<GallerySyncResult> {
    const run = this.queue.then(() => this.syncNow());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The most similar faces of this gallery; empty before `start` has finished. */
  search(descriptor: DescriptorInput, options: SearchOptions): FaceMatch[] {
    return this.index?.search(descriptor, options) ?? [];
  }

  /** Writes a pending save now and stops saving. */
  async stop(): Promise<void> {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
      await this.save();
    }
    await this.saving;
  }

  private async syncNow(): Promise<GallerySyncResult> {
    const index = this.index;
    if (!index) throw new Error(`face gallery ${this.name} is not started`);

    const ids = await this.faces.listGalleryFaceIds(this.name);
    const missing = ids.filter((id) => !index.has(id));
    const present = ids.length - missing.length;
    if (present < index.size || index.needsRebuild) {
      const removed = index.size - present;
      this.index = await this.build();
      log.info(
        { gallery: this.name, removed, faces: this.size },
        'face index rebuilt after faces left the gallery',
      );
      this.scheduleSave();
      return { added: missing.length, rebuilt: true };
    }
    if (missing.length === 0) return { added: 0, rebuilt: false };

    // A face removed between the two queries is simply not returned here, and the next sync sees it.
    const { faceIds, descriptors } = await this.faces.loadGalleryDescriptors(this.name, missing);
    index.addBatch(faceIds, descriptors);
    log.debug({ gallery: this.name, added: faceIds.length, faces: index.size }, 'faces added to the index');
    this.scheduleSave();
    return { added: faceIds.length, rebuilt: false };
  }

  private async build(): Promise<FaceIndex> {
    const { faceIds, descriptors } = await this.faces.loadGalleryDescriptors(this.name);
    return FaceIndex.buildFromBatch(faceIds, descriptors);
  }

  private scheduleSave(): void {
    if (!this.directory || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.save();
    }, SAVE_DELAY_MS);
    this.saveTimer.unref();
  }

  /** Saves through the sync queue, so that no face is added while the files are written. */
  private save(): Promise<void> {
    const directory = this.directory;
    if (!directory) return this.saving;
    const run = this.queue.then(async () => {
      const index = this.index;
      if (!index) return;
      try {
        await index.save(directory);
        log.debug({ gallery: this.name, faces: index.size, directory }, 'face index saved');
      } catch (error) {
        log.error(
          { gallery: this.name, directory, err: (error as Error).message },
          'could not save the face index',
        );
      }
    });
    this.queue = run;
    this.saving = run;
    return run;
  }
}
