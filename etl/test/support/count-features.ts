// Reads every feature of a boundary file in this process and prints the count and the peak heap
// as JSON. Tests run it in a child process with a small --max-old-space-size, so that a reader
// which keeps the whole file in memory runs out of heap and the child fails.
import { openBoundaryFile } from '../../src/readers/open-boundary-file.js';

const source = await openBoundaryFile(process.argv[2] as string);
let features = 0;
let maxHeapMb = 0;
try {
  for await (const _feature of source.features()) {
    features += 1;
    if (features % 500 === 0) maxHeapMb = Math.max(maxHeapMb, process.memoryUsage().heapUsed / 1024 / 1024);
  }
} finally {
  await source.close();
}
console.log(JSON.stringify({ features, maxHeapMb }));
