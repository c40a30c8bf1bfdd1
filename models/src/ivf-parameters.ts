import { open } from 'node:fs/promises';
import { FaceIndexError } from './errors.js';

/**
 * Reads nlist and writes nprobe in a saved faiss IndexIVFFlat file.
 *
 * nprobe is the number of inverted lists an IVF search scans, and faiss's default is 1.
 * faiss-node 0.5 cannot set it, but faiss stores it in the index file, so it is set by patching a
 * saved file and reading it back. faiss 1.7.3 `write_index` lays out an IndexIVFFlat ("IwFl") as:
 *
 *   fourcc "IwFl", int32 d, int64 ntotal, int64 dummy ×2, uint8 is_trained, int32 metric_type,
 *   size_t nlist, size_t nprobe, then the coarse quantizer as a whole index (IndexFlatIP "IxFI" or
 *   IndexFlatL2 "IxF2"), the direct map and the inverted lists.
 *
 * NOTE: the reader checks the outer fourcc and metric, and that a flat quantizer of the same
 * dimension starts right after nprobe, and rejects any other layout. A faiss upgrade that changes
 * the format needs this file checked again.
 */
export interface IvfParameters {
  /** Number of inverted lists (k-means centroids), faiss's nlist. */
  lists: number;
  /** Number of lists scanned per search, faiss's nprobe. */
  probes: number;
}

const IVF_FLAT_FOURCC = 'IwFl';
const FLAT_QUANTIZER_FOURCCS = ['IxFI', 'IxF2'];
/** fourcc + d + ntotal + two dummies + is_trained + metric_type (metric_arg only follows for metric > 1). */
const INDEX_HEADER_BYTES = 4 + 4 + 8 + 8 + 8 + 1 + 4;
const NLIST_OFFSET = INDEX_HEADER_BYTES;
const NPROBE_OFFSET = NLIST_OFFSET + 8;
const QUANTIZER_OFFSET = NPROBE_OFFSET + 8;
/** Largest nlist accepted, far above any face gallery's; a larger value means an unexpected layout. */
export const MAX_IVF_LISTS = 1 << 20;

export async function readIvfParameters(file: string): Promise<IvfParameters> {
  const handle = await open(file, 'r');
  try {
    return await readChecked(handle, file);
  } finally {
    await handle.close();
  }
}

/** Sets nprobe in a saved IndexIVFFlat file; `probes` must lie between 1 and the file's nlist. */
export async function writeIvfProbes(file: string, probes: number): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    const { lists } = await readChecked(handle, file);
    if (!Number.isInteger(probes) || probes < 1 || probes > lists) {
      throw new FaceIndexError(
        'FACE_INDEX_OPTIONS_INVALID',
        `ivfProbes must be an integer from 1 to the index's ${lists} lists, got ${probes}`,
        'ivfProbes',
      );
    }
    const field = Buffer.alloc(8);
    field.writeBigUInt64LE(BigInt(probes));
    await handle.write(field, 0, 8, NPROBE_OFFSET);
  } finally {
    await handle.close();
  }
}

async function readChecked(handle: Awaited<ReturnType<typeof open>>, file: string): Promise<IvfParameters> {
  const bytes = Buffer.alloc(QUANTIZER_OFFSET + INDEX_HEADER_BYTES);
  const { bytesRead } = await handle.read(bytes, 0, bytes.length, 0);
  if (bytesRead !== bytes.length) {
    throw new FaceIndexError(
      'FACE_INDEX_FILE_INVALID',
      `${file} ended at byte ${bytesRead}, inside the IVF header`,
    );
  }

  const fourcc = bytes.toString('latin1', 0, 4);
  const dimension = bytes.readInt32LE(4);
  const metricType = bytes.readInt32LE(33);
  if (fourcc !== IVF_FLAT_FOURCC || metricType > 1) {
    throw new FaceIndexError(
      'FACE_INDEX_FILE_INVALID',
      `${file} is not a faiss IndexIVFFlat with L2 or inner-product metric (fourcc ${fourcc}, metric ${metricType})`,
    );
  }

  const lists = bytes.readBigUInt64LE(NLIST_OFFSET);
  const probes = bytes.readBigUInt64LE(NPROBE_OFFSET);
  const quantizerFourcc = bytes.toString('latin1', QUANTIZER_OFFSET, QUANTIZER_OFFSET + 4);
  const quantizerDimension = bytes.readInt32LE(QUANTIZER_OFFSET + 4);
  const quantizerMetric = bytes.readInt32LE(QUANTIZER_OFFSET + 33);
  if (
    lists < 1n ||
    lists > BigInt(MAX_IVF_LISTS) ||
    probes < 1n ||
    probes > lists ||
    !FLAT_QUANTIZER_FOURCCS.includes(quantizerFourcc) ||
    quantizerDimension !== dimension ||
    quantizerMetric !== metricType
  ) {
    throw new FaceIndexError(
      'FACE_INDEX_FILE_INVALID',
      `${file}: unexpected IVF layout (nlist ${lists}, nprobe ${probes}, quantizer ${quantizerFourcc} of dimension ${quantizerDimension}); this faiss version is not the one this code patches`,
    );
  }
  return { lists: Number(lists), probes: Number(probes) };
}
