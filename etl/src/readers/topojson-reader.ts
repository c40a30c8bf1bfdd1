import { readFileSync } from 'node:fs';
import type { Geometry } from 'geojson';
import { feature } from 'topojson-client';
import type { GeometryObject, Topology } from 'topojson-specification';
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
 * topologies both work (topojson-client applies the transform). TopoJSON declares no CRS. The arcs
 * are shared between features, so the whole file is parsed at once.
 */
export async function openTopoJson(file: string, options: ReaderOptions): Promise<BoundarySource> {
  let topology: Topology;
  try {
    topology = JSON.parse(readFileSync(file, 'utf8')) as Topology;
  } catch (error) {
    throw new SourceFormatError(`${file}: not valid JSON (${(error as Error).message}).`);
  }
  if (
    topology?.type !== 'Topology' ||
    typeof topology.objects !== 'object' ||
    !Array.isArray(topology.arcs)
  ) {
    throw new SourceFormatError(
      `${file} is not a TopoJSON Topology (needs "type": "Topology", objects and arcs).`,
    );
  }

  const layers: LayerInfo[] = Object.entries(topology.objects).map(([name, object]) => ({
    name,
    featureCount: object.type === 'GeometryCollection' ? object.geometries.length : 1,
    geometryType: object.type === 'GeometryCollection' ? undefined : (object.type ?? undefined),
  }));
  const layer = chooseLayer(file, layers, options.layer);
  const object = topology.objects[layer.name] as GeometryObject;
  const total = layer.featureCount ?? 0;
  let done = 0;

  return {
    format: 'topojson',
    layers,
    layer,
    crs: null,
    warnings: [],
    undecodableFields: [],
    features: async function* (): AsyncGenerator<SourceFeature> {
      const members = object.type === 'GeometryCollection' ? object.geometries : [object];
      for (const [index, member] of members.entries()) {
        const converted = feature(topology, member) as { geometry?: Geometry | null };
        done = index + 1;
        yield {
          index,
          properties: { ...((member.properties as Record<string, unknown> | undefined) ?? {}) },
          geometry: (converted.geometry as Geometry | null) ?? null,
        };
      }
    },
    progress: () => ({ done, total, unit: 'features' }),
    close: async () => {},
  };
}
