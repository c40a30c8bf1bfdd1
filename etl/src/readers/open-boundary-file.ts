import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { openCsv } from './csv-reader.js';
import { openGeoJson } from './geojson-reader.js';
import { openGeoPackage } from './geopackage-reader.js';
import { openKml } from './kml-reader.js';
import { findShapefiles, openShapefile } from './shapefile-reader.js';
import { type BoundarySource, type ReaderOptions, SourceFormatError } from './source.js';
import { openTopoJson } from './topojson-reader.js';
import { extractZip } from './zip-archive.js';

/** File extensions the importer reads, for help text and error messages. */
export const SUPPORTED_EXTENSIONS = [
  '.geojson',
  '.json',
  '.topojson',
  '.shp',
  '.zip',
  '.kml',
  '.kmz',
  '.gpkg',
  '.csv',
];

/**
 * Opens a boundary file of any supported format, detected from its extension and first bytes.
 * A .zip may contain shapefiles (each .shp is a layer) or one file of another format; a .kmz is a
 * zipped KML. Throws SourceFormatError or LayerChoiceError with a message for the user.
 */
export async function openBoundaryFile(file: string, options: ReaderOptions = {}): Promise<BoundarySource> {
  if (!existsSync(file) || !statSync(file).isFile())
    throw new SourceFormatError(`${file} does not exist or is not a file.`);
  const format = detectFormat(file);
  switch (format) {
    case 'zip':
      return openArchive(file, options);
    case 'shapefile':
      return openShapefile(shapefileOf(file), options);
    case 'geojson':
      return openGeoJson(file, options);
    case 'topojson':
      return openTopoJson(file, options);
    case 'kml':
      return openKml(file, options);
    case 'geopackage':
      return openGeoPackage(file, options);
    case 'csv':
      return openCsv(file, options);
  }
}

type DetectedFormat = 'zip' | 'shapefile' | 'geojson' | 'topojson' | 'kml' | 'geopackage' | 'csv';

function detectFormat(file: string): DetectedFormat {
  const head = readHead(file, 1 << 16);
  const text = head
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (head.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return 'zip';
  if (head.subarray(0, 16).toString('latin1') === 'SQLite format 3\0') return 'geopackage';

  const extension = extname(file).toLowerCase();
  if (['.shp', '.shx', '.dbf', '.prj', '.cpg'].includes(extension)) return 'shapefile';
  if (extension === '.topojson') return 'topojson';
  // By extension too, because a UTF-16 KML does not start with the byte "<".
  if (extension === '.kml') return 'kml';
  if (text.startsWith('{')) return /"type"\s*:\s*"Topology"/.test(text) ? 'topojson' : 'geojson';
  if (text.startsWith('<')) return 'kml';
  if (['.csv', '.tsv', '.txt'].includes(extension)) return 'csv';
  throw new SourceFormatError(
    `${file}: unknown file type "${extension || '(no extension)'}". Supported: ${SUPPORTED_EXTENSIONS.join(', ')} ` +
      '(a shapefile as its .shp with the .dbf, .shx and .prj beside it, or all of them in one .zip).',
  );
}

function readHead(file: string, bytes: number): Buffer {
  const descriptor = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const read = readSync(descriptor, buffer, 0, bytes, 0);
    return buffer.subarray(0, read);
  } finally {
    closeSync(descriptor);
  }
}

function shapefileOf(file: string): string {
  const shp = file.slice(0, file.length - extname(file).length);
  for (const extension of ['.shp', '.SHP', '.Shp']) {
    if (existsSync(shp + extension)) return shp + extension;
  }
  throw new SourceFormatError(
    `${file}: the .shp file of this shapefile is missing; put it next to ${basename(file)}.`,
  );
}

async function openArchive(file: string, options: ReaderOptions): Promise<BoundarySource> {
  const archive = await extractZip(file);
  try {
    const source = await openArchiveContent(file, archive.directory, archive.files, options);
    const close = source.close;
    source.close = async () => {
      await close();
      await archive.remove();
    };
    return source;
  } catch (error) {
    await archive.remove();
    throw error;
  }
}

async function openArchiveContent(
  file: string,
  directory: string,
  files: string[],
  options: ReaderOptions,
): Promise<BoundarySource> {
  const shapefiles = findShapefiles(directory, files);
  if (shapefiles.size > 0) return openShapefile(file, options, shapefiles);

  const kml =
    files.find((name) => basename(name).toLowerCase() === 'doc.kml') ??
    files.find((name) => /\.kml$/i.test(name));
  if (kml) return openKml(join(directory, kml), options);

  const readable = files.filter(
    (name) => SUPPORTED_EXTENSIONS.includes(extname(name).toLowerCase()) && !/\.zip$/i.test(name),
  );
  if (readable.length === 1) return openBoundaryFile(join(directory, readable[0] as string), options);
  if (readable.length === 0) {
    throw new SourceFormatError(
      `${file} contains no boundary file (found: ${files.slice(0, 20).join(', ') || 'nothing'}).`,
    );
  }
  throw new SourceFormatError(
    `${file} contains several boundary files (${readable.join(', ')}); unpack it and import one at a time.`,
  );
}
