// Known-answer checks after import from every supported format. The bundled OSM districts are
// written as GeoJSON, shapefile, KML, GeoPackage and CSV, some of them reprojected to UTM zone 42N.
// Each file is imported as a draft through importBoundaryFile, the function that the CLI and the
// API call, and five city points must fall in the same named district of every draft.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MultiPolygon, Polygon } from 'geojson';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import wkx from 'wkx';
import { type BoundaryImportOptions, importBoundaryFile } from '../src/boundary-import.js';
import { discardDraft } from '../src/boundary-publishing.js';
import { BUNDLED_BOUNDARY_FILE } from '../src/import-osm-pakistan.js';
import type { BoundaryImportReport } from '../src/import-report.js';
import { openBoundaryFile } from '../src/readers/open-boundary-file.js';
import { CITY_POINTS } from './support/city-points.js';
import { connectTestDatabase, namesAt } from './support/database.js';
import { writeTestGeoPackage } from './support/geopackage-writer.js';
import { type TestKmlFolder, writeTestKml } from './support/kml-writer.js';
import { shapeOfPolygon, writeTestShapefile } from './support/shapefile-writer.js';
import { writeTestZip } from './support/zip-writer.js';

const DISTRICT_COUNT = 156;
// Districts of the bundled file that the importer repairs, because the coastline clip collapsed some
// of their polygons to fewer than four distinct points ("Too few points in geometry component").
const REPAIRED_COUNT = 9;
// The district that the KML file splits into one placemark per polygon, which the importer merges
// again. Four of its 12 polygons have collapsed to one point repeated four times (left by the
// coastline clip), and the importer rejects each of them once it is a feature of its own.
const SPLIT_DISTRICT = 'Keamari';
const SPLIT_PARTS = 12;
const SPLIT_SLIVERS = 4;
const UTM_42N = 32642;

// ESRI-style .prj texts, as ArcGIS and GDAL write them: no EPSG code, so the importer matches them by name.
const ESRI_WGS_84 =
  'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],' +
  'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]';
const ESRI_UTM_42N =
  `PROJCS["WGS_1984_UTM_Zone_42N",${ESRI_WGS_84},PROJECTION["Transverse_Mercator"],` +
  'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",69.0],' +
  'PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]';

interface District {
  name: string;
  division: string;
  province: string;
  geometry: MultiPolygon;
  /** The same polygons in WGS 84 / UTM zone 42N, transformed by PostGIS. */
  utm: MultiPolygon;
}

const directory = mkdtempSync(join(tmpdir(), 'talash-formats-'));
let db: Knex;
let districts: District[] = [];
let reference: BoundaryImportReport;
const drafts: number[] = [];

beforeAll(async () => {
  db = connectTestDatabase();
  districts = await readBundledDistricts();
  reference = await importDraft(BUNDLED_BOUNDARY_FILE, { layer: 'districts' });
});

afterAll(async () => {
  for (const versionId of drafts) await discardDraft(db, versionId);
  await db.destroy();
  rmSync(directory, { recursive: true, force: true });
});

/** Reads the districts layer of the bundled TopoJSON, and transforms each to UTM zone 42N in PostGIS. */
async function readBundledDistricts(): Promise<District[]> {
  const source = await openBoundaryFile(BUNDLED_BOUNDARY_FILE, { layer: 'districts' });
  const read: Omit<District, 'utm'>[] = [];
  try {
    for await (const feature of source.features()) {
      const geometry = feature.geometry as Polygon | MultiPolygon;
      read.push({
        name: String(feature.properties.name),
        division: String(feature.properties.division),
        province: String(feature.properties.province),
        geometry:
          geometry.type === 'Polygon'
            ? { type: 'MultiPolygon', coordinates: [geometry.coordinates] }
            : geometry,
      });
    }
  } finally {
    await source.close();
  }

  const transformed = await db.raw(
    `SELECT ST_AsGeoJSON(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(g), 4326), ?::int), 9) AS utm
     FROM unnest(?::text[]) WITH ORDINALITY AS t(g, n) ORDER BY n`,
    [UTM_42N, read.map((district) => JSON.stringify(district.geometry))],
  );
  return read.map((district, index) => ({
    ...district,
    utm: JSON.parse(transformed.rows[index].utm) as MultiPolygon,
  }));
}

async function importDraft(file: string, options: Partial<BoundaryImportOptions> = {}) {
  const report = await importBoundaryFile(db, file, { createdBy: 'etl-test', ...options });
  drafts.push(report.versionId);
  return report;
}

const attributes = (district: District) => ({
  name: district.name,
  division: district.division,
  province: district.province,
});

function writeGeoJson(name: string, projected: boolean): string {
  const file = join(directory, name);
  const collection = {
    type: 'FeatureCollection',
    ...(projected ? { crs: { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${UTM_42N}` } } } : {}),
    features: districts.map((district) => ({
      type: 'Feature',
      properties: attributes(district),
      geometry: projected ? district.utm : district.geometry,
    })),
  };
  writeFileSync(file, JSON.stringify(collection));
  return file;
}

/** Writes a shapefile with UTF-8 attributes (declared by a .cpg) and an ESRI .prj; returns its parts. */
function writeShapefile(name: string, projected: boolean): string[] {
  const field = (fieldName: string, key: 'name' | 'division' | 'province') => {
    const values = districts.map((district) => Buffer.from(district[key], 'utf8'));
    return { name: fieldName, length: Math.max(...values.map((value) => value.length)), values };
  };
  const shp = writeTestShapefile({
    directory,
    name,
    shapes: districts.map((district) => shapeOfPolygon(projected ? district.utm : district.geometry)),
    fields: [field('NAME', 'name'), field('DIVISION', 'division'), field('PROVINCE', 'province')],
    prj: projected ? ESRI_UTM_42N : ESRI_WGS_84,
    cpg: 'UTF-8',
  });
  const base = shp.slice(0, -'.shp'.length);
  return ['.shp', '.shx', '.dbf', '.prj', '.cpg'].map((extension) => base + extension);
}

/**
 * Writes the districts as KML folders Province / Division. Multi-part districts are one placemark
 * with a <MultiGeometry>, except SPLIT_DISTRICT, which gets one placemark per polygon.
 */
function writeKml(name: string): string {
  const provinces = new Map<string, Map<string, District[]>>();
  for (const district of districts) {
    const divisions = provinces.get(district.province) ?? new Map<string, District[]>();
    provinces.set(district.province, divisions);
    divisions.set(district.division, [...(divisions.get(district.division) ?? []), district]);
  }
  const folders: TestKmlFolder[] = [...provinces].map(([province, divisions]) => ({
    name: province,
    folders: [...divisions].map(([division, members]) => ({
      name: division,
      placemarks: members.flatMap((district) => {
        const placemark = (polygons: MultiPolygon['coordinates']) => ({
          name: district.name,
          data: { division, province },
          polygons,
        });
        return district.name === SPLIT_DISTRICT
          ? district.geometry.coordinates.map((polygon) => placemark([polygon]))
          : [placemark(district.geometry.coordinates)];
      }),
    })),
  }));
  return writeTestKml(join(directory, name), 'Pakistan districts', folders);
}

async function spatialReference(srid: number) {
  const row = await db('spatial_ref_sys').where({ srid }).first('srtext');
  const name = /^[A-Z_]+\["([^"]+)"/.exec(row.srtext)?.[1] ?? `EPSG:${srid}`;
  return { srid, name, definition: row.srtext as string };
}

function writeCsv(name: string): string {
  const quote = (value: string) => `"${value.replaceAll('"', '""')}"`;
  const rows = districts.map((district) => {
    const wkt = wkx.Geometry.parseGeoJSON(district.geometry).toWkt();
    return [district.name, district.division, district.province, wkt].map(quote).join(',');
  });
  const file = join(directory, name);
  writeFileSync(file, `name,division,province,WKT\n${rows.join('\n')}\n`);
  return file;
}

/** Asserts the counts and the city points of one format's draft; `counts` overrides the usual counts. */
async function expectKnownAnswers(
  report: BoundaryImportReport,
  counts: Partial<BoundaryImportReport['counts']> = {},
) {
  expect(report.counts).toMatchObject({
    read: DISTRICT_COUNT,
    stored: DISTRICT_COUNT,
    rejected: 0,
    repaired: REPAIRED_COUNT,
    merged: 0,
    withoutParent: 0,
    ...counts,
  });
  // Every district keeps the code that the live bundled version gives it.
  expect(report.codeChanges).toEqual({ removed: [], added: [] });
  for (const city of CITY_POINTS) {
    expect(await namesAt(db, report.versionId, 'district', city.lon, city.lat), city.osm).toEqual([city.osm]);
  }
}

/**
 * Asserts that every district of a draft has the area of the same district (paired by code) imported
 * from the bundled TopoJSON, within a relative `tolerance`. Areas are in square degrees, which is
 * enough for a ratio and cheaper to compute than on the spheroid.
 */
async function expectSameAreas(versionId: number, tolerance: number) {
  const result = await db.raw(
    `SELECT count(*)::int AS pairs,
            max(abs(ST_Area(a.geom) - ST_Area(b.geom)) / ST_Area(b.geom)) AS max_relative
     FROM jurisdictions a JOIN jurisdictions b ON b.code = a.code AND b.level = a.level
     WHERE a.version_id = ? AND b.version_id = ? AND a.level = 'district'`,
    [versionId, reference.versionId],
  );
  expect(result.rows[0].pairs).toBe(DISTRICT_COUNT);
  expect(Number(result.rows[0].max_relative)).toBeLessThanOrEqual(tolerance);
}

describe('known answers after import from each format', () => {
  it('TopoJSON districts layer', async () => {
    expect(districts).toHaveLength(DISTRICT_COUNT);
    expect(reference.source.format).toBe('topojson');
    await expectKnownAnswers(reference);
  });

  it('GeoJSON FeatureCollection', async () => {
    const report = await importDraft(writeGeoJson('districts.geojson', false));
    expect(report.source).toMatchObject({ format: 'geojson', crs: 'EPSG:4326' });
    expect(report.mapping).toMatchObject({ name: 'name', parent: 'division' });
    await expectKnownAnswers(report);
    await expectSameAreas(report.versionId, 0);
  });

  it('GeoJSON in UTM 42N with a crs member', async () => {
    const report = await importDraft(writeGeoJson('districts-utm.geojson', true));
    expect(report.source).toMatchObject({ crs: 'EPSG:32642', crsOrigin: 'GeoJSON crs member' });
    await expectKnownAnswers(report);
    // The round trip through UTM changed areas by at most 3e-14 (relative) in a run; a lost ring changes far more.
    await expectSameAreas(report.versionId, 1e-9);
  });

  it('shapefile with WGS 84 .prj', async () => {
    const [shp] = writeShapefile('districts', false);
    const report = await importDraft(shp as string);
    expect(report.source).toMatchObject({ format: 'shapefile', crs: 'EPSG:4326' });
    expect(report.mapping).toMatchObject({ name: 'NAME', parent: 'DIVISION' });
    await expectKnownAnswers(report);
    await expectSameAreas(report.versionId, 0);
  });

  it('zipped shapefile in UTM 42N', async () => {
    const parts = writeShapefile('districts_utm42n', true);
    const report = await importDraft(writeTestZip(join(directory, 'districts_utm42n.zip'), parts));
    expect(report.source).toMatchObject({
      format: 'shapefile',
      layer: 'districts_utm42n',
      crs: 'EPSG:32642',
    });
    expect(report.source.crsOrigin).toMatch(/WGS_1984_UTM_Zone_42N/);
    await expectKnownAnswers(report);
    // The round trip through UTM changed areas by at most 3e-14 (relative) in a run; a lost ring changes far more.
    await expectSameAreas(report.versionId, 1e-9);
  });

  it('KML folders with a split district', async () => {
    const split = districts.find((district) => district.name === SPLIT_DISTRICT) as District;
    expect(split.geometry.coordinates).toHaveLength(SPLIT_PARTS);

    const report = await importDraft(writeKml('districts.kml'));
    expect(report.source.format).toBe('kml');
    expect(report.source.layers.map((layer) => layer.name)).toContain('Sindh / Karachi');
    expect(report.mapping).toMatchObject({ name: 'name', parent: 'division' });
    const stored = SPLIT_PARTS - SPLIT_SLIVERS;
    await expectKnownAnswers(report, {
      read: DISTRICT_COUNT - 1 + SPLIT_PARTS,
      rejected: SPLIT_SLIVERS,
      merged: stored - 1,
      // The collapsed polygons were what made the district invalid as one MultiPolygon.
      repaired: REPAIRED_COUNT - 1,
    });
    expect(report.merged).toEqual([
      expect.objectContaining({ code: 'PK-SD-KEAMARI', names: [SPLIT_DISTRICT] }),
    ]);
    expect(report.merged[0]?.indexes).toHaveLength(stored);
    for (const rejected of report.rejected) {
      expect(rejected.properties).toMatchObject({ name: SPLIT_DISTRICT });
      expect(rejected.reason).toMatch(/^nothing polygonal left after repair \(Too few points/);
    }
    // The ST_Union of the placemarks matched the source areas up to rounding (1.4e-15 relative) in a run.
    await expectSameAreas(report.versionId, 1e-9);
  });

  it('GeoPackage in WGS 84', async () => {
    const file = writeTestGeoPackage(
      join(directory, 'districts.gpkg'),
      'districts',
      await spatialReference(4326),
      districts.map((district) => ({ properties: attributes(district), geometry: district.geometry })),
    );
    const report = await importDraft(file);
    expect(report.source).toMatchObject({ format: 'geopackage', layer: 'districts', crs: 'EPSG:4326' });
    await expectKnownAnswers(report);
    await expectSameAreas(report.versionId, 0);
  });

  it('CSV with a WKT column', async () => {
    const report = await importDraft(writeCsv('districts.csv'));
    expect(report.source).toMatchObject({ format: 'csv', crs: 'EPSG:4326' });
    await expectKnownAnswers(report);
    await expectSameAreas(report.versionId, 0);
  });
});
