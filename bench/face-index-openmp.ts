/**
 * Sets OMP_NUM_THREADS to 1 unless the caller set it. libgomp reads it once, when faiss-node's
 * addon is loaded, so this module must be imported before any module that imports faiss-node.
 *
 * With 2 threads, each single-query faiss search runs an OpenMP parallel region. When other
 * processes keep the cores busy, the search waits for a descheduled thread, and its latency grows
 * several-fold. One thread per search is the setting an API process should use; index builds are
 * faster with more threads, so build in a separate process (OMP_NUM_THREADS=2 npx tsx …).
 */
process.env.OMP_NUM_THREADS ??= '1';
