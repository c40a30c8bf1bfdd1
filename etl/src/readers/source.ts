import type { Geometry } from 'geojson';

/** One feature of a source layer, in the file's own coordinate system. */
export interface SourceFeature {
  /** 0-based position in the layer; the report names features by it. */
  index: number;
  properties: Record<string, unknown>;
  /** GeoJSON geometry, possibly 3D; null when the file stores no geometry for this feature. */
  geometry: Geometry | null;
  /** Why the geometry could not be read (it is then null); the importer lists the feature as rejected. */
  geometryError?: string;
}

/** The coordinate reference system a file declares. */
export interface SourceCrs {
  /** EPSG code, when the file names one. */
  srid?: number;
  /** WKT or PROJ text, for a CRS that the file describes without an EPSG code (e.g. an ESRI .prj). */
  definition?: string;
  /** Human-readable name, e.g. "WGS_1984_UTM_Zone_42N". */
  name?: string;
  /** Where the CRS was read from, e.g. ".prj file" or "GeoJSON crs member". */
  origin: string;
}

export interface LayerInfo {
  name: string;
  featureCount?: number;
  /** Geometry type declared for the layer, when the format declares one. */
  geometryType?: string;
}

export type SourceFormat = 'geojson' | 'shapefile' | 'kml' | 'topojson' | 'geopackage' | 'csv';

/** An opened layer of a boundary file. Call close() when done, also after an error. */
export interface BoundarySource {
  format: SourceFormat;
  /** Every layer in the file. */
  layers: LayerInfo[];
  /** The layer that features() reads. */
  layer: LayerInfo;
  /**
   * The declared CRS, or null when the file declares none. A streamed GeoJSON file may declare its
   * `crs` member after the features, so read this after features() has finished.
   */
  crs: SourceCrs | null;
  /** Notes about how the file was read, e.g. which text encoding was chosen and why. */
  warnings: string[];
  /** Attribute names whose text could not be decoded with confidence (non-UTF-8 text of unknown encoding). */
  undecodableFields: string[];
  features(): AsyncIterable<SourceFeature>;
  /** Progress of features(): bytes read so far, or features read when the total is a feature count. */
  progress(): { done: number; total: number; unit: 'bytes' | 'features' };
  close(): Promise<void>;
}

export interface ReaderOptions {
  /** Layer to read from a file with several. */
  layer?: string;
  /** Text encoding of attribute data, e.g. "windows-1256"; overrides what the file declares. */
  encoding?: string;
}

/** Raised when a file has several layers and the caller did not choose one. */
export class LayerChoiceError extends Error {
  constructor(
    readonly file: string,
    readonly layers: LayerInfo[],
  ) {
    const names = layers
      .map(
        (layer) =>
          `"${layer.name}"${layer.featureCount === undefined ? '' : ` (${layer.featureCount} feature${layer.featureCount === 1 ? '' : 's'})`}`,
      )
      .join(', ');
    super(`${file} has ${layers.length} layers: ${names}. Choose one with --layer NAME.`);
    this.name = 'LayerChoiceError';
  }
}

/** Raised when a file cannot be read as a boundary file; the message names the problem and the fix. */
export class SourceFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceFormatError';
  }
}

/** Picks the requested layer, the only layer, or throws LayerChoiceError listing them. */
export function chooseLayer(file: string, layers: LayerInfo[], requested: string | undefined): LayerInfo {
  if (requested !== undefined) {
    const layer = layers.find((candidate) => candidate.name === requested);
    if (!layer) {
      const names = layers.map((candidate) => `"${candidate.name}"`).join(', ');
      throw new SourceFormatError(`${file} has no layer "${requested}"; its layers are ${names}.`);
    }
    return layer;
  }
  if (layers.length === 0) throw new SourceFormatError(`${file} contains no feature layer.`);
  if (layers.length > 1) throw new LayerChoiceError(file, layers);
  return layers[0] as LayerInfo;
}
