// Peak memory of reading a large TopoJSON file through the streaming reader, beside the old way of
// parsing the whole file with JSON.parse, and of reading the same squares as KML through the
// streaming KML reader, without a database. Run on its own with
// npx tsx bench/import-memory.ts, and with IMPORT_BENCH_FEATURES=N for a smaller smoke run.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openBoundaryFile } from '../etl/src/readers/open-boundary-file.js';

const run = promisify(execFile);

export interface ReaderMemoryResult {
  name: string;
  features: number;
  megabytes: number;
  seconds: number;
  /** Peak resident set size of the reading process (Node itself included), in MB. */
  maxRssMb: number;
}

type ReadMode = 'streaming' | 'parse' | 'kml';

/**
 * Generates a TopoJSON file of `count` squares, each with its own arc and properties, and reads it
 * with the streaming reader and, as the baseline, with JSON.parse of the whole file (what the reader
 * did before it streamed; it converts no feature). Each read runs in a fresh Node process, so each
 * peak RSS is that reader's alone.
 */
export async function runReaderMemoryBench(count = 100_000): Promise<ReaderMemoryResult[]> {
  const directory = mkdtempSync(join(tmpdir(), 'talash-reader-memory-'));
  const file = join(directory, 'stations.topojson');
  const kmlFile = join(directory, 'stations.kml');
  try {
    await writeTopology(file, count);
    await writeKmlGrid(kmlFile, count, Math.ceil(Math.sqrt(count)));
    const results: ReaderMemoryResult[] = [];
    for (const [mode, name, path] of [
      ['streaming', 'TopoJSON, streaming reader', file],
      ['parse', 'TopoJSON, JSON.parse of the whole file (baseline)', file],
      ['kml', 'KML, streaming reader', kmlFile],
    ] as [ReadMode, string, string][]) {
      results.push({ name, megabytes: statSync(path).size / 1e6, ...(await readInChild(mode, path)) });
    }
    console.log('\nTopoJSON and KML reader memory (no database, one process per reader)');
    console.log(
      '  reader                                              features     MB   seconds  peak RSS MB',
    );
    for (const result of results) {
      console.log(
        `  ${result.name.padEnd(50)} ${String(result.features).padStart(8)} ${result.megabytes.toFixed(0).padStart(6)} ` +
          `${result.seconds.toFixed(2).padStart(9)} ${result.maxRssMb.toFixed(0).padStart(12)}`,
      );
    }
    return results;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

async function readInChild(
  mode: ReadMode,
  file: string,
): Promise<{ features: number; seconds: number; maxRssMb: number }> {
  const script = fileURLToPath(import.meta.url);
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script, '--read', mode, file]);
  return JSON.parse(stdout.trim().split('\n').at(-1) as string);
}

/** Reads every feature of `file` the given way and prints the count, time and peak RSS as JSON. */
async function readAndReport(mode: ReadMode, file: string): Promise<void> {
  const started = performance.now();
  let features = 0;
  if (mode === 'streaming' || mode === 'kml') {
    const source = await openBoundaryFile(file, mode === 'kml' ? {} : { layer: 'stations' });
    try {
      for await (const _feature of source.features()) features += 1;
    } finally {
      await source.close();
    }
  } else {
    const topology = JSON.parse(readFileSync(file, 'utf8')) as {
      objects: { stations: { geometries: unknown[] } };
    };
    features = topology.objects.stations.geometries.length;
  }
  const seconds = (performance.now() - started) / 1000;
  // resourceUsage().maxRSS is in kilobytes.
  console.log(JSON.stringify({ features, seconds, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

/**
 * Returns the closed ring of the square of 0.01° at `index` on a grid with `columns` columns and
 * 0.012° spacing, from 67.5°E 25.5°N (Pakistan's populated band), rounded to 5 decimals.
 */
export function gridSquare(index: number, columns: number): number[][] {
  const x = 67.5 + (index % columns) * 0.012;
  const y = 25.5 + Math.floor(index / columns) * 0.012;
  return [
    [x, y],
    [x + 0.01, y],
    [x + 0.01, y + 0.01],
    [x, y + 0.01],
    [x, y],
  ].map(([lon, lat]) => [Number(lon?.toFixed(5)), Number(lat?.toFixed(5))]);
}

/**
 * Writes `count` squares of 0.01° (the grid of gridSquare with `columns` columns) as KML placemarks
 * in one folder, each with a name and a station code in ExtendedData, piece by piece.
 */
export async function writeKmlGrid(file: string, count: number, columns: number): Promise<void> {
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">');
  await write('<Document><Folder><name>Stations</name>\n');
  for (let index = 0; index < count; index += 1) {
    const coordinates = gridSquare(index, columns)
      .map(([lon, lat]) => `${lon},${lat},0`)
      .join(' ');
    await write(
      `<Placemark><name>Station ${index}</name><ExtendedData><Data name="station_code"><value>S${index}</value>` +
        '</Data></ExtendedData><Polygon><outerBoundaryIs><LinearRing><coordinates>' +
        `${coordinates}</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>\n`,
    );
  }
  await write('</Folder></Document></kml>\n');
  out.end();
  await once(out, 'finish');
}

/** Writes `count` squares of 0.01° as one GeometryCollection, objects before arcs, piece by piece. */
async function writeTopology(file: string, count: number): Promise<void> {
  const out = createWriteStream(file);
  const columns = Math.ceil(Math.sqrt(count));
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('{"type":"Topology","objects":{"stations":{"type":"GeometryCollection","geometries":[\n');
  for (let index = 0; index < count; index += 1) {
    const geometry = {
      type: 'Polygon',
      arcs: [[index]],
      properties: { name: `Station ${index}`, station_code: `S${index}`, district: 'Lahore' },
    };
    await write(`${index === 0 ? '' : ',\n'}${JSON.stringify(geometry)}`);
  }
  await write('\n]}},"arcs":[\n');
  for (let index = 0; index < count; index += 1) {
    await write(`${index === 0 ? '' : ',\n'}${JSON.stringify(gridSquare(index, columns))}`);
  }
  await write('\n]}\n');
  out.end();
  await once(out, 'finish');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--read') {
    await readAndReport(process.argv[3] as ReadMode, process.argv[4] as string);
  } else {
    const features = process.env.IMPORT_BENCH_FEATURES
      ? Number(process.env.IMPORT_BENCH_FEATURES)
      : undefined;
    await runReaderMemoryBench(features);
  }
}
