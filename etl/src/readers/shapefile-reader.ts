import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { Geometry } from 'geojson';
import iconv from 'iconv-lite';
import { openShp } from 'shapefile';
import { crsFromWkt } from './crs-names.js';
import {
  classifyTextFields,
  codePageOfLanguageDriver,
  decodeDbfRecord,
  encodingOfCpg,
  readDbfHeader,
  readDbfRecords,
} from './dbf-file.js';
import {
  type BoundarySource,
  chooseLayer,
  type LayerInfo,
  type ReaderOptions,
  type SourceFeature,
  SourceFormatError,
} from './source.js';

/** One shapefile's parts, found next to its .shp by base name (any letter case). */
interface ShapefileParts {
  shp: string;
  dbf?: string;
  prj?: string;
  cpg?: string;
}

/** Finds every .shp in `directory` (recursively) with its sidecar files; each is one layer. */
export function findShapefiles(directory: string, relativePaths: string[]): Map<string, ShapefileParts> {
  const layers = new Map<string, ShapefileParts>();
  for (const relative of relativePaths) {
    if (extname(relative).toLowerCase() !== '.shp') continue;
    const shp = join(directory, relative);
    layers.set(basename(relative, extname(relative)), partsOf(shp));
  }
  return layers;
}

function partsOf(shp: string): ShapefileParts {
  const stem = basename(shp, extname(shp)).toLowerCase();
  const siblings = readdirSync(dirname(shp));
  const find = (extension: string) => {
    const name = siblings.find((candidate) => candidate.toLowerCase() === `${stem}.${extension}`);
    return name === undefined ? undefined : join(dirname(shp), name);
  };
  return { shp, dbf: find('dbf'), prj: find('prj'), cpg: find('cpg') };
}

/**
 * Opens an ESRI shapefile: geometry streamed from the .shp by the `shapefile` package, attributes
 * read from the .dbf here so that their text encoding can be checked before it is decoded.
 * Encoding: --encoding, else the .cpg, else UTF-8 when every text value is valid UTF-8, else the
 * code page named by the DBF language driver. Text fields that none of these decode with confidence
 * are listed in `undecodableFields`; the importer rejects the file if such a field is one it uses.
 */
export async function openShapefile(
  file: string,
  options: ReaderOptions,
  layers?: Map<string, ShapefileParts>,
): Promise<BoundarySource> {
  const available = layers ?? new Map([[basename(file, extname(file)), partsOf(file)]]);
  const layerInfos: LayerInfo[] = [];
  for (const [name, parts] of available) {
    const count = parts.dbf ? (await readDbfHeader(parts.dbf)).recordCount : undefined;
    layerInfos.push({ name, featureCount: count });
  }
  const layer = chooseLayer(file, layerInfos, options.layer);
  const parts = available.get(layer.name) as ShapefileParts;
  if (!existsSync(parts.shp)) throw new SourceFormatError(`${parts.shp} does not exist.`);

  const warnings: string[] = [];
  const undecodableFields: string[] = [];
  const header = parts.dbf ? await readDbfHeader(parts.dbf) : undefined;
  if (!parts.dbf)
    warnings.push(`${basename(parts.shp)} has no .dbf file, so its features have no attributes.`);
  const encoding =
    header && parts.dbf ? await chooseEncoding(parts, header, options, warnings, undecodableFields) : 'utf-8';

  const crs = parts.prj ? crsFromWkt(readFileSync(parts.prj, 'utf8'), '.prj file') : null;
  let done = 0;
  const total = layer.featureCount ?? 0;
  let shpStream: ReturnType<typeof createReadStream> | undefined;

  return {
    format: 'shapefile',
    layers: layerInfos,
    layer,
    crs,
    warnings,
    undecodableFields,
    features: () => {
      shpStream = createReadStream(parts.shp);
      return readFeatures(parts, shpStream, header, encoding, () => {
        done += 1;
      });
    },
    progress: () =>
      total > 0
        ? { done, total, unit: 'features' }
        : { done: shpStream?.bytesRead ?? 0, total: statSync(parts.shp).size, unit: 'bytes' },
    close: async () => {
      shpStream?.destroy();
    },
  };
}

async function chooseEncoding(
  parts: ShapefileParts,
  header: Awaited<ReturnType<typeof readDbfHeader>>,
  options: ReaderOptions,
  warnings: string[],
  undecodableFields: string[],
): Promise<string> {
  const dbfName = basename(parts.dbf as string);
  if (options.encoding) {
    if (!iconv.encodingExists(options.encoding)) {
      throw new SourceFormatError(
        `--encoding ${options.encoding} is not a known text encoding; use a name like utf-8, windows-1256 or cp437.`,
      );
    }
    return options.encoding;
  }

  if (parts.cpg) {
    const declared = readFileSync(parts.cpg, 'latin1');
    const encoding = encodingOfCpg(declared);
    if (encoding) return encoding;
    warnings.push(`${basename(parts.cpg)} names an unknown encoding "${declared.trim()}"; it was ignored.`);
  }

  const kinds = await classifyTextFields(parts.dbf as string, header);
  const nonUtf8 = [...kinds].filter(([, kind]) => kind === 'other').map(([name]) => name);
  if (nonUtf8.length === 0) return 'utf-8';

  const codePage = codePageOfLanguageDriver(header.languageDriver);
  if (codePage) {
    warnings.push(
      `${dbfName}: text decoded as ${codePage}, the code page its language driver byte ` +
        `0x${header.languageDriver.toString(16).padStart(2, '0')} declares; pass --encoding if the names look wrong.`,
    );
    return codePage;
  }

  // No declared code page (language driver 0 or 0x57 "Windows ANSI"): the bytes of these fields are
  // not UTF-8 and could be any legacy encoding, so their text is only a guess.
  undecodableFields.push(...nonUtf8);
  warnings.push(
    `${dbfName}: fields ${nonUtf8.join(', ')} hold text that is not UTF-8, and the file does not declare its ` +
      `encoding (no .cpg, language driver 0x${header.languageDriver.toString(16).padStart(2, '0')}). ` +
      'They were read as windows-1252 and are not used unless you pass --encoding.',
  );
  return 'windows-1252';
}

async function* readFeatures(
  parts: ShapefileParts,
  shpStream: ReturnType<typeof createReadStream>,
  header: Awaited<ReturnType<typeof readDbfHeader>> | undefined,
  encoding: string,
  onFeature: () => void,
): AsyncGenerator<SourceFeature> {
  let shapes: Awaited<ReturnType<typeof openShp>>;
  try {
    shapes = await openShp(shpStream);
  } catch (error) {
    throw new SourceFormatError(`${parts.shp} is not a readable shapefile (${(error as Error).message}).`);
  }
  const records = parts.dbf && header ? readDbfRecords(parts.dbf, header) : undefined;

  for (let index = 0; ; index += 1) {
    const shape = await shapes.read();
    const record = records ? await records.next() : undefined;
    if (shape.done) {
      if (record && !record.done) {
        throw new SourceFormatError(
          `${basename(parts.shp)} has ${index} shapes but its .dbf has more records; the files do not belong together.`,
        );
      }
      return;
    }
    if (record?.done) {
      throw new SourceFormatError(
        `${basename(parts.dbf ?? '')} has ${index} records but the .shp has more shapes; the files do not belong together.`,
      );
    }
    const properties = record && header ? decodeDbfRecord(record.value, header.fields, encoding) : {};
    onFeature();
    yield { index, properties, geometry: (shape.value as Geometry | null) ?? null };
  }
}
