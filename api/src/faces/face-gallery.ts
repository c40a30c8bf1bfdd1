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
 * Delay after a failed background build before a sync starts another. A build that fails for lack
 * of memory or disk then does not run back to back.
 */
const BACKGROUND_BUILD_RETRY_MS = 10 * 60 * 1000;

/** Default of FaceGalleryOptions.savedCopyLoadIntervalMs. */
const SAVED_COPY_LOAD_INTERVAL_MS = 60 * 1000;

/** Reads of the faces table that a gallery needs. */
export type GalleryFaceSource = Pick<
  FaceRepository,
  'listGalleryFaceIds' | 'loadGalleryDescriptors' | 'faceIndexOrigin'
>;

export interface FaceGalleryOptions {
  /** Largest gallery kept in a flat index, which this process builds. Larger galleries are built in a child process. */
  flatMaxSize?: number;
  /**
   * Index kind of a gallery above flatMaxSize. IVF (the default) built 1M faces in 16 s and searched
   * with p99 3.9 ms at recall@10 0.956. HNSW took 9 minutes, searched faster and reached recall@10
   * 0.941 (bench/README.md). An HNSW build runs while an IVF index serves.
   */
  largeIndexKind?: 'ivf' | 'hnsw';
  /** Build options of the child process (threads, HNSW parameters). */
  background?: BackgroundBuildOptions;
  /**
   * Loads the saved copy in the directory at start but never writes it. A worker process reads the
   * copy that its API saves, so it need not build a large index of its own at start. It does not build
   * one later either. When its IVF or HNSW index is due for a rebuild, it waits for the API's rebuilt
   * copy and loads it, so that the two processes do not both build the same index.
   */
  readOnly?: boolean;
  /**
   * Minimum time between two loads of the writer's copy by a read-only gallery that waits for a
   * rebuilt one. Loading a copy of 1M faces took 2–3 s, most of it off the event loop. Tests set 0.
   */
  savedCopyLoadIntervalMs?: number;
}

export interface GallerySyncResult {
  added: number;
  removed: number;
  /**
   * True when this sync rebuilt the index, a background rebuild is running, or a read-only gallery
   * loaded the copy its writer rebuilt.
   */
  rebuilding: boolean;
}

/**
 * The faiss index of one gallery (faces of open cases, or of sightings) in the process that searches
 * it. Postgres is the source of truth: `start` loads the saved copy or builds from the faces table,
 * and `sync` brings the index in line with the table. New faces are added in place. Faces that left
 * the table (photo withdrawn, case closed) are removed from the index by id. A flat index closes the
 * gap and renumbers, and HNSW and IVF keep a tombstone that search skips. Either way no faiss
 * position can point at the wrong face. Syncs run one at a time.
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
  /** Token of the faces table, saved with the index so that a copy from another table is not loaded. */
  private origin: string | undefined;
  /** Version of the saved copy that this gallery last loaded (see FaceIndex.savedCopyVersion). */
  private loadedCopyVersion: string | undefined;
  /** When this gallery last loaded a saved copy (Date.now()), for savedCopyLoadIntervalMs. */
  private loadedCopyAt = -Infinity;

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

  /** Kind of the index that searches use now. */
  get kind(): FaceIndexKind | undefined {
    return this.index?.kind;
  }

  /** Waits until no background build is running. Tests and benchmarks use it. */
  async backgroundBuildSettled(): Promise<void> {
    while (this.backgroundBuild) await this.backgroundBuild;
    await this.queue;
  }

  /** Loads the saved copy when there is a usable one, else builds from Postgres; then syncs. */
  async start(): Promise<void> {
    const startedAt = Date.now();
    this.origin = await this.faces.faceIndexOrigin();
    if (this.directory) {
      try {
        // Face ids are numbered by the database, so a copy saved from another database (or from
        // this one before it was created again) would map ids to other people's faces.
        const version = await FaceIndex.savedCopyVersion(this.directory);
        this.index = await FaceIndex.load(this.directory, { origin: this.origin });
        this.loadedCopyVersion = version;
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
    return this.runQueued(() => this.syncNow());
  }

  /** Returns the most similar faces of this gallery; none before `start` has finished. */
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
    if (!this.index) throw new Error(`face gallery ${this.name} is not started`);
    // A read-only gallery whose index is due for a rebuild takes the rebuilt copy its writer saved.
    const adopted =
      this.options.readOnly === true &&
      this.rebuildKind(this.index) !== undefined &&
      (await this.adoptNewerSavedCopy());
    const index = this.index;

    const ids = await this.faces.listGalleryFaceIds(this.name);
    const missing = ids.filter((id) => !index.has(id));

    // The index contains faces that left the table exactly when it has more faces than it shares
    // with the table. Only then are all ids compared, which took about 0.36 s for 1M ids in a test.
    let removed = 0;
    if (index.size > ids.length - missing.length) {
      const inTable = new Set(ids);
      removed = index.remove(index.liveFaceIds().filter((id) => !inTable.has(id)));
    }

    let added = 0;
    if (missing.length > 0) {
      // A face deleted between the two queries is not returned here, and the next sync removes it.
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
      this.index = await this.buildFromTable('flat');
      log.info({ gallery: this.name, faces: this.size }, 'face index rebuilt as a flat index');
      this.scheduleSave();
    }
    return { added, removed, rebuilding: adopted || (rebuild !== undefined && rebuild !== 'saved-copy') };
  }

  /**
   * Replaces a read-only gallery's index with the copy its writer saved, when that copy is newer than
   * the one loaded last and is not due for a rebuild itself. Returns true when it did. The sync that
   * called it then brings the copy in line with the faces table.
   */
  private async adoptNewerSavedCopy(): Promise<boolean> {
    const directory = this.directory;
    if (!directory) return false;
    const interval = this.options.savedCopyLoadIntervalMs ?? SAVED_COPY_LOAD_INTERVAL_MS;
    if (Date.now() < this.loadedCopyAt + interval) return false;
    const version = await FaceIndex.savedCopyVersion(directory);
    if (version === undefined || version === this.loadedCopyVersion) return false;

    let copy: FaceIndex;
    try {
      copy = await FaceIndex.load(directory, { origin: this.origin });
    } catch (error) {
      // The writer may be between writing the index file and the id map. The next sync tries again.
      log.info(
        { gallery: this.name, reason: (error as Error).message },
        'saved face index not readable yet; keeping the current index',
      );
      return false;
    }
    this.loadedCopyVersion = version;
    this.loadedCopyAt = Date.now();
    if (this.rebuildKind(copy) !== undefined) return false;

    const previous = this.index?.kind;
    this.index = copy;
    log.info(
      { gallery: this.name, kind: copy.kind, previous, faces: copy.size },
      'loaded the face index that the writing process rebuilt',
    );
    return true;
  }

  /**
   * Starts a rebuild when the index no longer suits the gallery. Reasons are over 10% tombstones, an
   * IVF index that outgrew its lists, a flat index past flatMaxSize, a large index of the other kind,
   * and a large index for a gallery below half of flatMaxSize. Returns 'flat' when the caller must rebuild flat now,
   * 'background' while a child process builds the large index, 'saved-copy' when a read-only gallery
   * must wait for its writer's rebuilt copy, and undefined otherwise.
   */
  private rebuildIfDue(index: FaceIndex): 'flat' | 'background' | 'saved-copy' | undefined {
    const targetKind = this.rebuildKind(index);
    if (targetKind === undefined) return undefined;
    if (targetKind === 'flat') return 'flat';
    if (this.options.readOnly && this.directory) return 'saved-copy';

    const retryAt = (this.backgroundBuildFailedAt ?? -Infinity) + BACKGROUND_BUILD_RETRY_MS;
    if (!this.backgroundBuild && !this.stopBackgroundBuild.signal.aborted && Date.now() >= retryAt) {
      this.backgroundBuild = this.buildInBackground(targetKind).finally(() => {
        this.backgroundBuild = undefined;
      });
    }
    // After a failed build, no rebuild runs until retryAt.
    return this.backgroundBuild ? 'background' : undefined;
  }

  /** Returns the kind of index to rebuild, or undefined when the current one still suits the gallery. */
  private rebuildKind(index: FaceIndex): FaceIndexKind | undefined {
    const targetKind = this.targetKind(index);
    const worn = index.kind !== 'flat' && index.needsRebuild;
    return targetKind === index.kind && !worn ? undefined : targetKind;
  }

  /** Returns the index kind that suits the gallery's size now. */
  private targetKind(index: FaceIndex): FaceIndexKind {
    if (index.kind === 'flat') return index.size > this.flatMaxSize ? this.largeIndexKind : 'flat';
    return index.size < this.flatMaxSize / 2 ? 'flat' : this.largeIndexKind;
  }

  /** Builds the first index of a gallery from the table: flat when small, else IVF in a child process. */
  private async buildServingIndex(): Promise<FaceIndex> {
    const startedAt = Date.now();
    const index = await this.buildFromTable(undefined);
    log.info(
      { gallery: this.name, kind: index.kind, faces: index.size, ms: Date.now() - startedAt },
      'face index built',
    );
    return index;
  }

  /**
   * Builds an index of every face in the table. A flat index is built in this process, IVF and HNSW in
   * a child process. Without a kind, it builds flat up to flatMaxSize faces and IVF above.
   */
  private async buildFromTable(kind: FaceIndexKind | undefined): Promise<FaceIndex> {
    const { faceIds, descriptors } = await this.faces.loadGalleryDescriptors(this.name);
    const chosenKind = kind ?? (faceIds.length <= this.flatMaxSize ? 'flat' : 'ivf');
    if (chosenKind === 'flat') {
      return FaceIndex.buildFromBatch(faceIds, descriptors, { kind: 'flat' });
    }
    return buildFaceIndexInBackground(faceIds, descriptors, {
      ...this.options.background,
      kind: chosenKind,
      signal: this.stopBackgroundBuild.signal,
    });
  }

  /**
   * Builds an index of `kind` in a child process. Then, inside the sync queue, it replaces the serving
   * index and syncs with the faces that arrived or left during the build.
   */
  private async buildInBackground(kind: 'ivf' | 'hnsw'): Promise<void> {
    const startedAt = Date.now();
    try {
      log.info({ gallery: this.name, kind }, 'face index build started in a child process');
      const built = await this.buildFromTable(kind);

      await this.runQueued(async () => {
        if (this.stopBackgroundBuild.signal.aborted) return;
        const previous = this.index?.kind;
        this.index = built;
        this.scheduleSave();
        const caughtUp = await this.syncNow();
        log.info(
          { gallery: this.name, kind, previous, faces: this.size, ...caughtUp, ms: Date.now() - startedAt },
          'new face index now serves searches',
        );
      });
    } catch (error) {
      if (this.stopBackgroundBuild.signal.aborted) {
        log.info({ gallery: this.name, kind }, 'face index build stopped with the gallery');
        return;
      }
      log.error(
        { gallery: this.name, kind, err: (error as Error).message },
        'face index build failed; the current index keeps serving, and a sync retries after 10 minutes',
      );
      this.backgroundBuildFailedAt = Date.now();
    }
  }

  private scheduleSave(): void {
    if (!this.directory || this.options.readOnly || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.save();
    }, SAVE_DELAY_MS);
    this.saveTimer.unref();
  }

  /** Runs a task after every queued sync and save, so that none of them overlap. */
  private runQueued<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Saves through the sync queue, so that no face is added while the files are written. */
  private save(): Promise<void> {
    const directory = this.directory;
    if (!directory || this.options.readOnly) return this.saving;
    const run = this.runQueued(async () => {
      const index = this.index;
      if (!index) return;
      // The build's new index is saved when it replaces this one, and a read-only gallery waiting
      // for it would only load this copy to find it due for a rebuild too.
      if (this.backgroundBuild && index.needsRebuild) return;
      try {
        await index.save(directory, { origin: this.origin });
        log.debug({ gallery: this.name, faces: index.size, directory }, 'face index saved');
      } catch (error) {
        log.error(
          { gallery: this.name, directory, err: (error as Error).message },
          'could not save the face index',
        );
      }
    });
    this.saving = run;
    return run;
  }
}
