import type { Geometry, Position } from 'geojson';

/**
 * Parses the text of a KML <coordinates> element: tuples "lon,lat[,alt]" separated by whitespace.
 * Whitespace around the commas is allowed and the altitude is dropped, so positions are 2D.
 * Returns the positions, or an error naming the first tuple that is not two or three numbers.
 */
export function parseKmlCoordinates(text: string): { positions: Position[]; error?: string } {
  const positions: Position[] = [];
  const tuples = text
    .replace(/\s*,\s*/g, ',')
    .trim()
    .split(/\s+/);
  for (const tuple of tuples) {
    if (tuple === '') continue;
    const parts = tuple.split(',');
    const [lon, lat, altitude] = parts;
    const valid =
      (parts.length === 2 || parts.length === 3) &&
      isNumber(lon) &&
      isNumber(lat) &&
      (altitude === undefined || altitude === '' || isNumber(altitude));
    if (!valid) {
      const shown = tuple.length > 60 ? `${tuple.slice(0, 60)}…` : tuple;
      return {
        positions,
        error: `invalid KML coordinate tuple "${shown}" (expected lon,lat or lon,lat,alt)`,
      };
    }
    positions.push([Number(lon), Number(lat)]);
  }
  return { positions };
}

function isNumber(text: string | undefined): boolean {
  return text !== undefined && text !== '' && Number.isFinite(Number(text));
}

/** Builds the geometry of one placemark from the <Polygon>, <LineString>, … elements inside it. */
export class KmlGeometryBuilder {
  /** Finished geometries, MultiGeometry members flattened into this list. */
  readonly geometries: Geometry[] = [];
  /** Whether the placemark contains any geometry element, even an empty one. */
  sawGeometry = false;
  /** Rings whose last position differed from the first, closed here by repeating the first. */
  closedRings = 0;
  /** The first coordinate error; the placemark is then rejected with this reason. */
  error: string | undefined;
  /** Names of geometry elements this reader does not convert, e.g. "Model". */
  readonly unsupported = new Set<string>();

  private polygon: { outer: Position[][]; inner: Position[][] } | undefined;
  private boundary: 'outer' | 'inner' | undefined;

  openPolygon(): void {
    this.sawGeometry = true;
    this.polygon = { outer: [], inner: [] };
  }

  closePolygon(): void {
    if (!this.polygon) return;
    this.geometries.push({ type: 'Polygon', coordinates: [...this.polygon.outer, ...this.polygon.inner] });
    this.polygon = undefined;
  }

  openBoundary(which: 'outer' | 'inner'): void {
    this.boundary = which;
  }

  closeBoundary(): void {
    this.boundary = undefined;
  }

  /**
   * Adds the coordinates of a <Point>, <LineString> or <LinearRing>. A ring inside a polygon
   * boundary becomes one of its rings (the outer ones first); a ring outside a polygon is a line.
   */
  addCoordinates(element: 'Point' | 'LineString' | 'LinearRing', text: string): void {
    this.sawGeometry = true;
    const { positions, error } = parseKmlCoordinates(text);
    if (error) {
      this.error ??= error;
      return;
    }

    if (element === 'LinearRing' && this.polygon && this.boundary) {
      if (positions.length === 0) return;
      this.polygon[this.boundary].push(this.closeRing(positions));
      return;
    }
    if (element === 'Point') {
      this.geometries.push({ type: 'Point', coordinates: positions[0] ?? [] });
      return;
    }
    this.geometries.push({ type: 'LineString', coordinates: positions });
  }

  /** Notes a geometry element that has no coordinates element at all, e.g. <Polygon/>. */
  markGeometry(): void {
    this.sawGeometry = true;
  }

  /**
   * Returns the placemark's geometry: null when it has no geometry element, one geometry, or a
   * GeometryCollection of several (an empty one when every element was empty).
   */
  result(): Geometry | null {
    if (this.geometries.length === 1) return this.geometries[0] as Geometry;
    if (this.geometries.length > 1) return { type: 'GeometryCollection', geometries: this.geometries };
    return this.sawGeometry ? { type: 'GeometryCollection', geometries: [] } : null;
  }

  private closeRing(ring: Position[]): Position[] {
    const first = ring[0] as Position;
    const last = ring[ring.length - 1] as Position;
    if (first[0] === last[0] && first[1] === last[1]) return ring;
    this.closedRings += 1;
    return [...ring, first];
  }
}
