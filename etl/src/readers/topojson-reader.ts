import type { Geometry } from 'geojson';
import { feature } from 'topojson-client';
import type { GeometryObject, Topology, Transform } from 'topojson-specification';
import { type JsonPath, scanJsonValues } from './json-value-scanner.js';
import {
  type BoundarySource,
  chooseLayer,
  type LayerInfo,
  type ReaderOptions,
  type SourceFeature,
  SourceFormatError,
} from './source.js';

/**
 * Opens a TopoJSON topology; every object in `objects` is a layer. Quantised and unquantised
 * topologies both work (topojson-client applies the transform). TopoJSON declares no CRS.
 *
 * The file is scanned twice, never parsed whole. The first pass keeps the arcs and the transform,
 * which every feature may share, and counts each layer's geometries. The second pass parses one
 * geometry of the chosen layer at a time, so memory is bounded by the arcs and the largest
 * geometry: the objects and their properties are never all in memory at once.
 */
export async function openTopoJson(file: string, options: ReaderOptions): Promise<BoundarySource> {
  const scanned = await scanTopology(file);
  const layer = chooseLayer(file, scanned.layers, options.layer);
  const topology: Topology = {
    type: 'Topology',
    arcs: scanned.arcs,
    objects: {},
    ...(scanned.transform ? { transform: scanned.transform } : {}),
  };
  const total = layer.featureCount ?? 0;
  let done = 0;

  return {
    format: 'topojson',
    layers: scanned.layers,
    layer,
    crs: null,
    warnings: [],
    undecodableFields: [],
    features: async function* (): AsyncGenerator<SourceFeature> {
      let index = 0;
      const isCollection = scanned.collections.has(layer.name);
      for await (const member of layerGeometries(file, layer.name, isCollection)) {
        const converted = feature(topology, member) as { geometry?: Geometry | null };
        done = index + 1;
        yield {
          index,
          properties: { ...((member.properties as Record<string, unknown> | undefined) ?? {}) },
          geometry: (converted.geometry as Geometry | null) ?? null,
        };
        index += 1;
      }
    },
    progress: () => ({ done, total, unit: 'features' }),
    close: async () => {},
  };
}

/** Reads the arcs, the transform and the list of layers with their feature counts. */
async function scanTopology(file: string): Promise<{
  arcs: Topology['arcs'];
  transform: Transform | undefined;
  layers: LayerInfo[];
  /** Names of the layers that are GeometryCollections, whose members are the features. */
  collections: Set<string>;
}> {
  let type: unknown;
  let arcs: unknown;
  let transform: Transform | undefined;
  const layers = new Map<string, LayerInfo>();
  const collections = new Set<string>();

  // Registers layers and counts their geometries as the scanner passes them; keeps the rest.
  const wanted = (path: JsonPath): boolean => {
    if (path.length === 1) return path[0] === 'type' || path[0] === 'arcs' || path[0] === 'transform';
    if (path[0] !== 'objects') return false;
    const name = String(path[1]);
    if (path.length === 2) layers.set(name, { name, featureCount: 1 });
    const layer = layers.get(name);
    if (path.length === 3 && path[2] === 'type') return true;
    if (path.length === 3 && path[2] === 'geometries' && layer) layer.featureCount = 0;
    if (path.length === 4 && path[2] === 'geometries' && layer) layer.featureCount = (path[3] as number) + 1;
    return false;
  };

  try {
    for await (const { path, value } of scanJsonValues(file, wanted, { maxPathLength: 4 })) {
      if (path.length === 1 && path[0] === 'type') type = value;
      else if (path.length === 1 && path[0] === 'arcs') arcs = value;
      else if (path.length === 1 && path[0] === 'transform') transform = value as Transform;
      else if (path.length === 3) {
        const layer = layers.get(String(path[1]));
        // A GeometryCollection's members are the features; its own type is not a geometry type.
        if (value === 'GeometryCollection') collections.add(String(path[1]));
        else if (layer && typeof value === 'string') layer.geometryType = value;
      }
    }
  } catch (error) {
    throw new SourceFormatError(`${file}: not valid JSON (${(error as Error).message}).`);
  }

  if (type !== 'Topology' || !Array.isArray(arcs)) {
    throw new SourceFormatError(
      `${file} is not a TopoJSON Topology (needs "type": "Topology", objects and arcs).`,
    );
  }
  return { arcs: arcs as Topology['arcs'], transform, layers: [...layers.values()], collections };
}

/**
 * Yields the features of one layer in file order: each member of a GeometryCollection parsed on
 * its own, or the layer object itself when it is a single geometry.
 */
async function* layerGeometries(
  file: string,
  layerName: string,
  isCollection: boolean,
): AsyncGenerator<GeometryObject> {
  const wanted = (path: JsonPath): boolean =>
    path[0] === 'objects' &&
    path[1] === layerName &&
    (isCollection ? path.length === 4 && path[2] === 'geometries' : path.length === 2);
  try {
    for await (const { value } of scanJsonValues(file, wanted, { maxPathLength: 4 })) {
      yield value as GeometryObject;
    }
  } catch (error) {
    throw new SourceFormatError(`${file}: not valid JSON (${(error as Error).message}).`);
  }
}
