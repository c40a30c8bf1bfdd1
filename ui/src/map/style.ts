// The map style, built in code so the map needs nothing from outside the app. District polygons and
// case points come from the API and glyphs from /glyphs (rendered by scripts/build-glyphs.ts). A
// raster basemap is added only when the server configures one.
import type {
  ExpressionSpecification,
  FilterSpecification,
  LayerSpecification,
  StyleSpecification,
} from 'maplibre-gl';
import type { Language } from '../i18n/locale.svelte';
import { worldLand } from './land';

export const DISTRICT_SOURCE = 'districts';
export const LABEL_SOURCE = 'district-labels';
export const CASE_SOURCE = 'cases';
export const LAND_SOURCE = 'land';

export const LAYER = {
  background: 'background',
  land: 'land',
  basemap: 'basemap',
  districtFill: 'district-fill',
  districtOutline: 'district-outline',
  selectedDistrictFill: 'district-selected-fill',
  selectedDistrictOutline: 'district-selected-outline',
  districtLabels: 'district-labels',
  casePoints: 'case-points',
} as const;

// Font stacks with glyph files in ui/public/glyphs. The Arabic stack covers Urdu letters and the
// presentation forms MapLibre shapes Arabic script into.
const LATIN_FONT = 'Noto Sans Regular';
const ARABIC_FONT = 'Noto Naskh Arabic Regular';

const COLOR = {
  // Sea: everything that no land polygon covers.
  background: '#c9dcea',
  land: '#e4e0d5',
  districtFill: '#f6f4ee',
  districtOutline: '#7b8797',
  selectedFill: '#f4b942',
  selectedOutline: '#9a3412',
  label: '#1f2933',
  alertPoint: '#c81e1e',
  unassignedPoint: '#6d28d9',
} as const;

export function selectedDistrictFilter(code: string | null): FilterSpecification {
  return ['==', ['get', 'code'], code ?? ''];
}

export function labelTextField(language: Language): ExpressionSpecification {
  if (language === 'en') return ['get', 'name'];
  // Districts without a known Urdu name keep their English label rather than showing none.
  return [
    'case',
    ['>', ['length', ['coalesce', ['get', 'nameUr'], '']], 0],
    ['get', 'nameUr'],
    ['get', 'name'],
  ];
}

export function labelFont(language: Language): string[] {
  return language === 'ur' ? [ARABIC_FONT] : [LATIN_FONT];
}

export function buildMapStyle(options: {
  origin: string;
  basemapTileUrl: string | null;
  language: Language;
}): StyleSpecification {
  const emptyCollection = { type: 'FeatureCollection' as const, features: [] };

  const layers: LayerSpecification[] = [
    { id: LAYER.background, type: 'background', paint: { 'background-color': COLOR.background } },
  ];

  if (options.basemapTileUrl) {
    layers.push({ id: LAYER.basemap, type: 'raster', source: LAYER.basemap });
  } else {
    layers.push({ id: LAYER.land, type: 'fill', source: LAND_SOURCE, paint: { 'fill-color': COLOR.land } });
  }

  layers.push(
    {
      id: LAYER.districtFill,
      type: 'fill',
      source: DISTRICT_SOURCE,
      paint: {
        'fill-color': COLOR.districtFill,
        // A basemap underneath stays visible through the polygons.
        'fill-opacity': options.basemapTileUrl ? 0.35 : 1,
      },
    },
    {
      id: LAYER.selectedDistrictFill,
      type: 'fill',
      source: DISTRICT_SOURCE,
      filter: selectedDistrictFilter(null),
      paint: { 'fill-color': COLOR.selectedFill, 'fill-opacity': 0.45 },
    },
    {
      id: LAYER.districtOutline,
      type: 'line',
      source: DISTRICT_SOURCE,
      paint: {
        'line-color': COLOR.districtOutline,
        'line-width': ['interpolate', ['linear'], ['zoom'], 4, 0.6, 9, 1.4],
      },
    },
    {
      id: LAYER.selectedDistrictOutline,
      type: 'line',
      source: DISTRICT_SOURCE,
      filter: selectedDistrictFilter(null),
      paint: { 'line-color': COLOR.selectedOutline, 'line-width': 2.5 },
    },
    {
      id: LAYER.districtLabels,
      type: 'symbol',
      source: LABEL_SOURCE,
      layout: {
        'text-field': labelTextField(options.language),
        'text-font': labelFont(options.language),
        'text-size': ['interpolate', ['linear'], ['zoom'], 4, 11, 9, 15],
        'text-max-width': 8,
        'text-padding': 4,
      },
      paint: { 'text-color': COLOR.label, 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 },
    },
    {
      id: LAYER.casePoints,
      type: 'circle',
      source: CASE_SOURCE,
      paint: {
        'circle-color': ['match', ['get', 'kind'], 'unassigned', COLOR.unassignedPoint, COLOR.alertPoint],
        'circle-radius': ['case', ['boolean', ['feature-state', 'selected'], false], 11, 7],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': ['case', ['boolean', ['feature-state', 'selected'], false], 4, 2],
      },
    },
  );

  return {
    version: 8,
    // No braces may be percent-encoded here, so the URL is joined as text rather than built with URL.
    glyphs: `${options.origin}/glyphs/{fontstack}/{range}.pbf`,
    sources: {
      [DISTRICT_SOURCE]: { type: 'geojson', data: emptyCollection },
      [LABEL_SOURCE]: { type: 'geojson', data: emptyCollection },
      [CASE_SOURCE]: { type: 'geojson', data: emptyCollection, promoteId: 'caseId' },
      ...(options.basemapTileUrl
        ? { [LAYER.basemap]: { type: 'raster' as const, tiles: [options.basemapTileUrl], tileSize: 256 } }
        : { [LAND_SOURCE]: { type: 'geojson' as const, data: worldLand() } }),
    },
    layers,
  };
}
