import faiss from 'faiss-node';

/** faiss-node's Index class, with the `readAsync` that scripts/patch-faiss-node.mjs adds. */
type IndexClass = typeof faiss.Index & { readAsync?: (file: string) => Promise<faiss.Index> };

/**
 * Reads a faiss index file. The addon that scripts/build-faiss.sh compiles reads it on a libuv
 * thread, so the event loop keeps serving meanwhile. Read on the main thread, the 512 MB IVF index of
 * 1M faces blocked it for 0.7 s. An addon built another way has no `readAsync` and reads on the
 * calling thread.
 */
export async function readFaissIndex(file: string): Promise<faiss.Index> {
  const index = faiss.Index as IndexClass;
  return index.readAsync ? index.readAsync(file) : index.read(file);
}
