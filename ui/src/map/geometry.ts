// Geometry helpers for the dashboard map.
import { bbox } from '@turf/turf';
import type { Feature, FeatureCollection, MultiPolygon, Point, Polygon } from 'geojson';
import type { QueueItem } from '../state/dashboard.svelte';

export type Bounds = [[number, number], [number, number]];

// Returns the [[west, south], [east, north]] box around a polygon or multipolygon.
export function polygonBounds(geometry: Polygon | MultiPolygon): Bounds {
  const [west, south, east, north] = bbox(geometry);
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
