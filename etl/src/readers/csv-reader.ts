import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'csv-parse';
import type { Geometry } from 'geojson';
import iconv from 'iconv-lite';
import wkx from 'wkx';
import {
  type BoundarySource,
  chooseLayer,
  type ReaderOptions,
  type SourceCrs,
  type SourceFeature,
  SourceFormatError,
} from './source.js';

/** Column names that hold WKT geometry, in order of preference (compared case-insensitively). */
const WKT_COLUMNS = ['wkt', 'geometry', 'geom', 'the_geom', 'shape', 'wkt_geom', 'geometry_wkt'];

/**
 * Opens a CSV file whose geometry is a WKT (or EWKT, `SRID=n;...`) column, streamed row by row.
 * The delimiter (comma, semicolon or tab) is detected from the header line. An EWKT SRID is taken as
 * the file's CRS.
 */
export async function openCsv(file: string, options: ReaderOptions): Promise<BoundarySource> {
  const layers = [{ name: basename(file).replace(/\.csv$/i, '') }];
  const layer = chooseLayer(file, layers, options.layer);
  const encoding = options.encoding ?? 'utf-8';
  if (!iconv.encodingExists(encoding)) {
    throw new SourceFormatError(
      `--encoding ${encoding} is not a known text encoding; use e.g. utf-8 or windows-1256.`,
    );
  }
  const totalBytes = statSync(file).size;
  let stream: ReturnType<typeof createReadStream> | undefined;
  let crs: SourceCrs | null = null;

  return {
    format: 'csv',
    layers,
    layer,
    get crs() {
      return crs;
    },
    warnings: [],
    undecodableFields: [],
    features: () => {
      stream = createReadStream(file);
      return readRows(file, stream, encoding, (srid) => {
        crs = { srid, name: `EPSG:${srid}`, origin: 'EWKT SRID in the WKT column' };
      });
    },
    progress: () => ({ done: stream?.bytesRead ?? 0, total: totalBytes, unit: 'bytes' }),
    close: async () => {
      stream?.destroy();
    },
  };
}

async function* readRows(
  file: string,
  input: NodeJS.ReadableStream,
  encoding: string,
  onSrid: (srid: number) => void,
): AsyncGenerator<SourceFeature> {
  const rows = input.pipe(iconv.decodeStream(encoding)).pipe(
    parse({
      columns: true,
      bom: true,
      delimiter: [',', ';', '\t'],
      skip_empty_lines: true,
      relax_column_count: false,
    }),
  ) as AsyncIterable<Record<string, string>>;

  let wktColumn: string | undefined;
  let srid: number | undefined;
  let index = 0;
  try {
    for await (const row of rows) {
      wktColumn ??= findWktColumn(file, Object.keys(row));
      const { [wktColumn]: text, ...properties } = row;
      const geometry = parseWkt(text ?? '');
      if (geometry.srid !== undefined) {
        if (srid !== undefined && srid !== geometry.srid) {
          throw new SourceFormatError(
            `${file}: row ${index + 1} has SRID ${geometry.srid}, earlier rows ${srid}.`,
          );
        }
        if (srid === undefined) onSrid(geometry.srid);
        srid = geometry.srid;
      }
      yield { index, properties, geometry: geometry.geometry, geometryError: geometry.error };
      index += 1;
    }
  } catch (error) {
    if (error instanceof SourceFormatError) throw error;
    throw new SourceFormatError(`${file}: not a readable CSV file (${(error as Error).message}).`);
  }
}

function findWktColumn(file: string, columns: string[]): string {
  for (const wanted of WKT_COLUMNS) {
    const column = columns.find((candidate) => candidate.trim().toLowerCase() === wanted);
    if (column !== undefined) return column;
  }
  throw new SourceFormatError(
    `${file}: no WKT geometry column; name one of the columns ${WKT_COLUMNS.join(', ')}. Columns found: ${columns.join(', ')}.`,
  );
}

function parseWkt(text: string): { geometry: Geometry | null; srid?: number; error?: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { geometry: null };
  try {
    const parsed = wkx.Geometry.parse(trimmed);
    const srid = /^SRID=/i.test(trimmed) ? parsed.srid : undefined;
    return { geometry: parsed.toGeoJSON() as Geometry, srid };
  } catch (error) {
    return { geometry: null, error: `invalid WKT (${(error as Error).message})` };
  }
}
