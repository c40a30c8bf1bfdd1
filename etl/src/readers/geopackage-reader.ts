import Database from 'better-sqlite3';
import type { Geometry } from 'geojson';
import wkx from 'wkx';
import { crsFromWkt } from './crs-names.js';
import {
  type BoundarySource,
  chooseLayer,
  type LayerInfo,
  type ReaderOptions,
  type SourceCrs,
  type SourceFeature,
  SourceFormatError,
} from './source.js';

interface GeometryColumn {
  table_name: string;
  column_name: string;
  geometry_type_name: string;
  srs_id: number;
}

/**
 * Opens a GeoPackage (an SQLite database, read-only). Every table listed in gpkg_contents as
 * `features` is a layer; its CRS comes from gpkg_spatial_ref_sys. Rows are read one at a time.
 */
export async function openGeoPackage(file: string, options: ReaderOptions): Promise<BoundarySource> {
  let database: Database.Database;
  try {
    database = new Database(file, { readonly: true, fileMustExist: true });
    database.prepare('SELECT 1 FROM gpkg_contents LIMIT 1').all();
  } catch (error) {
    throw new SourceFormatError(`${file} is not a readable GeoPackage (${(error as Error).message}).`);
  }

  try {
    const columns = database
      .prepare(
        `SELECT g.table_name, g.column_name, g.geometry_type_name, g.srs_id
         FROM gpkg_geometry_columns g
         JOIN gpkg_contents c ON c.table_name = g.table_name
         WHERE c.data_type = 'features'
         ORDER BY g.table_name`,
      )
      .all() as GeometryColumn[];
    const layers: LayerInfo[] = columns.map((column) => ({
      name: column.table_name,
      featureCount: (
        database.prepare(`SELECT count(*) AS n FROM ${quote(column.table_name)}`).get() as { n: number }
      ).n,
      geometryType: column.geometry_type_name,
    }));
    const layer = chooseLayer(file, layers, options.layer);
    const column = columns.find((candidate) => candidate.table_name === layer.name) as GeometryColumn;
    const crs = readCrs(database, column.srs_id);
    const total = layer.featureCount ?? 0;
    let done = 0;

    return {
      format: 'geopackage',
      layers,
      layer,
      crs,
      warnings: [],
      undecodableFields: [],
      features: async function* (): AsyncGenerator<SourceFeature> {
        const rows = database.prepare(`SELECT * FROM ${quote(layer.name)}`).iterate() as Iterable<
          Record<string, unknown>
        >;
        let index = 0;
        for (const row of rows) {
          const { [column.column_name]: blob, ...properties } = row;
          let geometry: Geometry | null = null;
          let geometryError: string | undefined;
          try {
            geometry = blob == null ? null : parseGeoPackageGeometry(blob as Buffer);
          } catch (error) {
            geometryError = `unreadable GeoPackage geometry (${(error as Error).message})`;
          }
          done = index + 1;
          yield { index, properties, geometry, geometryError };
          index += 1;
        }
      },
      progress: () => ({ done, total, unit: 'features' }),
      close: async () => {
        database.close();
      },
    };
  } catch (error) {
    database.close();
    throw error;
  }
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

function readCrs(database: Database.Database, srsId: number): SourceCrs | null {
  const row = database
    .prepare(
      `SELECT srs_name, organization, organization_coordsys_id, definition
       FROM gpkg_spatial_ref_sys WHERE srs_id = ?`,
    )
    .get(srsId) as
    | { srs_name: string; organization: string; organization_coordsys_id: number; definition: string }
    | undefined;
  // srs_id 0 and -1 are the GeoPackage "undefined geographic" and "undefined Cartesian" systems.
  if (!row || srsId === 0 || srsId === -1) return null;
  if (row.organization?.toUpperCase() === 'EPSG') {
    return { srid: row.organization_coordsys_id, name: row.srs_name, origin: 'gpkg_spatial_ref_sys' };
  }
  if (row.definition && row.definition.toLowerCase() !== 'undefined') {
    return { ...crsFromWkt(row.definition, 'gpkg_spatial_ref_sys'), name: row.srs_name };
  }
  return null;
}

/**
 * Parses a GeoPackage geometry blob: the "GP" header (version, flags, srs_id, optional envelope)
 * followed by ISO WKB. An empty geometry (header flag bit 4) comes back as an empty GeoJSON polygon.
 */
export function parseGeoPackageGeometry(blob: Buffer): Geometry {
  if (blob.length < 8 || blob[0] !== 0x47 || blob[1] !== 0x50) {
    throw new Error('the blob does not start with the GeoPackage magic "GP"');
  }
  const flags = blob[3] ?? 0;
  if (flags & 0b0010_0000) throw new Error('extended GeoPackage geometry types are not supported');
  const envelopeCode = (flags >> 1) & 0b111;
  const envelopeBytes = [0, 32, 48, 48, 64][envelopeCode];
  if (envelopeBytes === undefined)
    throw new Error(`invalid envelope code ${envelopeCode} in the blob header`);
  if (flags & 0b0001_0000) return { type: 'Polygon', coordinates: [] };
  const wkb = blob.subarray(8 + envelopeBytes);
  return wkx.Geometry.parse(wkb).toGeoJSON() as Geometry;
}
