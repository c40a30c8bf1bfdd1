import type { ExportRow } from '../repositories/analysis-repository.js';
import type { HotspotGrid } from '../services/analysis-service.js';

/** Quotes a CSV field when it contains a delimiter, quote or line break (RFC 4180). */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = value instanceof Date ? value.toISOString() : String(value);
  // A leading =, +, - or @ would run as a formula in a spreadsheet; a quote prefix keeps it text.
  const safe = /^[=+\-@]/.test(text) && Number.isNaN(Number(text)) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function csv(header: string[], rows: unknown[][]): string {
  const lines = [header, ...rows].map((row) => row.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

const INCIDENT_COLUMNS = [
  'id',
  'type',
  'category',
  'occurred_at',
  'lat',
  'lon',
  'age_band',
  'sex',
  'district_code',
  'region_code',
  'province_code',
  'source',
];

/** Writes the incidents as CSV, with the column names the importer reads. */
export function incidentsCsv(rows: ExportRow[]): string {
  return csv(
    INCIDENT_COLUMNS,
    rows.map((row) => [
      row.id,
      row.type,
      row.category,
      row.occurredAt,
      row.lat,
      row.lon,
      row.ageBand,
      row.sex,
      row.districtCode,
      row.regionCode,
      row.provinceCode,
      row.source,
    ]),
  );
}

/** Writes the incidents as a GeoJSON FeatureCollection of Points. */
export function incidentsGeoJson(rows: ExportRow[]): string {
  return JSON.stringify({
    type: 'FeatureCollection',
    features: rows.map((row) => ({
      type: 'Feature',
      id: row.id,
      geometry: { type: 'Point', coordinates: [row.lon, row.lat] },
      properties: {
        type: row.type,
        category: row.category,
        occurred_at: row.occurredAt.toISOString(),
        age_band: row.ageBand,
        sex: row.sex,
        district_code: row.districtCode,
        region_code: row.regionCode,
        province_code: row.provinceCode,
        source: row.source,
      },
    })),
  });
}

/** Writes the hotspot grid as CSV, one row per cell with its grid index, count and Gi* result. */
export function hotspotsCsv(grid: HotspotGrid): string {
  return csv(
    ['i', 'j', 'count', 'z', 'p', 'confidence', 'class'],
    grid.cells.map((cell) => [cell.i, cell.j, cell.count, cell.z, cell.p, cell.confidence, cell.class]),
  );
}

/** Writes the hotspot grid as GeoJSON hexagons with the same properties as the CSV. */
export function hotspotsGeoJson(grid: HotspotGrid): string {
  return JSON.stringify({
    type: 'FeatureCollection',
    cellSize: grid.cellSize,
    method: grid.method.en,
    features: grid.cells.map((cell) => ({
      type: 'Feature',
      geometry: JSON.parse(cell.geometry),
      properties: {
        i: cell.i,
        j: cell.j,
        count: cell.count,
        z: cell.z,
        p: cell.p,
        confidence: cell.confidence,
        class: cell.class,
      },
    })),
  });
}
