import type { Geometry } from 'geojson';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { KmlGeometryBuilder } from './kml-geometry.js';

/** One placemark read from a KML document. */
export interface KmlPlacemark {
  /** The names of the folders around it, "Outer / Inner"; "" outside every folder. */
  folder: string;
  /** name, description, address, phoneNumber, then ExtendedData Data and SimpleData values. */
  properties: Record<string, unknown>;
  geometry: Geometry | null;
  /** The reason the geometry could not be read (it is then null). */
  geometryError?: string;
  /** Rings that were not closed and were closed by the reader. */
  closedRings: number;
}

/** Field types declared by <Schema><SimpleField name type>, by schema id or name. */
export type KmlSchemas = Map<string, Map<string, string>>;

/** Placemark children copied into the properties; other children are display hints. */
const TEXT_PROPERTIES = new Set(['name', 'description', 'address', 'phoneNumber']);
const GEOMETRY_PARENTS = new Set(['Placemark', 'MultiGeometry']);
const UNSUPPORTED_GEOMETRIES = new Set(['Model', 'Track', 'MultiTrack']);
const NUMBER_TYPES = new Set(['int', 'uint', 'short', 'ushort', 'float', 'double']);

interface OpenPlacemark {
  /** The element depth of the <Placemark> element. */
  depth: number;
  /** Whether the placemark is built; an unselected one is only counted. */
  selected: boolean;
  folder: string;
  properties: Record<string, unknown>;
  extended: Record<string, unknown>;
  simpleData: { schema: string; name: string; text: string }[];
  geometry: KmlGeometryBuilder;
  data?: { name: string; value?: string };
  schemaData?: string;
  simpleDataName?: string;
}

/**
 * A streaming KML parser: feed it text with write() and collect the finished placemarks with
 * take(). Memory is bounded by the largest placemark, not by the document. Folders nest, and each
 * placemark carries the path of folder names around it. Placemarks whose folder `select` rejects
 * are only counted, never built. Throws an Error for text that is not well-formed XML (naming the
 * line and column) and for a document whose root element is not <kml>.
 */
export class KmlPlacemarkParser {
  /** Placemarks per folder path, selected or not, in order of first appearance. */
  readonly folderCounts = new Map<string, number>();
  readonly schemas: KmlSchemas;
  /** <NetworkLink> elements seen; their linked documents are not read. */
  networkLinks = 0;

  private readonly sax = new SaxesParser<{ position: true; xmlns: false }>({ position: true, xmlns: false });
  private readonly select: (folder: string) => boolean;
  private readonly stack: string[] = [];
  private readonly folders: (string | undefined)[] = [];
  private readonly ready: KmlPlacemark[] = [];
  private placemark: OpenPlacemark | undefined;
  private sawRoot = false;
  private schema: Map<string, string> | undefined;
  private capture: { depth: number; parts: string[] } | undefined;

  constructor(options: { select: (folder: string) => boolean; schemas?: KmlSchemas }) {
    this.select = options.select;
    this.schemas = options.schemas ?? new Map();
    this.sax.on('opentag', (tag) => this.open(tag));
    this.sax.on('closetag', (tag) => this.close(localName(tag.name)));
    this.sax.on('text', (text) => this.capture?.parts.push(text));
    this.sax.on('cdata', (text) => this.capture?.parts.push(text));
  }

  write(text: string): void {
    this.sax.write(text);
  }

  /** Ends the document; throws when it has no root element or elements are still open. */
  end(): void {
    this.sax.close();
  }

  /** Returns the placemarks finished since the last call and clears that list. */
  take(): KmlPlacemark[] {
    return this.ready.splice(0, this.ready.length);
  }

  private open(tag: SaxesTagPlain): void {
    const name = localName(tag.name);
    const parent = this.stack[this.stack.length - 1];
    this.stack.push(name);
    if (!this.sawRoot) {
      this.sawRoot = true;
      if (name !== 'kml') throw new Error(`the root element is <${tag.name}>, not <kml>`);
    }

    if (this.placemark) {
      this.openInPlacemark(this.placemark, name, parent, tag.attributes);
      return;
    }
    switch (name) {
      case 'Folder':
        this.folders.push(undefined);
        return;
      case 'name':
        if (parent === 'Folder') this.startCapture();
        return;
      case 'Placemark':
        this.openPlacemark();
        return;
      case 'NetworkLink':
        this.networkLinks += 1;
        return;
      case 'Schema':
        this.openSchema(tag.attributes);
        return;
      case 'SimpleField':
        if (parent === 'Schema' && this.schema && tag.attributes.name !== undefined) {
          this.schema.set(tag.attributes.name, tag.attributes.type ?? 'string');
        }
        return;
    }
  }

  private close(name: string): void {
    const depth = this.stack.length;
    const text = this.capture && this.capture.depth === depth ? this.endCapture() : undefined;
    const parent = this.stack[depth - 2];
    this.stack.pop();

    const placemark = this.placemark;
    if (placemark) {
      if (depth === placemark.depth) this.closePlacemark(placemark);
      else this.closeInPlacemark(placemark, name, parent, text);
      return;
    }
    if (name === 'Folder') this.folders.pop();
    else if (name === 'name' && text !== undefined) this.folders[this.folders.length - 1] = text.trim();
    else if (name === 'Schema') this.schema = undefined;
  }

  private openPlacemark(): void {
    const folder = this.folders.map((name) => name || 'Folder').join(' / ');
    this.folderCounts.set(folder, (this.folderCounts.get(folder) ?? 0) + 1);
    this.placemark = {
      depth: this.stack.length,
      selected: this.select(folder),
      folder,
      properties: {},
      extended: {},
      simpleData: [],
      geometry: new KmlGeometryBuilder(),
    };
  }

  private openInPlacemark(
    placemark: OpenPlacemark,
    name: string,
    parent: string | undefined,
    attributes: Record<string, string>,
  ): void {
    if (!placemark.selected) return;
    const geometry = placemark.geometry;
    const underPlacemark = this.stack.length === placemark.depth + 1;

    if (underPlacemark && TEXT_PROPERTIES.has(name)) {
      this.startCapture();
    } else if (parent !== undefined && GEOMETRY_PARENTS.has(parent) && isGeometryOpen(name)) {
      if (name === 'Polygon') geometry.openPolygon();
      else if (UNSUPPORTED_GEOMETRIES.has(name)) geometry.unsupported.add(name);
      else geometry.markGeometry();
    } else if (parent === 'Polygon' && (name === 'outerBoundaryIs' || name === 'innerBoundaryIs')) {
      geometry.openBoundary(name === 'outerBoundaryIs' ? 'outer' : 'inner');
    } else if (parent === 'outerBoundaryIs' || parent === 'innerBoundaryIs') {
      if (name === 'LinearRing') geometry.markGeometry();
    } else if (
      name === 'coordinates' &&
      (parent === 'Point' || parent === 'LineString' || parent === 'LinearRing')
    ) {
      this.startCapture();
    } else if (name === 'Data' && parent === 'ExtendedData') {
      placemark.data = { name: attributes.name ?? '' };
    } else if (name === 'value' && parent === 'Data') {
      this.startCapture();
    } else if (name === 'SchemaData' && parent === 'ExtendedData') {
      placemark.schemaData = attributes.schemaUrl ?? '';
    } else if (name === 'SimpleData' && parent === 'SchemaData') {
      placemark.simpleDataName = attributes.name ?? '';
      this.startCapture();
    }
  }

  private closeInPlacemark(
    placemark: OpenPlacemark,
    name: string,
    parent: string | undefined,
    text: string | undefined,
  ): void {
    if (!placemark.selected) return;
    const geometry = placemark.geometry;
    const underPlacemark = this.stack.length === placemark.depth;

    if (underPlacemark && TEXT_PROPERTIES.has(name)) {
      placemark.properties[name] = text ?? '';
    } else if (name === 'coordinates' && text !== undefined) {
      geometry.addCoordinates(parent as 'Point' | 'LineString' | 'LinearRing', text);
    } else if (name === 'Polygon') {
      geometry.closePolygon();
    } else if (name === 'outerBoundaryIs' || name === 'innerBoundaryIs') {
      geometry.closeBoundary();
    } else if (name === 'value' && placemark.data && text !== undefined) {
      placemark.data.value = text;
    } else if (name === 'Data' && placemark.data) {
      placemark.extended[placemark.data.name] = placemark.data.value ?? '';
      placemark.data = undefined;
    } else if (name === 'SimpleData' && placemark.simpleDataName !== undefined) {
      placemark.simpleData.push({
        schema: placemark.schemaData ?? '',
        name: placemark.simpleDataName,
        text: text ?? '',
      });
      placemark.simpleDataName = undefined;
    }
  }

  private closePlacemark(placemark: OpenPlacemark): void {
    this.placemark = undefined;
    if (!placemark.selected) return;

    for (const { schema, name, text } of placemark.simpleData) {
      placemark.extended[name] = typedValue(text, this.fieldType(schema, name));
    }
    const geometry = placemark.geometry;
    let geometryError = geometry.error;
    if (!geometryError && geometry.geometries.length === 0 && geometry.unsupported.size > 0) {
      const names = [...geometry.unsupported].map((name) => `<${name}>`).join(', ');
      geometryError = `KML geometry ${names} is not read; only Polygon, MultiGeometry, LineString and Point are`;
    }
    this.ready.push({
      folder: placemark.folder,
      properties: { ...placemark.properties, ...placemark.extended },
      geometry: geometryError ? null : geometry.result(),
      ...(geometryError ? { geometryError } : {}),
      closedRings: geometry.closedRings,
    });
  }

  private openSchema(attributes: Record<string, string>): void {
    this.schema = new Map();
    for (const key of [attributes.id, attributes.name]) {
      if (key) this.schemas.set(key, this.schema);
    }
  }

  /** Returns the declared type of a SimpleData field: from the schema its SchemaData names, else from any schema. */
  private fieldType(schemaUrl: string, field: string): string | undefined {
    const reference = schemaUrl.slice(schemaUrl.lastIndexOf('#') + 1);
    const declared = this.schemas.get(reference)?.get(field);
    if (declared) return declared;
    for (const schema of this.schemas.values()) {
      const type = schema.get(field);
      if (type) return type;
    }
    return undefined;
  }

  private startCapture(): void {
    this.capture = { depth: this.stack.length, parts: [] };
  }

  private endCapture(): string {
    const text = (this.capture?.parts ?? []).join('');
    this.capture = undefined;
    return text;
  }
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

function isGeometryOpen(name: string): boolean {
  return (
    name === 'Polygon' ||
    name === 'MultiGeometry' ||
    name === 'Point' ||
    name === 'LineString' ||
    name === 'LinearRing' ||
    UNSUPPORTED_GEOMETRIES.has(name)
  );
}

/**
 * Converts a SimpleData text to its declared SimpleField type: numbers for the numeric types,
 * booleans for bool. Text that does not parse as its type, and blank text, stays text.
 */
function typedValue(text: string, type: string | undefined): unknown {
  if (type === undefined) return text;
  const trimmed = text.trim();
  if (NUMBER_TYPES.has(type)) {
    const number = Number(trimmed);
    return trimmed !== '' && Number.isFinite(number) ? number : text;
  }
  if (type === 'bool') {
    if (trimmed === 'true' || trimmed === '1') return true;
    if (trimmed === 'false' || trimmed === '0') return false;
  }
  return text;
}
