import { open } from 'node:fs/promises';
import { FaceIndexError } from './errors.js';

/**
 * Reads and writes efConstruction and efSearch in a saved faiss HNSW index file.
 *
 * faiss-node 0.5 exposes neither faiss's ParameterSpace nor SearchParameters, and with faiss 1.7.3
 * a larger k does not widen an HNSW search: the search stops after efSearch (16 by default)
 * expansions. Both values are stored in the index file, so they are set by patching a saved file
 * and reading it back. The layout below is faiss's `write_index` for IndexHNSWFlat ("IHNf"):
 *
 *   fourcc "IHNf", int32 d, int64 ntotal, int64 dummy ×2, uint8 is_trained, int32 metric_type,
 *   then the HNSW graph: five vectors (size_t count + items) of double, int32, int32, size_t and
 *   int32 items, then int32 entry_point, max_level, efConstruction, efSearch, upper_beam.
 *
 * NOTE: before writing, the walk checks that upper_beam is 1 and that the flat storage index
 * ("IxF…") starts right after it, and rejects any other layout. A faiss upgrade that changes the
 * format needs this file checked again.
 */
export interface HnswParameters {
  efConstruction: number;
  efSearch: number;
}

const HNSW_FLAT_FOURCC = 'IHNf';
/** fourcc + d + ntotal + two dummies + is_trained + metric_type (metric_arg only follows for metric > 1). */
const INDEX_HEADER_BYTES = 4 + 4 + 8 + 8 + 8 + 1 + 4;
const GRAPH_VECTOR_ITEM_BYTES = [8, 4, 4, 8, 4] as const;

export async function readHnswParameters(file: string): Promise<HnswParameters> {
  const handle = await open(file, 'r');
  try {
    const offset = await locateParameters(handle, file);
    const fields = await readBytes(handle, offset, 12);
    return { efConstruction: fields.readInt32LE(4), efSearch: fields.readInt32LE(8) };
  } finally {
    await handle.close();
  }
}

export async function writeHnswParameters(file: string, parameters: HnswParameters): Promise<void> {
  for (const [name, value] of Object.entries(parameters)) {
    if (!Number.isInteger(value) || value < 1 || value > 4096) {
      throw new FaceIndexError(
        'FACE_INDEX_OPTIONS_INVALID',
        `HNSW ${name} must be an integer from 1 to 4096, got ${value}`,
        name,
      );
    }
  }

  const handle = await open(file, 'r+');
  try {
    const offset = await locateParameters(handle, file);
    const fields = await readBytes(handle, offset, 16);
    const upperBeam = fields.readInt32LE(12);
    const storageFourcc = (await readBytes(handle, offset + 16, 4)).toString('latin1');
    if (upperBeam !== 1 || !storageFourcc.startsWith('IxF')) {
      throw new FaceIndexError(
        'FACE_INDEX_FILE_INVALID',
        `${file}: unexpected HNSW layout (upper_beam ${upperBeam}, storage ${storageFourcc}); this faiss version is not the one this code patches`,
      );
    }
    fields.writeInt32LE(parameters.efConstruction, 4);
    fields.writeInt32LE(parameters.efSearch, 8);
    await handle.write(fields, 0, 16, offset);
  } finally {
    await handle.close();
  }
}

/** Returns the offset of max_level, which is followed by efConstruction, efSearch and upper_beam. */
async function locateParameters(handle: Awaited<ReturnType<typeof open>>, file: string): Promise<number> {
  const header = await readBytes(handle, 0, INDEX_HEADER_BYTES);
  const fourcc = header.toString('latin1', 0, 4);
  const metricType = header.readInt32LE(33);
  if (fourcc !== HNSW_FLAT_FOURCC || metricType > 1) {
    throw new FaceIndexError(
      'FACE_INDEX_FILE_INVALID',
      `${file} is not a faiss IndexHNSWFlat with L2 or inner-product metric (fourcc ${fourcc}, metric ${metricType})`,
    );
  }

  let offset = INDEX_HEADER_BYTES;
  const { size } = await handle.stat();
  for (const itemBytes of GRAPH_VECTOR_ITEM_BYTES) {
    const count = (await readBytes(handle, offset, 8)).readBigUInt64LE(0);
    offset += 8 + Number(count) * itemBytes;
    if (offset > size) {
      throw new FaceIndexError('FACE_INDEX_FILE_INVALID', `${file} is truncated inside the HNSW graph`);
    }
  }
  // entry_point precedes max_level.
  return offset + 4;
}

async function readBytes(handle: Awaited<ReturnType<typeof open>>, position: number, length: number) {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead !== length) {
    throw new FaceIndexError('FACE_INDEX_FILE_INVALID', `index file ended at byte ${position + bytesRead}`);
  }
  return buffer;
}
