import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { type KmlPlacemark, KmlPlacemarkParser, type KmlSchemas } from './kml-placemarks.js';
import type { BoundarySource, LayerInfo, ReaderOptions, SourceFeature } from './source.js';
import { SourceFormatError } from './source.js';
import { chooseXmlEncoding, readDecodedText, type XmlEncoding } from './xml-text.js';

/** The property that records which folder a placemark came from, as "Outer / Inner". */
export const KML_FOLDER_PROPERTY = 'kml_folder';

/**
 * Opens a KML document (KMZ archives are unpacked before this). Every placemark of every folder is
 * one feature, with its folder path in the `kml_folder` property; --layer restricts the import to one
 * folder and its subfolders. A placemark without geometry is a feature with a null geometry.
 *
 * The file is parsed as a stream twice and never held whole. The first pass checks that it is
 * well-formed KML, counts the placemarks of each folder and reads the <Schema> field types. The
 * second pass, features(), builds one placemark at a time, so memory is bounded by the largest
 * placemark. The text encoding comes from the XML declaration (UTF-8 when it names none) unless
 * --encoding overrides it.
 */
export async function openKml(file: string, options: ReaderOptions): Promise<BoundarySource> {
  const encoding = chooseXmlEncoding(file, options.encoding);
  const scanned = await scanKml(file, encoding);
  const layers: LayerInfo[] = [...scanned.folderCounts].map(([name, featureCount]) => ({
    name,
    featureCount,
  }));

  const requested = options.layer;
  const inLayer = (folder: string) =>
    requested === undefined || folder === requested || folder.startsWith(`${requested} / `);
  const selectedCount = layers.reduce(
    (sum, layer) => sum + (inLayer(layer.name) ? (layer.featureCount ?? 0) : 0),
    0,
  );
  if (requested !== undefined && selectedCount === 0) {
    const names = layers.map((layer) => `"${layer.name}"`).join(', ');
    throw new SourceFormatError(`${file} has no folder "${requested}"; its folders are ${names}.`);
  }

  const warnings = [...scanned.warnings];
  const totalBytes = statSync(file).size;
  let bytesRead = 0;
  let reading: AsyncGenerator<KmlPlacemark> | undefined;

  return {
    format: 'kml',
    layers,
    layer: { name: requested ?? basename(file).replace(/\.kml$/i, ''), featureCount: selectedCount },
    crs: { srid: 4326, name: 'WGS 84', origin: 'KML (always WGS 84 longitude/latitude)' },
    warnings,
    undecodableFields: [],
    features: async function* (): AsyncGenerator<SourceFeature> {
      const parser = new KmlPlacemarkParser({ select: inLayer, schemas: scanned.schemas });
      reading = parsePlacemarks(file, encoding, parser, (bytes) => {
        bytesRead = bytes;
      });
      const closedRingFeatures: number[] = [];
      let index = 0;
      for await (const placemark of reading) {
        if (placemark.closedRings > 0) closedRingFeatures.push(index);
        yield toSourceFeature(placemark, index);
        index += 1;
      }
      if (closedRingFeatures.length > 0) warnings.push(closedRingsWarning(closedRingFeatures));
    },
    progress: () => ({ done: bytesRead, total: totalBytes, unit: 'bytes' }),
    close: async () => {
      await reading?.return(undefined);
    },
  };
}

/**
 * Runs the first pass: counts placemarks per folder and reads schemas and notes. Throws a
 * SourceFormatError for a broken file.
 */
async function scanKml(
  file: string,
  encoding: XmlEncoding,
): Promise<{ folderCounts: Map<string, number>; schemas: KmlSchemas; warnings: string[] }> {
  const parser = new KmlPlacemarkParser({ select: () => false });
  for await (const _placemark of parsePlacemarks(file, encoding, parser, () => {})) {
    // Nothing is selected, so nothing arrives here; the parser counts the placemarks.
  }

  const warnings: string[] = [];
  if (encoding.origin !== 'XML default' && encoding.encoding !== 'utf-8') {
    warnings.push(`Text decoded as ${encoding.encoding} (${encoding.origin}).`);
  }
  if (parser.networkLinks > 0) {
    warnings.push(
      `${parser.networkLinks} <NetworkLink> element(s) not followed: only the placemarks inside this file are read.`,
    );
  }
  return { folderCounts: parser.folderCounts, schemas: parser.schemas, warnings };
}

async function* parsePlacemarks(
  file: string,
  encoding: XmlEncoding,
  parser: KmlPlacemarkParser,
  onBytesRead: (bytes: number) => void,
): AsyncGenerator<KmlPlacemark> {
  try {
    for await (const text of readDecodedText(file, encoding.encoding, onBytesRead)) {
      parser.write(text);
      yield* parser.take();
    }
    parser.end();
    yield* parser.take();
  } catch (error) {
    if (error instanceof SourceFormatError) throw error;
    throw new SourceFormatError(
      `${file} is not a readable KML document (${(error as Error).message}; read as ${encoding.encoding}, ${encoding.origin}).`,
    );
  }
}

function toSourceFeature(placemark: KmlPlacemark, index: number): SourceFeature {
  const properties = { ...placemark.properties };
  if (placemark.folder !== '') properties[KML_FOLDER_PROPERTY] = placemark.folder;
  return {
    index,
    properties,
    geometry: placemark.geometry,
    ...(placemark.geometryError ? { geometryError: placemark.geometryError } : {}),
  };
}

function closedRingsWarning(indexes: number[]): string {
  const shown = indexes.slice(0, 20).join(', ');
  const more = indexes.length > 20 ? ` and ${indexes.length - 20} more` : '';
  return `${indexes.length} feature(s) had a polygon ring whose last position differs from the first; the reader closed it (features ${shown}${more}).`;
}
