// `npm run bench`: every benchmark of the platform in one run, each printing its figures next to
// the baseline it is measured against. Results and the machine are recorded in bench/README.md.
import os from 'node:os';
import { runAnalysisBench } from './analysis.js';
import { BENCH_DATABASE_URL, prepareBenchDatabase } from './bench-database.js';
import { runDispatchLoadBench } from './dispatch-load-bench.js';
import { runGeofenceBench } from './geofence-bench.js';
import { runImportBench } from './import-bench.js';
import { runIntakeBench } from './intake-bench.js';

console.log(
  `Talash benchmarks on ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
);
const databaseUrl = await prepareBenchDatabase(BENCH_DATABASE_URL);

await runIntakeBench();
await runDispatchLoadBench({ databaseUrl });
await runGeofenceBench({ databaseUrl });
// Last, because it adds boundary versions to the benchmark database.
await runImportBench({ databaseUrl });
// Generating and storing 1,000,000 incidents takes minutes on the first run; TALASH_BENCH_SKIP_ANALYSIS=1
// leaves the section out.
if (process.env.TALASH_BENCH_SKIP_ANALYSIS !== '1') await runAnalysisBench({ databaseUrl });
