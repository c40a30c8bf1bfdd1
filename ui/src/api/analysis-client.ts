// Calls of the analysts' map: counts per jurisdiction, the hotspot grid and the kernel density.
// Vector tiles are fetched by MapLibre itself from tileUrlTemplate.
import { request } from './client';

export type MethodText = { en: string; ur: string };

export type JurisdictionLevel = 'district' | 'region' | 'province';

export type JurisdictionCounts = {
  level: JurisdictionLevel;
  total: number;
  outside: number;
  counts: { code: string; count: number }[];
};

export type HotspotCell = {
  i: number;
  j: number;
  count: number;
  geometry: string;
  z: number;
  p: number;
  confidence: 0 | 90 | 95 | 99;
  class: 'hot' | 'cold' | 'none';
};

export type HotspotGrid = { cellSize: number; cells: HotspotCell[]; method: MethodText };

export type DensitySurface = {
  bandwidth: number;
  cellSize: number;
  cells: { lon: number; lat: number; density: number }[];
  method: MethodText;
};

export function fetchJurisdictionCounts(
  level: JurisdictionLevel,
  filterQuery: string,
): Promise<JurisdictionCounts> {
  return request<JurisdictionCounts>(`/api/analysis/counts?level=${level}&${filterQuery}`);
}

export function fetchHotspots(filterQuery: string): Promise<HotspotGrid> {
  return request<HotspotGrid>(`/api/analysis/hotspots?${filterQuery}`);
}

export function fetchDensity(filterQuery: string): Promise<DensitySurface> {
  return request<DensitySurface>(`/api/analysis/density?${filterQuery}`);
}

export function fetchJurisdictions(level: JurisdictionLevel) {
  return request<import('./types').DistrictCollection>(`/api/jurisdictions?level=${level}`);
}

/** The vector tile URL template for MapLibre; braces must stay unencoded. */
export function tileUrlTemplate(origin: string, filterQuery: string): string {
  return `${origin}/api/analysis/tiles/{z}/{x}/{y}.mvt?${filterQuery}`;
}

/** The statistics the page can compute on request, by their route under /api/analysis. */
export type StatisticName = 'trends' | 'knox' | 'clusters' | 'rates' | 'recovery' | 'compliance';

export type StatisticResult = { method: MethodText } & Record<string, unknown>;

export function fetchStatistic(name: StatisticName, filterQuery: string): Promise<StatisticResult> {
  return request<StatisticResult>(`/api/analysis/${name}?${filterQuery}`);
}
