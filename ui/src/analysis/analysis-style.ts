// The map style of the analysts' map: jurisdiction boundaries with a choropleth of counts, the
// kernel density as a heatmap, the Gi* hotspot grid and the incidents as vector tiles from PostGIS.
import type {
  ExpressionSpecification,
  LayerSpecification,
  StyleSpecification,
  VectorSourceSpecification,
} from 'maplibre-gl';

export const SOURCE = {
  jurisdictions: 'analysis-jurisdictions',
  density: 'analysis-density',
  hotspots: 'analysis-hotspots',
  incidents: 'analysis-incidents',
} as const;

export const ANALYSIS_LAYER = {
  background: 'analysis-background',
  choropleth: 'analysis-choropleth',
  boundaries: 'analysis-boundaries',
  heatmap: 'analysis-heatmap',
  hotspots: 'analysis-hotspots',
  clusters: 'analysis-clusters',
  clusterCounts: 'analysis-cluster-counts',
} as const;

/** The source-layer name that the tile endpoint writes. */
export const TILE_LAYER = 'incidents';

/** Gi* classes, coloured as hotspot maps usually are: reds hot, blues cold, darker for more confidence. */
export const HOTSPOT_COLORS: Record<string, string> = {
  'hot-99': '#b2182b',
  'hot-95': '#ef8a62',
  'hot-90': '#fddbc7',
  'cold-90': '#d1e5f0',
  'cold-95': '#67a9cf',
  'cold-99': '#2166ac',
};

const emptyCollection = { type: 'FeatureCollection' as const, features: [] };

/** Fill colour of the choropleth for counts from 0 to `maximum`. */
export function choroplethColor(maximum: number): ExpressionSpecification {
  return [
    'interpolate',
    ['linear'],
    ['coalesce', ['get', 'count'], 0],
    0,
    '#f7f4f9',
    Math.max(1, maximum),
    '#67001f',
  ];
}

export function incidentSource(tiles: string): VectorSourceSpecification {
  return { type: 'vector', tiles: [tiles], minzoom: 0, maxzoom: 16 };
}

/** Returns the layers drawn from the incident tiles: circles sized by count, with the count on clusters. */
export function incidentLayers(): LayerSpecification[] {
  return [
    {
      id: ANALYSIS_LAYER.clusters,
      type: 'circle',
      source: SOURCE.incidents,
      'source-layer': TILE_LAYER,
      paint: {
        'circle-color': '#1d4ed8',
        'circle-opacity': 0.75,
        'circle-radius': ['interpolate', ['linear'], ['sqrt', ['get', 'count']], 1, 5, 30, 28],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1,
      },
    },
    {
      id: ANALYSIS_LAYER.clusterCounts,
      type: 'symbol',
      source: SOURCE.incidents,
      'source-layer': TILE_LAYER,
      filter: ['>', ['get', 'count'], 1],
      layout: {
        'text-field': ['to-string', ['get', 'count']],
        'text-font': ['Noto Sans Regular'],
        'text-size': 11,
      },
      paint: { 'text-color': '#ffffff' },
    },
  ];
}

export function buildAnalysisStyle(options: { origin: string; tiles: string }): StyleSpecification {
  const layers: LayerSpecification[] = [
    { id: ANALYSIS_LAYER.background, type: 'background', paint: { 'background-color': '#d9e3ea' } },
    {
      id: ANALYSIS_LAYER.choropleth,
      type: 'fill',
      source: SOURCE.jurisdictions,
      paint: { 'fill-color': choroplethColor(1), 'fill-opacity': 0.85 },
    },
    {
      id: ANALYSIS_LAYER.heatmap,
      type: 'heatmap',
      source: SOURCE.density,
      layout: { visibility: 'none' },
      paint: {
        'heatmap-weight': ['get', 'weight'],
        'heatmap-radius': ['interpolate', ['exponential', 2], ['zoom'], 4, 6, 10, 120],
        'heatmap-opacity': 0.8,
      },
    },
    {
      id: ANALYSIS_LAYER.hotspots,
      type: 'fill',
      source: SOURCE.hotspots,
      layout: { visibility: 'none' },
      paint: {
        'fill-color': ['coalesce', ['get', ['get', 'key'], ['literal', HOTSPOT_COLORS]], 'rgba(0,0,0,0)'],
        'fill-opacity': 0.75,
        'fill-outline-color': 'rgba(80,80,80,0.25)',
      },
    },
    {
      id: ANALYSIS_LAYER.boundaries,
      type: 'line',
      source: SOURCE.jurisdictions,
      paint: { 'line-color': '#52606d', 'line-width': 0.8 },
    },
    ...incidentLayers(),
  ];

  return {
    version: 8,
    glyphs: `${options.origin}/glyphs/{fontstack}/{range}.pbf`,
    sources: {
      [SOURCE.jurisdictions]: { type: 'geojson', data: emptyCollection },
      [SOURCE.density]: { type: 'geojson', data: emptyCollection },
      [SOURCE.hotspots]: { type: 'geojson', data: emptyCollection },
      [SOURCE.incidents]: incidentSource(options.tiles),
    },
    layers,
  };
}
