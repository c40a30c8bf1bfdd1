// Land outside Pakistan, so that neighbouring countries do not look like sea on a map without a
// basemap. Natural Earth 1:110m land (public domain) from the world-atlas package: coarse, but it
// only frames the district polygons drawn on top.
import type { FeatureCollection, Geometry } from 'geojson';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import land110m from 'world-atlas/land-110m.json';

export function worldLand(): FeatureCollection<Geometry> {
  const topology = land110m as unknown as Topology<{ land: GeometryCollection }>;
  return feature(topology, topology.objects.land) as FeatureCollection<Geometry>;
}
