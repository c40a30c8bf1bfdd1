import type { BackgroundBuildOptions } from '../../../models/src/background-build.js';
import { buildFaceIndexInBackground } from '../../../models/src/background-build.js';
import type { DescriptorInput } from '../../../models/src/descriptor.js';
import {
  FaceIndex,
  type FaceIndexKind,
  type FaceMatch,
  FLAT_INDEX_MAX_SIZE,
  type SearchOptions,
} from '../../../models/src/face-index.js';
import { createLogger } from '../logger.js';
import type { FaceRepository, GalleryName } from '../repositories/face-repository.js';

const log = createLogger('FaceGallery');

/** Delay between a change and the save that follows it, so a burst of new faces is written once. */
const SAVE_DELAY_MS = 1000;

/**
 * Wait after a failed background build before a sync starts another, so that a build that cannot
 * succeed (memory, disk) does not run back to back.
 */
const BACKGROUND_BUILD_RETRY_MS = 10 * 60 * 1000;

/** The two reads of the faces table a gallery makes. */
export type GalleryFaceSource = Pick<FaceRepository, 'listGalleryFaceIds' | 'loadGalleryDescriptors'>;

export interface FaceGalleryOptions {
  /** Largest gallery kept in a flat index, built in this process; above it, an index built in a child process. */
  flatMaxSize?: number;
  /**
   * Index of a gallery above flatMaxSize. IVF (the default) builds 1M faces in about 16 s and met the
   * search target there (p99 3.9 ms, recall@10 0.956). HNSW took about 9 minutes and searched faster
   * at a lower recall (bench/README.md); it is built while an IVF index serves.
   */
  largeIndexKind?: 'ivf' | 'hnsw';
  /** Build options of the child process (threads, HNSW parameters). */
  background?: BackgroundBuildOptions;
}

export interface GallerySyncResult {
  added: number;
  removed: number;
  /** True when this sync started a rebuild or did one. */
  rebuilding: boolean;
}

/**
 * The faiss index of one gallery (faces of open cases, or of sightings) in the process that searches
 * it. Postgres is the source of truth: `start` loads the saved copy or builds from the faces table,
 * and `sync` brings the index in line with the table. New faces are added in place. Faces that left
 * the table (photo withdrawn, case closed) are removed from the index by id. A flat index closes the
 * gap and renumbers; HNSW and IVF keep a tombstone that search skips. Either way no faiss position
 * can point at the wrong face. Syncs run one at a time.
 *
 * Up to `flatMaxSize` faces the index is flat and every rebuild is quick. Above it the gallery builds
 * IVF (or HNSW, see `largeIndexKind`) in a child process, so that no large build runs on the event
 * loop. A rebuild runs while the current index keeps serving. The new index replaces it when ready
 * and then catches up with the faces that arrived or left meanwhile. Without a saved copy, the start
 * waits for an IVF index, which an HNSW build then replaces.
 */
export class FaceGallery {
  /** Where the index came from at start: the saved copy in `directory`, or the faces table. */
  source: 'saved' | 'built' | undefined;
  private index: FaceIndex | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private backgroundBuild: Promise<void> | undefined;
  private readonly stopBackgroundBuild = new AbortController();
  private backgroundBuildFailedAt: number | undefined;
  private readonly flatMaxSize: number;
  private readonly largeIndexKind: 'ivf' | 'hnsw';

  constructor(
    readonly name: GalleryName,
    private readonly faces: GalleryFaceSource,
    /** Directory of the saved copy; undefined keeps the index in memory only. */
    private readonly directory: string | undefined,
    private readonly options: FaceGalleryOptions = {},
  ) {
    this.flatMaxSize = options.flatMaxSize ?? FLAT_INDEX_MAX_SIZE;
    this.largeIndexKind = options.largeIndexKind ?? 'ivf';
  }

  get size(): number {
    return this.index?.size ?? 0;
  }

  /** The kind of the index that searches use now. */
  get kind(): FaceIndexKind | undefined {
    return this.index?.kind;
  }

  /** Resolves when no background build is running; for tests, benchmarks and shutdown. */
  async backgroundBuildSettled(): Promise<void> {
    while (this.backgroundBuild) await this.backgroundBuild;
    await this.queue;
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
      this.index = await this.buildServingIndex();
      this.source = 'built';
      this.scheduleSave();
    }
    const synced = await this.sync();
    log.info(
      {
        gallery: this.name,
        source: this.source,
        kind: this.index.kind,
        faces: this.size,
        ...synced,
        ms: Date.now() - startedAt,
      },
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

  /** Stops a background build, writes a pending save now and stops saving. */
  async stop(): Promise<void> {
    this.stopBackgroundBuild.abort();
    await this.backgroundBuild;
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
    const inTable = new Set(ids);
    const left = index.liveFaceIds().filter((id) => !inTable.has(id));
    const removed = index.remove(left);
    const missing = ids.filter((id) => !index.has(id));

    let added = 0;
    if (missing.length > 0) {
      // A face removed between the two queries is simply not returned here, and the next sync removes it.
      const { faceIds, descriptors } = await this.faces.loadGalleryDescriptors(this.name, missing);
      index.addBatch(faceIds, descriptors);
      added = faceIds.length;
    }
    if (removed > 0 || added > 0) {
      log.debug({ gallery: this.name, added, removed, faces: index.size }, 'face index synced');
      this.scheduleSave();
    }

    const rebuild = this.rebuildIfDue(index);
    if (rebuild === 'flat') {
      const { faceIds, descriptors } = await this.faces.loadGalleryDescriptors(this.name);
      this.index = await FaceIndex.buildFromBatch(faceIds, descriptors, { kind: 'flat' });
      log.info({ gallery: this.name, faces: this.size }, 'face index rebuilt as a flat index');
      this.scheduleSave();
    }
    return { added, removed, rebuilding: rebuild !== undefined };
  }

  /**
   * Starts a rebuild when the index no longer suits the gallery. That is over 10% tombstones, an IVF
   * index that outgrew its lists, a flat index past flatMaxSize, a large index of the other kind, or
   * a large index for a gallery that shrank below half of flatMaxSize. Returns 'flat' when the caller
   * should rebuild flat now, 'background' when a child process builds the large index, and undefined
   * when no rebuild is due.
   */
  private rebuildIfDue(index: FaceIndex): 'flat' | 'background' | undefined {
    const wanted = this.wantedKind(index);
    const worn = index.kind !== 'flat' && index.needsRebuild;
    if (wanted === index.kind && !worn) return undefined;
    if (wanted === 'flat') return 'flat';

    const retryAt = (this.backgroundBuildFailedAt ?? -Infinity) + BACKGROUND_BUILD_RETRY_MS;
    if (!this.backgroundBuild && !this.stopBackgroundBuild.signal.aborted && Date.now() >= retryAt) {
      this.backgroundBuild = this.buildInBackground(wanted).finally(() => {
        this.backgroundBuild = undefined;
      });
    }
    return 'background';
  }

  private wantedKind(index: FaceIndex): FaceIndexKind {
    if (index.kind === 'flat') return index.size > this.flatMaxSize ? this.largeIndexKind : 'flat';
    return index.size < this.flatMaxSize / 2 ? 'flat' : this.largeIndexKind;
  }

  /** Builds the first index of a gallery from the table: flat when small, else IVF in a child process. */
  private async buildServingIndex(): Promise<FaceIndex> {
    const { faceIds, descriptors } = await this.faces.loadGalleryDescriptors(this.name);
    if (faceIds.length <= this.flatMaxSize) {
      return FaceIndex.buildFromBatch(faceIds, descriptors, { kind: 'flat' });
    }
    const startedAt = Date.now();
    const index = await buildFaceIndexInBackground(faceIds, descriptors, {
      ...this.options.background,
      kind: 'ivf',
      signal: this.stopBackgroundBuild.signal,
    });
    log.info(
      { gallery: this.name, faces: index.size, ms: Date.now() - startedAt },
      'IVF face index built in a child process',
    );
    return index;
  }

  /**
   * Builds an index of `kind` from the table in a child process, then, inside the sync queue, puts
   * it in place of the serving index and syncs it with faces that arrived or left during the build.
   */
  private async buildInBackground(kind: 'ivf' | 'hnsw'): Promise<void> {
    const startedAt = Date.now();
    try {
      const { faceIds, descriptors } = await this.faces.loadGalleryDescriptors(this.name);
      log.info(
        { gallery: this.name, kind, faces: faceIds.length },
        'face index build started in a child process',
      );
      const built = await buildFaceIndexInBackground(faceIds, descriptors, {
        ...this.options.background,
        kind,
        signal: this.stopBackgroundBuild.signal,
      });

      const swap = this.queue.then(async () => {
        if (this.stopBackgroundBuild.signal.aborted) return;
        const previous = this.index?.kind;
        this.index = built;
        this.scheduleSave();
        const caughtUp = await this.syncNow();
        log.info(
          { gallery: this.name, kind, previous, faces: this.size, ...caughtUp, ms: Date.now() - startedAt },
          'the new face index serves searches',
        );
      });
      this.queue = swap.catch(() => undefined);
      await swap;
    } catch (error) {
      if (this.stopBackgroundBuild.signal.aborted) {
        log.info({ gallery: this.name, kind }, 'face index build stopped with the gallery');
        return;
      }
      log.error(
        { gallery: this.name, err: (error as Error).message },
        'face index build failed; the current index keeps serving, and a sync tries again later',
      );
      this.backgroundBuildFailedAt = Date.now();
    }
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
