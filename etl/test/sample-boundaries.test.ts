// Known-answer checks on the real public boundary files kept beside the repository in
// ../shared/data/boundaries; skipped when that folder is absent.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BoundaryImportOptions, importBoundaryFile } from '../src/boundary-import.js';
import { discardDraft } from '../src/boundary-publishing.js';
import { CITY_POINTS } from './support/city-points.js';
import { connectTestDatabase, namesAt } from './support/database.js';

const SAMPLES = fileURLToPath(new URL('../../../shared/data/boundaries/', import.meta.url));
const sample = (name: string) => join(SAMPLES, name);

// Point on surface of each Bhubaneswar police-station polygon, inside it in the GeoJSON and the KML.
const STATION_POINTS: [string, number, number][] = [
  ['Capital', 85.828033, 20.265367],
  ['Kharavel Nagar', 85.839076, 20.277667],
  ['Sahidnagar', 85.837073, 20.299898],
  ['Nayapalli', 85.806446, 20.28834],
  ['Mancheswar', 85.85617, 20.324874],
  ['Nandankanan', 85.847322, 20.382889],
  ['Chandrasekharpur', 85.803793, 20.329588],
  ['Infocity', 85.820236, 20.374944],
  ['Laxmisagar', 85.860554, 20.269608],
  ['Badagada', 85.85261, 20.257364],
  ['Khandagiri', 85.774584, 20.251606],
  ['Lingaraj', 85.838017, 20.20921],
  ['Jatani', 85.714301, 20.180346],
  ['Chandaka', 85.708835, 20.322818],
  ['Airfield', 85.789651, 20.192777],
  ['Balipatana', 85.974614, 20.159794],
  ['Balianta', 85.914363, 20.278854],
];

describe.skipIf(!existsSync(SAMPLES))('sample boundary files', () => {
  let db: Knex;
  const drafts: number[] = [];

  beforeAll(() => {
    db = connectTestDatabase();
  });
  afterAll(async () => {
    for (const versionId of drafts) await discardDraft(db, versionId);
    await db.destroy();
  });

  async function importSample(name: string, options: Partial<BoundaryImportOptions> = {}) {
    const report = await importBoundaryFile(db, sample(name), { createdBy: 'etl-test', ...options });
    drafts.push(report.versionId);
    return report;
  }

  it('OCHA districts GeoPackage routes the city points', async () => {
    const report = await importSample('pak_adm2_districts_ocha_pkmapr.gpkg');
    expect(report.counts).toMatchObject({ read: 160, stored: 160, rejected: 0, withoutParent: 0 });
    expect(report.mapping).toMatchObject({
      code: 'district_code',
      name: 'district_name',
      parent: 'province_name',
    });
    for (const city of CITY_POINTS) {
      expect(await namesAt(db, report.versionId, 'district', city.lon, city.lat)).toEqual([city.ocha]);
    }
  });

  it('OCHA provinces GeoPackage replaces the provinces', async () => {
    const report = await importSample('pak_adm1_provinces_ocha_pkmapr.gpkg', { level: 'province' });
    expect(report.counts).toMatchObject({ read: 7, stored: 7, replaced: 7 });
    for (const city of CITY_POINTS) {
      expect(await namesAt(db, report.versionId, 'province', city.lon, city.lat)).toEqual([city.province]);
    }
  });

  it('UTM shapefile lands on the WGS 84 original', async () => {
    const original = await importSample('pak_adm2_districts_ocha_pkmapr.gpkg');
    const utm = await importSample('DERIVED_pak_adm2_districts_ocha_pkmapr_utm42n.shp');
    expect(utm.source.crs).toBe('EPSG:32642');
    expect(utm.counts).toMatchObject({ read: 160, stored: 160, rejected: 0, repaired: 0, withoutParent: 0 });
    // The shapefile's 10-character field names, cut from district_code, district_name and province_name.
    expect(utm.mapping).toMatchObject({ code: 'district_c', name: 'district_n', parent: 'province_n' });
    for (const city of CITY_POINTS) {
      expect(await namesAt(db, utm.versionId, 'district', city.lon, city.lat)).toEqual([city.ocha]);
    }

    const distances = await db.raw(
      `SELECT count(*) AS pairs,
              max(ST_HausdorffDistance(ST_Transform(a.geom, 32642), ST_Transform(b.geom, 32642))) AS metres
       FROM jurisdictions a JOIN jurisdictions b ON b.code = a.code AND b.level = a.level
       WHERE a.version_id = ? AND b.version_id = ? AND a.level = 'district'`,
      [original.versionId, utm.versionId],
    );
    expect(distances.rows[0].pairs).toBe(160);
    expect(distances.rows[0].metres).toBeLessThan(1);
  });

  it('TopoJSON lists its layers and imports districts', async () => {
    await expect(importSample('pak_osm_geography_abubakrch.topojson.json')).rejects.toThrow(
      /4 layers: "provinces".*"divisions".*"districts".*"lineOfControl".*--layer/,
    );
    const report = await importSample('pak_osm_geography_abubakrch.topojson.json', { layer: 'districts' });
    expect(report.counts).toMatchObject({ read: 156, stored: 156, repaired: 9, withoutParent: 0 });
    expect(report.source.crsOrigin).toBe('inferred from the coordinate ranges');
    for (const city of CITY_POINTS) {
      expect(await namesAt(db, report.versionId, 'district', city.lon, city.lat)).toEqual([city.osm]);
    }
  });

  it('TopoJSON line layer is refused', async () => {
    await expect(
      importSample('pak_osm_geography_abubakrch.topojson.json', {
        layer: 'lineOfControl',
        mapping: { name: 'name' },
      }),
    ).rejects.toThrow(/none of the 1 features .*"lineOfControl".*not a polygon.*--layer/);
  });

  it('WOF Lahore Feature keeps its Urdu name', async () => {
    const report = await importSample('pak_wof_county_lahore_1108692273.geojson', {
      replace: 'same-code',
      mapping: { code: '' },
    });
    expect(report.mapping).toMatchObject({ name: 'wof:name', nameUr: 'name:urd_x_preferred' });
    expect(await namesAt(db, report.versionId, 'district', 74.3917, 31.49352)).toEqual(['Lahore']);
    const lahore = await db('jurisdictions')
      .where({ version_id: report.versionId, code: 'PK-PB-LAHORE' })
      .first();
    expect(lahore.name_ur).toBe('ضلع لاہور');
    expect(lahore.source_index).toBe(0);
  });

  for (const file of [
    'ind_bhubaneswar_police_jurisdiction_datameet.geojson',
    'ind_bhubaneswar_police_jurisdiction_datameet.kml',
  ]) {
    it(`Bhubaneswar stations from ${file.split('.').pop()}`, async () => {
      const report = await importSample(file, { level: 'station' });
      expect(report.counts).toMatchObject({ read: 17, stored: 17, rejected: 0, withoutParent: 17 });
      for (const [station, lon, lat] of STATION_POINTS) {
        expect(await namesAt(db, report.versionId, 'station', lon, lat)).toEqual([
          `${station} Police Station`,
        ]);
      }
    });
  }

  it('3D wards are flattened', async () => {
    const report = await importSample('ind_pcmc_electoral_wards_3d_datameet.geojson', { level: 'station' });
    expect(report.counts).toMatchObject({ read: 66, stored: 66, rejected: 0 });
    const dimensions = await db.raw(
      `SELECT DISTINCT ST_NDims(geom) AS n FROM jurisdictions WHERE version_id = ? AND level = 'station'`,
      [report.versionId],
    );
    expect(dimensions.rows).toEqual([{ n: 2 }]);
  });

  it('null geometries are listed with their attributes', async () => {
    await expect(importSample('world_disputed_areas_wri.min.geojson')).rejects.toThrow(
      /no attribute looks like the district name.*--name-field.*NOTE_BRK/,
    );
    const report = await importSample('world_disputed_areas_wri.min.geojson', {
      level: 'station',
      mapping: { name: 'NOTE_BRK' },
    });
    const source = JSON.parse(readFileSync(sample('world_disputed_areas_wri.min.geojson'), 'utf8')) as {
      features: { properties: object; geometry: object | null }[];
    };
    const nullIndexes = source.features.flatMap((feature, index) =>
      feature.geometry === null ? [index] : [],
    );
    expect(nullIndexes).toHaveLength(3);
    expect(report.rejected.map((item) => item.index)).toEqual(nullIndexes);
    for (const item of report.rejected) {
      expect(item.reason).toBe('no geometry (null)');
      expect(item.properties).toEqual(source.features[item.index]?.properties);
    }
    expect(report.counts.read).toBe(20);
    expect(report.counts.stored + report.counts.merged).toBe(17);
  });

  it('Delhi shapefile without .prj is read as WGS 84', async () => {
    const report = await importSample('ind_delhi_parl_constituencies_eci_U05_PC.shp');
    expect(report.source.crsOrigin).toBe('inferred from the coordinate ranges');
    expect(report.counts).toMatchObject({ read: 7, stored: 7 });
    expect(report.mapping).toMatchObject({ name: 'PC_NAME', code: 'PC_CODE' });
    expect(report.mapping.nameUr).toBeUndefined();
    expect(report.warnings.join('\n')).toMatch(/PC_HNAME .*not UTF-8.*--encoding/);
    expect(await namesAt(db, report.versionId, 'district', 77.3, 28.62)).toEqual(['East Delhi']);

    await expect(
      importSample('ind_delhi_parl_constituencies_eci_U05_PC.shp', { mapping: { nameUr: 'PC_HNAME' } }),
    ).rejects.toThrow(/"PC_HNAME" contains text that is not UTF-8.*--encoding/);
  });

  it('Bhubaneswar development area imports as one large polygon', async () => {
    const report = await importSample('ind_bhubaneswar_bda_boundary_datameet.geojson');
    expect(report.counts).toMatchObject({ read: 1, stored: 1, rejected: 0, withoutParent: 1 });
  });
});
