// Geometry helpers for the dashboard map.
import type { Feature, FeatureCollection, MultiPolygon, Point, Polygon, Position } from 'geojson';
import type { QueueItem } from '../state/dashboard.svelte';

export type Bounds = [[number, number], [number, number]];

// Returns the [[west, south], [east, north]] box around a polygon or multipolygon.
export function polygonBounds(geometry: Polygon | MultiPolygon): Bounds {
  const rings: Position[][] =
    geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat();
  let west = Number.POSITIVE_INFINITY;
  let south = Number.POSITIVE_INFINITY;
  let east = Number.NEGATIVE_INFINITY;
  let north = Number.NEGATIVE_INFINITY;

  for (const ring of rings) {
    for (const [lon = 0, lat = 0] of ring) {
      west = Math.min(west, lon);
      east = Math.max(east, lon);
      south = Math.min(south, lat);
      north = Math.max(north, lat);
    }
  }
  return [
    [west, south],
    [east, north],
  ];
}

export type CasePointProperties = { caseId: string; kind: 'alert' | 'unassigned'; trackingCode: string };

// One point per case: a case alerted to both the DPO and the RPO is still one place on the map.
export function casePoints(items: QueueItem[]): FeatureCollection<Point, CasePointProperties> {
  const seen = new Set<string>();
  const features: Feature<Point, CasePointProperties>[] = [];

  for (const item of items) {
    if (seen.has(item.case.id)) continue;
    seen.add(item.case.id);
    features.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [item.case.lastSeen.lon, item.case.lastSeen.lat] },
      properties: {
        caseId: item.case.id,
        kind: item.alert ? 'alert' : 'unassigned',
        trackingCode: item.case.trackingCode,
      },
    });
  }
  return { type: 'FeatureCollection', features };
}
