// The portal's map, loaded only when a page shows one (the register map, the place picker), so
// maplibre-gl stays out of the portal's first load. It reuses the dashboard's style: district
// polygons and names in the page language, and the configured basemap when there is one.
import type { FeatureCollection, Polygon } from 'geojson';
import * as maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { fetchDistricts, fetchPublicConfig } from '../api/client';
import type { DistrictCollection } from '../api/types';
import type { Language } from '../i18n/locale.svelte';
import { districtLabelPoints } from '../map/label-points';
import { buildMapStyle, DISTRICT_SOURCE, LABEL_SOURCE } from '../map/style';

export { maplibregl };

// Pakistan, west-south to east-north.
const PAKISTAN_BOUNDS: [[number, number], [number, number]] = [
  [60.8, 23.6],
  [77.9, 37.1],
];

maplibregl.setWorkerUrl(workerUrl);

/**
 * Creates the map in `container` and fills the district layers once the style has loaded. Also
 * returns the request for the district boundaries, for callers that need them as data.
 */
export async function createPortalMap(
  container: HTMLElement,
  language: Language,
): Promise<{ map: maplibregl.Map; districts: Promise<DistrictCollection> }> {
  const config = await fetchPublicConfig().catch(() => ({ basemapTileUrl: null }));
  const map = new maplibregl.Map({
    container,
    style: buildMapStyle({ origin: window.location.origin, basemapTileUrl: config.basemapTileUrl, language }),
    bounds: PAKISTAN_BOUNDS,
    fitBoundsOptions: { padding: 10 },
    attributionControl: { compact: true, customAttribution: '© OpenStreetMap contributors' },
    dragRotate: false,
    pitchWithRotate: false,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.touchZoomRotate.disableRotation();
  const districts = fetchDistricts();
  map.on('load', () => {
    districts
      .then((collection) => {
        (map.getSource(DISTRICT_SOURCE) as maplibregl.GeoJSONSource | undefined)?.setData(collection);
        (map.getSource(LABEL_SOURCE) as maplibregl.GeoJSONSource | undefined)?.setData(
          districtLabelPoints(collection),
        );
      })
      .catch((error: unknown) => console.error('District boundaries could not be loaded', error));
  });
  return { map, districts };
}

/** Builds one square polygon per last-seen cell, [west, south, east, north]. */
export function cellPolygons(
  cells: { publicId: string; name: string; bounds: [number, number, number, number] }[],
): FeatureCollection<Polygon, { publicId: string; name: string }> {
  return {
    type: 'FeatureCollection',
    features: cells.map(({ publicId, name, bounds: [west, south, east, north] }) => ({
      type: 'Feature',
      properties: { publicId, name },
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [west, south],
            [east, south],
            [east, north],
            [west, north],
            [west, south],
          ],
        ],
      },
    })),
  };
}
