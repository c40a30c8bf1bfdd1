// Boundary import benchmark: time and peak memory of three imports, each a draft version with the
// full validation report (overlaps and gaps included). (a) is the bundled OpenStreetMap TopoJSON's
// districts layer, (b) a generated GeoJSON file of 100,000 square police-station areas over Pakistan,
// (c) the same squares as a KML file. The drafts are deleted afterwards. Run: npx tsx bench/import-bench.ts
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase } from '../api/src/database.js';
import { type BoundaryImportOptions, importBoundaryFile } from '../etl/src/boundary-import.js';
import { discardDraft } from '../etl/src/boundary-publishing.js';
import { BUNDLED_BOUNDARY_FILE } from '../etl/src/import-osm-pakistan.js';
import { BENCH_DATABASE_URL, prepareBenchDatabase } from './bench-database.js';
import { gridSquare, runReaderMemoryBench, writeKmlGrid } from './import-memory.js';

export interface ImportBenchOptions {
  databaseUrl: string;
  /** Features in the generated file; default 100,000. */
  features?: number;
}

export interface ImportBenchResult {
  name: string;
  features: number;
  stored: number;
  seconds: number;
  peakRssMb: number;
  phases: Record<string, number>;
}

export async function runImportBench(options: ImportBenchOptions): Promise<ImportBenchResult[]> {
  const databaseUrl = await prepareBenchDatabase(options.databaseUrl);
  const db = createDatabase(databaseUrl, 2);
  const directory = mkdtempSync(join(tmpdir(), 'talash-import-bench-'));
  const results: ImportBenchResult[] = [];
  try {
    results.push(
      await measure(db, 'OSM Pakistan TopoJSON, districts layer', BUNDLED_BOUNDARY_FILE, {
        layer: 'districts',
        level: 'district',
      }),
    );

    const count = options.features ?? 100_000;
    const generated = join(directory, 'stations.geojson');
    await writeGrid(generated, count);
    console.log(`generated ${count} features, ${(statSync(generated).size / 1e6).toFixed(1)} MB`);
    results.push(await measure(db, `generated GeoJSON, ${count} stations`, generated, { level: 'station' }));

    const generatedKml = join(directory, 'stations.kml');
    await writeKmlGrid(generatedKml, count, Math.ceil(Math.sqrt(count * 1.4)));
    console.log(`generated ${count} placemarks, ${(statSync(generatedKml).size / 1e6).toFixed(1)} MB`);
    results.push(await measure(db, `generated KML, ${count} stations`, generatedKml, { level: 'station' }));

    console.log('\nBoundary import (draft version with the full report)');
    console.log('  file                                         features  stored   seconds  peak RSS MB');
    for (const result of results) {
      console.log(
        `  ${result.name.padEnd(44)} ${String(result.features).padStart(8)} ${String(result.stored).padStart(7)} ` +
          `${result.seconds.toFixed(2).padStart(9)} ${result.peakRssMb.toFixed(0).padStart(12)}`,
      );
      console.log(`    phases (s): ${JSON.stringify(result.phases)}`);
    }
    console.log('  targets: OSM TopoJSON < 5 s; 100,000 features with peak RSS < 1 GB');
    await runReaderMemoryBench(count);
    return results;
  } finally {
    rmSync(directory, { recursive: true, force: true });
    await db.destroy();
  }
}

async function measure(
  db: ReturnType<typeof createDatabase>,
  name: string,
  file: string,
  options: Partial<BoundaryImportOptions>,
): Promise<ImportBenchResult> {
  global.gc?.();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  try {
    const report = await importBoundaryFile(db, file, { createdBy: 'bench', ...options });
    const seconds = (performance.now() - started) / 1000;
    peak = Math.max(peak, process.memoryUsage().rss);
    await discardDraft(db, report.versionId);
    return {
      name,
      features: report.counts.read,
      stored: report.counts.stored,
      seconds,
      peakRssMb: peak / 1024 / 1024,
      phases: report.timings,
    };
  } finally {
    clearInterval(sampler);
  }
}

/**
 * Writes `count` squares of 0.01° on a regular grid over Pakistan's populated band, as a
 * FeatureCollection written piece by piece so the generator itself stays small.
 */
async function writeGrid(file: string, count: number): Promise<void> {
  const out = createWriteStream(file);
  const columns = Math.ceil(Math.sqrt(count * 1.4));
  out.write('{"type":"FeatureCollection","features":[\n');
  for (let index = 0; index < count; index += 1) {
    const ring = gridSquare(index, columns);
    const feature = {
      type: 'Feature',
      properties: { name: `Station ${index}`, station_code: `S${index}` },
      geometry: { type: 'Polygon', coordinates: [ring] },
    };
    if (!out.write(`${index === 0 ? '' : ',\n'}${JSON.stringify(feature)}`)) await once(out, 'drain');
  }
  out.write('\n]}\n');
  out.end();
  await once(out, 'finish');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const features = process.env.IMPORT_BENCH_FEATURES ? Number(process.env.IMPORT_BENCH_FEATURES) : undefined;
  await runImportBench({ databaseUrl: BENCH_DATABASE_URL, features });
}
