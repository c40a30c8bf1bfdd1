// Measures the time to store a bulk load of generated incidents with IncidentRepository.insertMany,
// which `npm run import:incidents`, the API's bulk import and the analysis bench use. The load runs
// in one transaction, which runs its deferred triggers and is then rolled back. So the benchmark
// database keeps its incidents and counts, and runs can be compared one after another.
//
// INCIDENT_LOAD_INCIDENTS sets the count (default 100,000). INCIDENT_LOAD_WITHOUT_COUNTS=1 disables
// the triggers on incidents inside the transaction, which gives the time of the load without the
// analysis counts.
import { performance } from 'node:perf_hooks';
import { createDatabase } from '../api/src/database.js';
import { IncidentRepository } from '../api/src/repositories/incident-repository.js';
import { generateIncidents } from './analysis.js';
import { BENCH_DATABASE_URL, prepareBenchDatabase } from './bench-database.js';

const count = Number(process.env.INCIDENT_LOAD_INCIDENTS ?? 100_000);
const withoutCounts = process.env.INCIDENT_LOAD_WITHOUT_COUNTS === '1';

const databaseUrl = await prepareBenchDatabase(BENCH_DATABASE_URL);
const db = createDatabase(databaseUrl, 2);
try {
  const incidents = await generateIncidents(db, count);
  const repository = new IncidentRepository(db);
  const trx = await db.transaction();
  try {
    if (withoutCounts) await trx.raw('ALTER TABLE incidents DISABLE TRIGGER USER');
    const started = performance.now();
    const importId = await repository.createImport(
      trx,
      {
        fileName: 'incident-load-bench',
        fileSha256: '-',
        format: 'csv',
        importedBy: 'bench',
        rowCount: count,
        skippedRows: [],
      },
      count,
    );
    await repository.insertMany(trx, incidents, { source: 'import', importId });
    const inserted = performance.now();
    // Runs the deferred triggers that commit would run, among them the one that updates the counts.
    await trx.raw('SET CONSTRAINTS ALL IMMEDIATE');
    const seconds = (performance.now() - started) / 1000;
    const { rows } = await trx.raw(
      `SELECT (SELECT count(*) FROM incidents)::integer AS incidents,
              (SELECT sum(count) FROM analysis_cell_type_counts WHERE level = 6)::integer AS counted`,
    );
    console.log(
      `stored ${count.toLocaleString('en')} incidents ${withoutCounts ? 'without' : 'with'} the analysis counts in ${seconds.toFixed(1)} s, ` +
        `${((inserted - started) / 1000).toFixed(1)} s of it in the INSERT statements ` +
        `(incidents: ${rows[0].incidents}, counted at level 6: ${rows[0].counted ?? 0}; rolled back)`,
    );
  } finally {
    await trx.rollback();
  }
} finally {
  await db.destroy();
}
