import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  access,
  constants,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import faiss from 'faiss-node';
import { DESCRIPTOR_DIMENSION, type DescriptorInput, toUnitDescriptor } from './descriptor.js';
import { DescriptorError, FaceIndexError } from './errors.js';
import { readFaissIndex } from './faiss-read.js';
import { addVectors } from './faiss-vectors.js';
import { type HnswParameters, readHnswParameters, writeHnswParameters } from './hnsw-parameters.js';
import { createTrainedIvfIndex, type IvfOptions, ivfListCount, readIvfIndexFile } from './ivf-index.js';
import type { IvfParameters } from './ivf-parameters.js';

/**
 * Id of a face row in Postgres: a uuid, or a bigint as the decimal string that pg returns for it.
 */
export type FaceId = string;

export interface FaceIndexRow {
  faceId: FaceId;
  descriptor: DescriptorInput;
}

export interface FaceMatch {
  faceId: FaceId;
  /** Cosine similarity in [-1, 1]; compare it with FACE_MATCH_THRESHOLD. */
  similarity: number;
}

export type FaceIndexKind = 'flat' | 'hnsw' | 'ivf';

export interface FaceIndexOptions extends IvfOptions {
  /**
   * 'auto' builds a flat index up to FLAT_INDEX_MAX_SIZE faces and IVF above it. At 1M faces IVF
   * built in 16 s and searched with p99 3.9 ms at recall@10 0.956; HNSW took about 9 minutes to
   * build and reached recall@10 0.941 at its default depth (bench/README.md). IVF is trained on the
   * gallery, so only `build` and `buildFromBatch` can create it.
   */
  kind?: FaceIndexKind | 'auto';
  /** HNSW graph degree (faiss's M). */
  hnswNeighbors?: number;
  hnswEfConstruction?: number;
  hnswEfSearch?: number;
}

export interface SearchOptions {
  /** Number of matches to return at most. */
  k?: number;
  /** Matches below this similarity are left out. */
  minSimilarity?: number;
}

/**
 * Largest gallery kept in an exact (flat) index. A flat search scans every descriptor: p50 2.7 ms
 * at 100,000 faces on the reference machine with the vectorised distances, 7.5 ms without them
 * (bench/README.md). Above this size IVF scans a tenth of the gallery, p50 2.8 ms at 1M faces.
 */
export const FLAT_INDEX_MAX_SIZE = 50_000;

/** Share of removed-but-still-stored HNSW or IVF entries above which `needsRebuild` turns true. */
const MAX_TOMBSTONE_SHARE = 0.1;

/** HNSW build and search parameters; bench/README.md has the recall and latency they give. */
export const HNSW_DEFAULTS = { neighbors: 32, efConstruction: 40, efSearch: 192 } as const;
const MAX_FACE_ID_LENGTH = 200;
/** Version 2 keeps the face ids in one string of lines, which loads without blocking (see readFaceIdLines). */
const SAVED_FORMAT_VERSION = 2;
/** Face ids read between two yields to the event loop while a saved id map loads. */
const FACE_IDS_PER_SLICE = 50_000;
const INDEX_FILE = 'faces.faiss';
const ID_MAP_FILE = 'faces.ids.json';

interface SavedIdMap {
  formatVersion: number;
  kind: FaceIndexKind;
  dimension: number;
  metric: 'inner_product';
  hnsw: HnswParameters | null;
  /** Absent in files saved before the IVF kind existed. */
  ivf?: IvfParameters | null;
  /** Number of faiss labels (positions), removed entries included. */
  labelCount: number;
  /**
   * The face id of each faiss label in label order, one per line. An empty line marks an HNSW or IVF
   * entry removed but still stored. With 1M decimal ids, JSON.parse of an array blocked the event
   * loop for about 0.25 s, and of this one string for 13–18 ms (47–69 ms with 1M uuids).
   */
  faceIdLines: string;
  indexSha256: string;
  /** The origin passed to `save`: which faces table the ids come from. Absent when none was given. */
  origin?: string;
}

/**
 * Face descriptor index that returns Postgres face ids, never faiss positions.
 *
 * Descriptors are L2-normalised and searched by inner product, so the score is the cosine
 * similarity and one threshold works for flat, HNSW and IVF alike; on unit vectors this ranks exactly
 * as L2 distance would (‖a − b‖² = 2 − 2·a·b).
 *
 * faiss-node has no add_with_ids: a vector's label is its insertion position. The index keeps
 * position → id (`faceIds`) and id → position. Flat removal uses faiss `remove_ids`, which shifts
 * every later vector down, and the map is compacted the same way. faiss cannot remove from HNSW,
 * so removed HNSW entries stay in the graph as tombstones that search skips until a rebuild. IVF
 * removal uses tombstones too: faiss's IVF `remove_ids` keeps the other labels but lowers ntotal,
 * and `add` labels new vectors from ntotal on, so later additions would reuse live labels.
 *
 * Postgres is the source of truth: the index can always be rebuilt from the faces table with
 * `FaceIndex.build`, and `needsRebuild` reports when that is due.
 */
export class FaceIndex {
  readonly kind: FaceIndexKind;
  private readonly index: faiss.Index;
  private faceIds: (FaceId | null)[];
  private positions: Map<FaceId, number>;
  private tombstones: number;
  private readonly hnsw: HnswParameters | null;
  private readonly ivf: IvfParameters | null;

  private constructor(
    kind: FaceIndexKind,
    index: faiss.Index,
    faceIds: (FaceId | null)[],
    parameters: { hnsw?: HnswParameters | null; ivf?: IvfParameters | null },
    /** The positions of `faceIds` when the caller has built them already (see readFaceIdLines). */
    lookup?: FaceIdLookup,
  ) {
    this.kind = kind;
    this.index = index;
    this.faceIds = faceIds;
    this.hnsw = parameters.hnsw ?? null;
    this.ivf = parameters.ivf ?? null;
    if (lookup) {
      this.positions = lookup.positions;
      this.tombstones = lookup.tombstones;
      return;
    }
    this.positions = new Map();
    this.tombstones = 0;
    faceIds.forEach((faceId, position) => {
      if (faceId === null) {
        this.tombstones++;
      } else {
        this.positions.set(faceId, position);
      }
    });
  }

  /** Creates an empty index; 'auto' picks flat. An IVF index needs training data, so use `build`. */
  static async create(options: FaceIndexOptions = {}): Promise<FaceIndex> {
    if (options.kind === 'ivf') {
      throw new FaceIndexError(
        'FACE_INDEX_OPTIONS_INVALID',
        'an IVF index is trained on its gallery and cannot be created empty; use FaceIndex.build or buildFromBatch',
        'kind',
      );
    }
    const kind = options.kind === 'hnsw' ? 'hnsw' : 'flat';
    if (kind === 'flat') {
      return new FaceIndex(
        'flat',
        faiss.Index.fromFactory(DESCRIPTOR_DIMENSION, 'Flat', innerProduct()),
        [],
        {},
      );
    }
    const { index, parameters } = await createHnswIndex(options);
    return new FaceIndex('hnsw', index, [], { hnsw: parameters });
  }

  /** Builds an index from rows such as the faces table; 'auto' picks flat or IVF by row count. */
  static async build(rows: readonly FaceIndexRow[], options: FaceIndexOptions = {}): Promise<FaceIndex> {
    const faceIds = rows.map((row) => row.faceId);
    const descriptors = new Float32Array(rows.length * DESCRIPTOR_DIMENSION);
    rows.forEach((row, i) => {
      descriptors.set(toUnitDescriptor(row.descriptor, `rows[${i}].descriptor`), i * DESCRIPTOR_DIMENSION);
    });
    return FaceIndex.buildFromBatch(faceIds, descriptors, options);
  }

  /**
   * Builds an index from ids and one packed Float32Array of descriptors (row i at i × 128), the
   * cheapest input for large galleries.
   */
  static async buildFromBatch(
    faceIds: readonly FaceId[],
    descriptors: Float32Array,
    options: FaceIndexOptions = {},
  ): Promise<FaceIndex> {
    const autoKind = faceIds.length > FLAT_INDEX_MAX_SIZE ? 'ivf' : 'flat';
    const kind = !options.kind || options.kind === 'auto' ? autoKind : options.kind;
    if (kind !== 'ivf') {
      const index = await FaceIndex.create({ ...options, kind });
      index.addBatch(faceIds, descriptors);
      return index;
    }

    // Validate everything before training, so that bad input never reaches faiss.
    checkBatchLength(faceIds, descriptors);
    checkNewFaceIds(faceIds, new Map());
    const unit = normaliseBatch(descriptors);
    const { index, parameters } = await createTrainedIvfIndex(unit, options);
    const ivf = new FaceIndex('ivf', index, [], { ivf: parameters });
    ivf.addUnitBatch(faceIds, unit);
    return ivf;
  }

  /**
   * Names the copy saved in `directory` now, or returns undefined when there is none. `save` writes
   * the id map last, under a new inode, so the name changes with every save. A process that only
   * reads the copy compares names to learn whether the writer saved a newer one.
   */
  static async savedCopyVersion(directory: string): Promise<string | undefined> {
    try {
      const idMap = await stat(path.join(directory, ID_MAP_FILE));
      return `${idMap.ino}:${idMap.mtimeMs}:${idMap.size}`;
    } catch {
      return undefined;
    }
  }

  /**
   * Reads an index saved by `save` and checks that its id map belongs to it. `hnswEfSearch` and
   * `ivfProbes` change the search depth of a saved HNSW or IVF index without rebuilding it; the
   * saved files are left unchanged. With `origin`, a copy saved under another origin (or none) is
   * rejected, because its face ids may name other faces.
   */
  static async load(
    directory: string,
    options: Pick<FaceIndexOptions, 'hnswEfSearch' | 'ivfProbes'> & { origin?: string } = {},
  ): Promise<FaceIndex> {
    const indexFile = path.join(directory, INDEX_FILE);
    const idMapFile = path.join(directory, ID_MAP_FILE);

    let saved: SavedIdMap;
    try {
      saved = parseSavedIdMap(JSON.parse(await readFile(idMapFile, 'utf8')), idMapFile);
    } catch (error) {
      if (error instanceof FaceIndexError) throw error;
      throw new FaceIndexError(
        'FACE_INDEX_FILE_INVALID',
        `cannot read ${idMapFile}: ${describe(error)}`,
        'directory',
        {
          cause: error,
        },
      );
    }

    if (options.origin !== undefined && saved.origin !== options.origin) {
      throw new FaceIndexError(
        'FACE_INDEX_FILE_INVALID',
        `${idMapFile} was saved from faces table ${saved.origin ?? '(not recorded)'}, not ${options.origin}; rebuild the index from the faces table`,
        'directory',
      );
    }

    const checksum = await sha256OfFile(indexFile).catch((error: unknown) => {
      throw new FaceIndexError(
        'FACE_INDEX_FILE_INVALID',
        `cannot read ${indexFile}: ${describe(error)}`,
        'directory',
        {
          cause: error,
        },
      );
    });
    if (checksum !== saved.indexSha256) {
      throw new FaceIndexError(
        'FACE_INDEX_FILE_INVALID',
        `${indexFile} does not match ${idMapFile} (sha256 differs); rebuild the index from the faces table`,
        'directory',
      );
    }

    const lookup = await readFaceIdLines(saved, idMapFile);
    const index = await readIndexFile(indexFile, saved.kind, options);
    if (
      index.index.getDimension() !== DESCRIPTOR_DIMENSION ||
      index.index.ntotal() !== lookup.faceIds.length
    ) {
      throw new FaceIndexError(
        'FACE_INDEX_FILE_INVALID',
        `${indexFile} holds ${index.index.ntotal()} vectors of dimension ${index.index.getDimension()}, but the id map lists ${lookup.faceIds.length} of dimension ${DESCRIPTOR_DIMENSION}`,
        'directory',
      );
    }
    return new FaceIndex(saved.kind, index.index, lookup.faceIds, index, lookup);
  }

  /** Number of faces that search can return. */
  get size(): number {
    return this.positions.size;
  }

  /**
   * True when a rebuild from the faces table would serve better: the flat index has outgrown
   * FLAT_INDEX_MAX_SIZE, over 10% of the HNSW or IVF entries are removed faces, or the IVF gallery
   * has grown so much that the default list count for it is twice the trained one.
   */
  get needsRebuild(): boolean {
    if (this.kind === 'flat') {
      return this.size > FLAT_INDEX_MAX_SIZE;
    }
    if (this.ivf && ivfListCount(this.faceIds.length) >= 2 * this.ivf.lists) {
      return true;
    }
    return this.tombstones > MAX_TOMBSTONE_SHARE * this.faceIds.length;
  }

  /** HNSW search and build depths, or null for another kind. */
  get hnswParameters(): HnswParameters | null {
    return this.hnsw ? { ...this.hnsw } : null;
  }

  /** IVF list count (nlist) and lists scanned per search (nprobe), or null for another kind. */
  get ivfParameters(): IvfParameters | null {
    return this.ivf ? { ...this.ivf } : null;
  }

  has(faceId: FaceId): boolean {
    return this.positions.has(faceId);
  }

  /** Ids of the faces that search can return, in no particular order. */
  liveFaceIds(): FaceId[] {
    return [...this.positions.keys()];
  }

  /** Adds faces; rejects the whole batch, adding nothing, if any id or descriptor is invalid. */
  add(rows: readonly FaceIndexRow[]): void {
    const descriptors = new Float32Array(rows.length * DESCRIPTOR_DIMENSION);
    rows.forEach((row, i) => {
      descriptors.set(toUnitDescriptor(row.descriptor, `rows[${i}].descriptor`), i * DESCRIPTOR_DIMENSION);
    });
    this.addBatch(
      rows.map((row) => row.faceId),
      descriptors,
    );
  }

  /** Adds faces given as ids and one packed Float32Array (row i at i × 128); all or nothing. */
  addBatch(faceIds: readonly FaceId[], descriptors: Float32Array): void {
    checkBatchLength(faceIds, descriptors);
    checkNewFaceIds(faceIds, this.positions);
    this.addUnitBatch(faceIds, normaliseBatch(descriptors));
  }

  /** Adds checked ids and descriptors that normaliseBatch returned. */
  private addUnitBatch(faceIds: readonly FaceId[], unit: Float32Array): void {
    addVectors(this.index, unit, DESCRIPTOR_DIMENSION);
    for (const faceId of faceIds) {
      this.positions.set(faceId, this.faceIds.length);
      this.faceIds.push(faceId);
    }
    this.assertInSync();
  }

  /** Removes faces by id and returns how many were present; unknown ids are ignored. */
  remove(faceIds: Iterable<FaceId>): number {
    const removedPositions = new Set<number>();
    for (const faceId of faceIds) {
      const position = this.positions.get(faceId);
      if (position !== undefined) {
        removedPositions.add(position);
      }
    }
    if (removedPositions.size === 0) {
      return 0;
    }

    if (this.kind !== 'flat') {
      for (const position of removedPositions) {
        this.positions.delete(this.faceIds[position] as FaceId);
        this.faceIds[position] = null;
      }
      this.tombstones += removedPositions.size;
      return removedPositions.size;
    }

    const removed = this.index.removeIds([...removedPositions]);
    if (removed !== removedPositions.size) {
      throw new Error(
        `faiss removed ${removed} of ${removedPositions.size} vectors; the face index is out of sync, rebuild it from the faces table`,
      );
    }
    // faiss's IndexFlat::remove_ids keeps the remaining vectors in order and closes the gaps, so
    // filtering the map in order gives every survivor its new label.
    this.faceIds = this.faceIds.filter((_, position) => !removedPositions.has(position));
    this.positions = new Map(this.faceIds.map((faceId, position) => [faceId as FaceId, position]));
    this.assertInSync();
    return removedPositions.size;
  }

  /** Returns up to k faces most similar to the descriptor, most similar first. */
  search(descriptor: DescriptorInput, options: SearchOptions = {}): FaceMatch[] {
    const k = options.k ?? 10;
    if (!Number.isInteger(k) || k < 1) {
      throw new FaceIndexError('FACE_INDEX_OPTIONS_INVALID', `k must be a positive integer, got ${k}`, 'k');
    }
    const query = toUnitDescriptor(descriptor);
    const stored = this.faceIds.length;
    if (this.size === 0) {
      return [];
    }

    // Removed HNSW and IVF entries can fill result slots. A removed case usually leaves several
    // neighbouring tombstones, so the first request allows up to k of them, and the request doubles
    // while tombstones keep live faces above minSimilarity out of the top k.
    const minSimilarity = options.minSimilarity ?? -Infinity;
    const queryValues = Array.from(query);
    let requested = Math.min(stored, k + Math.min(this.tombstones, k));
    for (;;) {
      const { labels, distances } = this.index.search(queryValues, requested);
      const matches: FaceMatch[] = [];
      for (let i = 0; i < labels.length && matches.length < k; i++) {
        const label = labels[i] as number;
        const similarity = distances[i] as number;
        const faceId = label >= 0 ? this.faceIds[label] : null;
        if (faceId != null && similarity >= minSimilarity) {
          matches.push({ faceId, similarity });
        }
      }

      // faiss pads with label -1 when the scanned part of the index contains fewer vectors.
      const lastLabel = labels[labels.length - 1] ?? -1;
      const lastSimilarity = distances[distances.length - 1] ?? -Infinity;
      const mayFindMore = lastLabel >= 0 && lastSimilarity >= minSimilarity && requested < stored;
      if (matches.length === k || !mayFindMore) {
        return matches;
      }
      requested = Math.min(stored, requested * 2);
    }
  }

  /**
   * Writes the faiss index and the id map into a directory, replacing an earlier save. Each file is
   * written under a temporary name and renamed; `load` detects a half-replaced pair by checksum.
   * `origin` names the faces table the ids come from, for `load` to check.
   */
  async save(directory: string, options: { origin?: string } = {}): Promise<void> {
    await mkdir(directory, { recursive: true });
    // faiss-node does not catch faiss's C++ exceptions in write(), so an unwritable directory
    // would abort the process; check it here first.
    await access(directory, constants.W_OK);

    const indexFile = path.join(directory, INDEX_FILE);
    const idMapFile = path.join(directory, ID_MAP_FILE);
    const temporaryIndexFile = `${indexFile}.${process.pid}.tmp`;
    const temporaryIdMapFile = `${idMapFile}.${process.pid}.tmp`;
    try {
      this.index.write(temporaryIndexFile);
      const saved: SavedIdMap = {
        formatVersion: SAVED_FORMAT_VERSION,
        kind: this.kind,
        dimension: DESCRIPTOR_DIMENSION,
        metric: 'inner_product',
        hnsw: this.hnsw,
        ivf: this.ivf,
        labelCount: this.faceIds.length,
        faceIdLines: faceIdLines(this.faceIds),
        indexSha256: await sha256OfFile(temporaryIndexFile),
        origin: options.origin,
      };
      await writeFile(temporaryIdMapFile, JSON.stringify(saved));
      await rename(temporaryIndexFile, indexFile);
      await rename(temporaryIdMapFile, idMapFile);
    } finally {
      await rm(temporaryIndexFile, { force: true });
      await rm(temporaryIdMapFile, { force: true });
    }
  }

  private assertInSync(): void {
    if (this.index.ntotal() !== this.faceIds.length) {
      throw new Error(
        `faiss contains ${this.index.ntotal()} vectors but the id map ${this.faceIds.length}; rebuild the face index from the faces table`,
      );
    }
  }
}

function innerProduct(): faiss.MetricType {
  return faiss.MetricType.METRIC_INNER_PRODUCT;
}

/** Rejects ids that are empty, too long, repeated in the batch or already in `existing`. */
function checkNewFaceIds(faceIds: readonly FaceId[], existing: ReadonlyMap<FaceId, number>): void {
  const seen = new Set<FaceId>();
  faceIds.forEach((faceId, i) => {
    if (typeof faceId !== 'string' || faceId.length === 0 || faceId.length > MAX_FACE_ID_LENGTH) {
      throw new FaceIndexError(
        'FACE_ID_INVALID',
        `faceIds[${i}] must be a non-empty string of at most ${MAX_FACE_ID_LENGTH} characters; pass bigint ids as decimal strings`,
        'faceId',
      );
    }
    if (existing.has(faceId) || seen.has(faceId)) {
      throw new FaceIndexError(
        'FACE_ID_DUPLICATE',
        `face id ${faceId} is already in the index; remove it before adding it again`,
        'faceId',
      );
    }
    seen.add(faceId);
  });
}

function checkBatchLength(faceIds: readonly FaceId[], descriptors: Float32Array): void {
  if (descriptors.length !== faceIds.length * DESCRIPTOR_DIMENSION) {
    throw new DescriptorError(
      'DESCRIPTOR_DIMENSION_MISMATCH',
      `descriptors has ${descriptors.length} values for ${faceIds.length} face ids; expected ${faceIds.length} × ${DESCRIPTOR_DIMENSION}`,
      'descriptors',
    );
  }
}

/** Validates and L2-normalises every row of a packed batch into a new array. */
function normaliseBatch(descriptors: Float32Array): Float32Array {
  const unit = new Float32Array(descriptors.length);
  const rows = descriptors.length / DESCRIPTOR_DIMENSION;
  for (let row = 0; row < rows; row++) {
    const start = row * DESCRIPTOR_DIMENSION;
    unit.set(
      toUnitDescriptor(descriptors.subarray(start, start + DESCRIPTOR_DIMENSION), `descriptors[${row}]`),
      start,
    );
  }
  return unit;
}

/**
 * Creates an empty IndexHNSWFlat with our efConstruction and efSearch, which faiss-node cannot set
 * directly (see hnsw-parameters.ts): the empty index is saved, patched and read back.
 */
async function createHnswIndex(
  options: FaceIndexOptions,
): Promise<{ index: faiss.Index; parameters: HnswParameters }> {
  const neighbors = options.hnswNeighbors ?? HNSW_DEFAULTS.neighbors;
  if (!Number.isInteger(neighbors) || neighbors < 4 || neighbors > 256) {
    throw new FaceIndexError(
      'FACE_INDEX_OPTIONS_INVALID',
      `hnswNeighbors must be an integer from 4 to 256, got ${neighbors}`,
      'hnswNeighbors',
    );
  }
  const parameters: HnswParameters = {
    efConstruction: options.hnswEfConstruction ?? HNSW_DEFAULTS.efConstruction,
    efSearch: options.hnswEfSearch ?? HNSW_DEFAULTS.efSearch,
  };

  const directory = await mkdtemp(path.join(os.tmpdir(), 'talash-hnsw-'));
  const file = path.join(directory, 'empty.faiss');
  try {
    faiss.Index.fromFactory(DESCRIPTOR_DIMENSION, `HNSW${neighbors}`, innerProduct()).write(file);
    await writeHnswParameters(file, parameters);
    return { index: await readFaissIndex(file), parameters: await readHnswParameters(file) };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/**
 * Reads a saved faiss index. For HNSW and IVF the file, not the JSON, decides how it searches, and
 * reading its parameters also checks the file layout. A different efSearch or nprobe is applied to
 * a temporary copy.
 */
async function readIndexFile(
  file: string,
  kind: FaceIndexKind,
  options: Pick<FaceIndexOptions, 'hnswEfSearch' | 'ivfProbes'>,
): Promise<{ index: faiss.Index; hnsw?: HnswParameters; ivf?: IvfParameters }> {
  if (kind === 'flat') {
    return { index: await readFaissIndex(file) };
  }
  if (kind === 'ivf') {
    const { index, parameters } = await readIvfIndexFile(file, options.ivfProbes);
    return { index, ivf: parameters };
  }

  const efSearch = options.hnswEfSearch;

  const saved = await readHnswParameters(file);
  if (efSearch === undefined || efSearch === saved.efSearch) {
    return { index: await readFaissIndex(file), hnsw: saved };
  }

  const directory = await mkdtemp(path.join(os.tmpdir(), 'talash-hnsw-'));
  const copy = path.join(directory, 'index.faiss');
  try {
    await copyFile(file, copy);
    const parameters = { ...saved, efSearch };
    await writeHnswParameters(copy, parameters);
    return { index: await readFaissIndex(copy), hnsw: parameters };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

function parseSavedIdMap(value: unknown, file: string): SavedIdMap {
  const saved = value as Partial<SavedIdMap> | null;
  const invalid = (reason: string) =>
    new FaceIndexError(
      'FACE_INDEX_FILE_INVALID',
      `${file}: ${reason}; rebuild the index from the faces table`,
      'directory',
    );

  if (!saved || typeof saved !== 'object') throw invalid('not a JSON object');
  if (saved.formatVersion !== SAVED_FORMAT_VERSION)
    throw invalid(`format version ${saved.formatVersion} is not ${SAVED_FORMAT_VERSION}`);
  if (saved.kind !== 'flat' && saved.kind !== 'hnsw' && saved.kind !== 'ivf')
    throw invalid(`unknown kind ${saved.kind}`);
  if (saved.dimension !== DESCRIPTOR_DIMENSION)
    throw invalid(`dimension ${saved.dimension} is not ${DESCRIPTOR_DIMENSION}`);
  if (saved.metric !== 'inner_product') throw invalid(`metric ${saved.metric} is not inner_product`);
  if (typeof saved.indexSha256 !== 'string') throw invalid('indexSha256 is missing');
  if (!Number.isInteger(saved.labelCount) || (saved.labelCount as number) < 0)
    throw invalid('labelCount is not a non-negative integer');
  if (typeof saved.faceIdLines !== 'string') throw invalid('faceIdLines is not a string');
  if (saved.origin !== undefined && typeof saved.origin !== 'string') throw invalid('origin is not a string');
  return saved as SavedIdMap;
}

interface FaceIdLookup {
  faceIds: (FaceId | null)[];
  positions: Map<FaceId, number>;
  tombstones: number;
}

/** Writes face ids one per line, removed entries as empty lines (read back by readFaceIdLines). */
function faceIdLines(faceIds: readonly (FaceId | null)[]): string {
  for (const faceId of faceIds) {
    if (faceId === '' || faceId?.includes('\n')) {
      throw new Error(
        `face id ${JSON.stringify(faceId)} cannot be saved: it is empty or contains a line break`,
      );
    }
  }
  return faceIds.map((faceId) => faceId ?? '').join('\n');
}

/**
 * Reads the face ids of a saved id map and builds the id → position map, yielding to the event loop
 * after every FACE_IDS_PER_SLICE ids. With 1M ids, building the map in one go blocked it for about
 * half a second.
 */
async function readFaceIdLines(saved: SavedIdMap, file: string): Promise<FaceIdLookup> {
  const invalid = (reason: string) =>
    new FaceIndexError(
      'FACE_INDEX_FILE_INVALID',
      `${file}: ${reason}; rebuild the index from the faces table`,
      'directory',
    );
  const text = saved.faceIdLines;
  const faceIds: (FaceId | null)[] = [];
  const positions = new Map<FaceId, number>();
  let tombstones = 0;

  // With no labels the text is empty, and with one removed label it is empty too, so the count decides.
  let start = 0;
  while (faceIds.length < saved.labelCount) {
    const lineEnd = text.indexOf('\n', start);
    const end = lineEnd === -1 ? text.length : lineEnd;
    const faceId = text.slice(start, end);
    if (faceId === '') {
      if (saved.kind === 'flat') throw invalid('a flat index cannot hold removed entries');
      faceIds.push(null);
      tombstones += 1;
    } else {
      if (positions.has(faceId)) throw invalid(`duplicate face id ${faceId}`);
      positions.set(faceId, faceIds.length);
      faceIds.push(faceId);
    }
    if (lineEnd === -1 && faceIds.length < saved.labelCount) {
      throw invalid(`faceIdLines lists ${faceIds.length} labels, not labelCount ${saved.labelCount}`);
    }
    start = end + 1;
    if (faceIds.length % FACE_IDS_PER_SLICE === 0) await yieldToEventLoop();
  }
  const readToEnd = saved.labelCount === 0 ? text === '' : start === text.length + 1;
  if (!readToEnd) {
    throw invalid(`faceIdLines lists more labels than labelCount ${saved.labelCount}`);
  }
  return { faceIds, positions, tombstones };
}

function sha256OfFile(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
