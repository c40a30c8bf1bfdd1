import Database from 'better-sqlite3';
import type { Geometry } from 'geojson';
import wkx from 'wkx';

/** The coordinate system of a test GeoPackage layer, as gpkg_spatial_ref_sys records it. */
export interface TestGeoPackageSrs {
  /** EPSG code, used as the srs_id too. */
  srid: number;
  name: string;
  /** OGC WKT of the coordinate system. */
  definition: string;
}

export interface TestGeoPackageFeature {
  properties: Record<string, string>;
  geometry: Geometry;
}

/**
 * Writes a GeoPackage with one feature table: the three required metadata tables (the srs_id
 * -1 and 0 rows included), application_id "GPKG", user_version 10400 (GeoPackage 1.4), and each
 * geometry as a standard GeoPackage binary: the "GP" header with an [minx, maxx, miny, maxy]
 * envelope, then little-endian WKB. Attributes are TEXT columns named after the first feature's
 * properties, and the geometry column type is the features' one type (GEOMETRY when they mix).
 * No spatial index is written, since readers must not need one.
 */
export function writeTestGeoPackage(
  file: string,
  table: string,
  srs: TestGeoPackageSrs,
  features: TestGeoPackageFeature[],
): string {
  const columns = Object.keys(features[0]?.properties ?? {});
  const types = new Set(features.map((feature) => feature.geometry.type.toUpperCase()));
  const geometryType = types.size === 1 ? ([...types][0] as string) : 'GEOMETRY';
  const database = new Database(file);
  try {
    database.pragma('application_id = 1196444487');
    database.pragma('user_version = 10400');
    database.exec(`
      CREATE TABLE gpkg_spatial_ref_sys (
        srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
        organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
      CREATE TABLE gpkg_contents (
        table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
        description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
        srs_id INTEGER REFERENCES gpkg_spatial_ref_sys(srs_id));
      CREATE TABLE gpkg_geometry_columns (
        table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
        srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
        PRIMARY KEY (table_name, column_name));
      INSERT INTO gpkg_spatial_ref_sys VALUES
        ('Undefined Cartesian SRS', -1, 'NONE', -1, 'undefined', NULL),
        ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', NULL);
    `);
    database
      .prepare('INSERT OR REPLACE INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, NULL)')
      .run(srs.name, srs.srid, 'EPSG', srs.srid, srs.definition);
    database
      .prepare(
        `INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES (?, 'features', ?, ?)`,
      )
      .run(table, table, srs.srid);
    database
      .prepare(`INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)`)
      .run(table, geometryType, srs.srid);

    const names = columns.map((column) => quote(column));
    database.exec(
      `CREATE TABLE ${quote(table)} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom BLOB, ${names.map((name) => `${name} TEXT`).join(', ')})`,
    );
    const insert = database.prepare(
      `INSERT INTO ${quote(table)} (geom, ${names.join(', ')}) VALUES (${['?', ...columns.map(() => '?')].join(', ')})`,
    );
    database.transaction(() => {
      for (const feature of features) {
        insert.run(
          geoPackageBinary(feature.geometry, srs.srid),
          ...columns.map((column) => feature.properties[column] ?? null),
        );
      }
    })();
  } finally {
    database.close();
  }
  return file;
}

/** Encodes a geometry as a GeoPackage binary with a 2D envelope, in little-endian byte order. */
export function geoPackageBinary(geometry: Geometry, srsId: number): Buffer {
  const header = Buffer.alloc(40);
  header.write('GP', 0, 'latin1');
  header[2] = 0; // version 1
  header[3] = 0b0000_0011; // bit 0: little-endian; bits 1-3 = 1: envelope [minx, maxx, miny, maxy]
  header.writeInt32LE(srsId, 4);
  const [minX, minY, maxX, maxY] = envelopeOf(geometry);
  [minX, maxX, minY, maxY].forEach((value, index) => {
    header.writeDoubleLE(value, 8 + index * 8);
  });
  return Buffer.concat([header, wkx.Geometry.parseGeoJSON(geometry).toWkb()]);
}

function envelopeOf(geometry: Geometry): [number, number, number, number] {
  const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (value: unknown): void => {
    if (!Array.isArray(value)) return;
    if (typeof value[0] === 'number') {
      const [x, y] = value as number[];
      box[0] = Math.min(box[0], x as number);
      box[1] = Math.min(box[1], y as number);
      box[2] = Math.max(box[2], x as number);
      box[3] = Math.max(box[3], y as number);
      return;
    }
    for (const item of value) visit(item);
  };
  if (geometry.type === 'GeometryCollection') {
    throw new Error('writeTestGeoPackage does not write GeometryCollections');
  }
  visit(geometry.coordinates);
  return box;
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
