import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Feature, Geometry } from 'geojson';
import { parser } from 'stream-json';
import Assembler from 'stream-json/assembler.js';
import { sridFromCrsName } from './crs-names.js';
import {
  type BoundarySource,
  chooseLayer,
  type ReaderOptions,
  type SourceCrs,
  type SourceFeature,
  SourceFormatError,
} from './source.js';

const GEOMETRY_TYPES = new Set([
  'Point',
  'MultiPoint',
  'LineString',
  'MultiLineString',
  'Polygon',
  'MultiPolygon',
  'GeometryCollection',
]);

interface Token {
  name: string;
  value?: unknown;
}

/**
 * Opens a GeoJSON file: a FeatureCollection, a bare Feature or a bare geometry. The features of a
 * FeatureCollection are parsed one at a time from a stream, so memory stays bounded by the largest
 * feature, not the file. A `crs` member (GeoJSON 2008) is honoured wherever it appears.
 */
export async function openGeoJson(file: string, options: ReaderOptions): Promise<BoundarySource> {
  const layers = [{ name: basename(file).replace(/\.(geo)?json$/i, '') }];
  const layer = chooseLayer(file, layers, options.layer);
  const totalBytes = statSync(file).size;
  let stream: ReturnType<typeof createReadStream> | undefined;
  let crs: SourceCrs | null = null;

  const source: BoundarySource = {
    format: 'geojson',
    layers,
    layer,
    get crs() {
      return crs;
    },
    warnings: [],
    undecodableFields: [],
    features: () => {
      stream = createReadStream(file);
      return readFeatures(file, stream, (found) => {
        crs = found;
      });
    },
    progress: () => ({ done: stream?.bytesRead ?? 0, total: totalBytes, unit: 'bytes' }),
    close: async () => {
      stream?.destroy();
    },
  };
  return source;
}

async function* readFeatures(
  file: string,
  input: NodeJS.ReadableStream,
  onCrs: (crs: SourceCrs) => void,
): AsyncGenerator<SourceFeature> {
  const tokens = input.pipe(parser.asStream({ streamValues: false })) as AsyncIterable<Token>;
  const top: Record<string, unknown> = {};
  let depth = 0;
  let topKey: string | undefined;
  let inFeatures = false;
  let sawFeatures = false;
  let member: Assembler | undefined;
  let index = 0;

  try {
    for await (const token of tokens) {
      if (depth === 0) {
        if (token.name !== 'startObject') {
          throw new SourceFormatError(`${file}: GeoJSON must be a JSON object, found ${token.name}.`);
        }
        depth = 1;
        continue;
      }

      // A value being assembled: a whole feature inside "features", or another top-level member.
      if (member) {
        member.consume(token as never);
        if (member.done) {
          if (inFeatures) {
            yield toSourceFeature(file, member.current, index);
            index += 1;
          } else if (topKey !== undefined) {
            top[topKey] = member.current;
          }
          member = undefined;
        }
        continue;
      }

      if (inFeatures) {
        if (token.name === 'endArray') {
          inFeatures = false;
          continue;
        }
        member = new Assembler();
        member.consume(token as never);
        continue;
      }

      if (token.name === 'keyValue') {
        topKey = String(token.value);
        continue;
      }
      if (token.name === 'endObject') {
        depth = 0;
        continue;
      }
      if (topKey === 'features' && token.name === 'startArray') {
        inFeatures = true;
        sawFeatures = true;
        continue;
      }
      member = new Assembler();
      member.consume(token as never);
      if (member.done) {
        if (topKey !== undefined) top[topKey] = member.current;
        member = undefined;
      }
    }
  } catch (error) {
    if (error instanceof SourceFormatError) throw error;
    throw new SourceFormatError(`${file}: not valid JSON (${(error as Error).message}).`);
  }

  const crs = readCrsMember(top.crs);
  if (crs) onCrs(crs);

  if (top.type === 'FeatureCollection') {
    if (!sawFeatures) {
      throw new SourceFormatError(`${file}: the FeatureCollection has no "features" array.`);
    }
    return;
  }
  if (top.type === 'Feature') {
    yield toSourceFeature(file, top, 0);
    return;
  }
  if (typeof top.type === 'string' && GEOMETRY_TYPES.has(top.type)) {
    yield { index: 0, properties: {}, geometry: top as unknown as Geometry };
    return;
  }
  if (top.type === 'Topology') {
    throw new SourceFormatError(
      `${file} is TopoJSON, not GeoJSON; name it .topojson or let the importer detect it.`,
    );
  }
  throw new SourceFormatError(
    `${file}: expected a GeoJSON FeatureCollection, Feature or geometry, found type ${JSON.stringify(top.type)}.`,
  );
}

function toSourceFeature(file: string, value: unknown, index: number): SourceFeature {
  const feature = value as Partial<Feature> | null;
  if (!feature || typeof feature !== 'object' || feature.type !== 'Feature') {
    throw new SourceFormatError(`${file}: feature ${index} is not a GeoJSON Feature object.`);
  }
  const geometry = feature.geometry ?? null;
  if (geometry !== null && !GEOMETRY_TYPES.has((geometry as Geometry).type)) {
    throw new SourceFormatError(
      `${file}: feature ${index} has an unknown geometry type ${JSON.stringify((geometry as Geometry).type)}.`,
    );
  }
  return { index, properties: { ...(feature.properties ?? {}) }, geometry };
}

function readCrsMember(member: unknown): SourceCrs | null {
  if (member === undefined || member === null) return null;
  const crs = member as { type?: string; properties?: { name?: string; code?: number | string } };
  if (crs.type === 'name' && typeof crs.properties?.name === 'string') {
    // An unrecognised name comes back without srid, and the importer then asks for --srid.
    const srid = sridFromCrsName(crs.properties.name);
    return { srid, name: crs.properties.name, origin: 'GeoJSON crs member' };
  }
  if (crs.type?.toUpperCase() === 'EPSG' && crs.properties?.code !== undefined) {
    return {
      srid: Number(crs.properties.code),
      name: `EPSG:${crs.properties.code}`,
      origin: 'GeoJSON crs member',
    };
  }
  return { name: JSON.stringify(member), origin: 'GeoJSON crs member' };
}
