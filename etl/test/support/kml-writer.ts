import { writeFileSync } from 'node:fs';
import type { Position } from 'geojson';

/** A KML folder with its placemarks and subfolders. */
export interface TestKmlFolder {
  name: string;
  folders?: TestKmlFolder[];
  placemarks?: TestKmlPlacemark[];
}

/** A placemark whose geometry is one or more polygons, each as GeoJSON rings (outer ring first). */
export interface TestKmlPlacemark {
  name: string;
  /** Written as <ExtendedData><Data name="…"><value>…</value></Data>. */
  data: Record<string, string>;
  polygons: Position[][][];
}

/**
 * Writes a KML 2.2 document of nested folders. A placemark with one polygon gets a <Polygon>, and
 * one with several gets a <MultiGeometry> of them. Coordinates are written as "lon,lat" with the
 * shortest text that reads back to the same double.
 */
export function writeTestKml(file: string, name: string, folders: TestKmlFolder[]): string {
  const body = folders.map((folder) => folderXml(folder)).join('');
  const document =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>${escapeXml(name)}</name>\n${body}</Document></kml>\n`;
  writeFileSync(file, document, 'utf8');
  return file;
}

function folderXml(folder: TestKmlFolder): string {
  const children = [
    ...(folder.folders ?? []).map((child) => folderXml(child)),
    ...(folder.placemarks ?? []).map((placemark) => placemarkXml(placemark)),
  ];
  return `<Folder><name>${escapeXml(folder.name)}</name>\n${children.join('')}</Folder>\n`;
}

function placemarkXml(placemark: TestKmlPlacemark): string {
  const data = Object.entries(placemark.data)
    .map(([key, value]) => `<Data name="${escapeXml(key)}"><value>${escapeXml(value)}</value></Data>`)
    .join('');
  const polygons = placemark.polygons.map((rings) => polygonXml(rings));
  const geometry =
    polygons.length === 1 ? polygons[0] : `<MultiGeometry>${polygons.join('')}</MultiGeometry>`;
  return (
    `<Placemark><name>${escapeXml(placemark.name)}</name>` +
    `<ExtendedData>${data}</ExtendedData>${geometry}</Placemark>\n`
  );
}

function polygonXml(rings: Position[][]): string {
  const ring = (positions: Position[]) =>
    `<LinearRing><coordinates>${positions.map(([lon, lat]) => `${lon},${lat}`).join(' ')}</coordinates></LinearRing>`;
  const [outer, ...holes] = rings;
  return (
    `<Polygon><outerBoundaryIs>${ring(outer ?? [])}</outerBoundaryIs>` +
    holes.map((hole) => `<innerBoundaryIs>${ring(hole)}</innerBoundaryIs>`).join('') +
    '</Polygon>'
  );
}

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}
