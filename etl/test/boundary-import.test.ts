import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BoundaryImportOptions, importBoundaryFile } from '../src/boundary-import.js';
import { discardDraft } from '../src/boundary-publishing.js';
import { ImportError } from '../src/import-error.js';
import { connectTestDatabase, namesAt } from './support/database.js';

// A point well inside Lahore district in the bundled boundaries.
const LAHORE: [number, number] = [74.3917, 31.49352];

const directory = mkdtempSync(join(tmpdir(), 'talash-import-'));
let db: Knex;
const drafts: number[] = [];

beforeAll(() => {
  db = connectTestDatabase();
});
afterAll(async () => {
  for (const versionId of drafts) await discardDraft(db, versionId);
  await db.destroy();
  rmSync(directory, { recursive: true, force: true });
});

function box(lon: number, lat: number, size: number): number[][] {
  return [
    [lon, lat],
    [lon + size, lat],
    [lon + size, lat + size],
    [lon, lat + size],
    [lon, lat],
  ];
}

function writeCollection(name: string, features: object[], extra: object = {}): string {
  const path = join(directory, name);
  writeFileSync(path, JSON.stringify({ type: 'FeatureCollection', ...extra, features }));
  return path;
}

const feature = (properties: object, geometry: object | null) => ({ type: 'Feature', properties, geometry });

async function importDraft(file: string, options: Partial<BoundaryImportOptions> = {}) {
  const report = await importBoundaryFile(db, file, { createdBy: 'etl-test', level: 'station', ...options });
  drafts.push(report.versionId);
  return report;
}

async function projected(lon: number, lat: number, size: number, srid: number): Promise<number[][]> {
  const result = await db.raw(
    `SELECT ST_AsGeoJSON(ST_Transform(ST_GeomFromGeoJSON(?), ?::int)) AS geometry`,
    [JSON.stringify({ type: 'Polygon', coordinates: [box(lon, lat, size)] }), srid],
  );
  return JSON.parse(result.rows[0].geometry).coordinates[0];
}

describe('importBoundaryFile', () => {
  it('rejects projected coordinates without a CRS', async () => {
    const ring = await projected(LAHORE[0] - 0.01, LAHORE[1] - 0.01, 0.02, 32643);
    const file = writeCollection('utm-no-crs.geojson', [
      feature({ name: 'Race Course' }, { type: 'Polygon', coordinates: [ring] }),
    ]);
    const versionsBefore = await db('boundary_versions').count<{ count: number }[]>('* as count');

    await expect(importDraft(file)).rejects.toBeInstanceOf(ImportError);
    await expect(importDraft(file)).rejects.toThrow(/not longitude\/latitude.*--srid/);
    const versionsAfter = await db('boundary_versions').count<{ count: number }[]>('* as count');
    expect(versionsAfter[0]?.count).toBe(versionsBefore[0]?.count);
  });

  it('asks for --srid for an unknown crs name', async () => {
    const file = writeCollection(
      'local-crs.geojson',
      [feature({ name: 'Gulberg' }, { type: 'Polygon', coordinates: [box(74.3, 31.5, 0.01)] })],
      { crs: { type: 'name', properties: { name: 'LOCAL:LAHORE_GRID' } } },
    );

    await expect(importDraft(file)).rejects.toThrow(/LOCAL:LAHORE_GRID .*--srid/);
    const report = await importDraft(file, { srid: 4326 });
    expect(report.counts.stored).toBe(1);
  });

  it('reprojects with --srid and finds the parent by location', async () => {
    const ring = await projected(LAHORE[0] - 0.01, LAHORE[1] - 0.01, 0.02, 32643);
    const file = writeCollection('utm.geojson', [
      feature({ name: 'Race Course' }, { type: 'Polygon', coordinates: [ring] }),
    ]);
    const report = await importDraft(file, { srid: 32643 });

    expect(report.source.crs).toBe('EPSG:32643');
    expect(report.counts.stored).toBe(1);
    expect(await namesAt(db, report.versionId, 'station', ...LAHORE)).toEqual(['Race Course']);
    const station = await db('jurisdictions as s')
      .join('jurisdictions as d', 'd.id', 's.parent_id')
      .where({ 's.version_id': report.versionId, 's.level': 'station' })
      .first('s.code', 'd.code as parentCode');
    expect(station?.parentCode).toBe('PK-PB-LAHORE');
    expect(station?.code).toBe('PK-PB-LAHORE-RACE-COURSE');
  });

  it('lists null, empty and non-polygon features with their attributes', async () => {
    const bowtie = [
      [74.35, 31.45],
      [74.37, 31.47],
      [74.37, 31.45],
      [74.35, 31.47],
      [74.35, 31.45],
    ];
    const file = writeCollection('mixed.geojson', [
      feature({ name: 'Alpha' }, { type: 'Polygon', coordinates: [box(74.3, 31.5, 0.01)] }),
      feature({ name: 'Bravo', beat: 7 }, null),
      feature({ name: 'Charlie' }, { type: 'Polygon', coordinates: [box(74.4, 31.52, 0.01)] }),
      feature({ name: 'Delta' }, { type: 'Polygon', coordinates: [bowtie] }),
      feature({ name: 'Echo' }, { type: 'Point', coordinates: [74.3, 31.5] }),
      feature(
        { name: 'Foxtrot' },
        { type: 'Polygon', coordinates: [box(74.32, 31.44, 0.01).map(([x, y]) => [x, y, 210])] },
      ),
      feature({ name: 'Golf' }, { type: 'Polygon', coordinates: [] }),
    ]);
    const report = await importDraft(file);

    expect(report.counts.read).toBe(7);
    expect(report.counts.stored).toBe(4);
    expect(report.rejected.map((item) => [item.index, item.reason])).toEqual([
      [1, 'no geometry (null)'],
      [4, 'geometry is ST_Point (no area), not a polygon'],
      [6, 'empty geometry'],
    ]);
    expect(report.rejected[0]?.properties).toEqual({ name: 'Bravo', beat: 7 });
    expect(report.repaired).toHaveLength(1);
    expect(report.repaired[0]?.name).toBe('Delta');
    expect(report.repaired[0]?.reason).toMatch(/Self-intersection/);

    expect(await namesAt(db, report.versionId, 'station', 74.405, 31.525)).toEqual(['Charlie']);
    expect(await namesAt(db, report.versionId, 'station', 74.305, 31.505)).toEqual(['Alpha']);
    const dimensions = await db.raw(
      `SELECT DISTINCT ST_NDims(geom) AS n FROM jurisdictions WHERE version_id = ? AND level = 'station'`,
      [report.versionId],
    );
    expect(dimensions.rows).toEqual([{ n: 2 }]);
  });

  it('reports overlaps and gaps with area and location', async () => {
    const file = writeCollection('overlap.geojson', [
      feature({ name: 'North' }, { type: 'Polygon', coordinates: [box(74.3, 31.5, 0.02)] }),
      feature({ name: 'South' }, { type: 'Polygon', coordinates: [box(74.31, 31.51, 0.02)] }),
    ]);
    const report = await importDraft(file);
    const expected = await db.raw(`SELECT ST_Area(ST_GeomFromGeoJSON(?)::geography) / 1e6 AS km2`, [
      JSON.stringify({ type: 'Polygon', coordinates: [box(74.31, 31.51, 0.01)] }),
    ]);

    expect(report.overlaps.count).toBe(1);
    const overlap = report.overlaps.items[0];
    expect(overlap?.areaKm2).toBeCloseTo(expected.rows[0].km2, 2);
    expect(overlap?.point[0]).toBeGreaterThan(74.31);
    expect(overlap?.point[0]).toBeLessThan(74.32);
    expect(overlap?.point[1]).toBeGreaterThan(31.51);
    expect(overlap?.point[1]).toBeLessThan(31.52);
    expect(report.gaps.items[0]?.parent.code).toBe('PK-PB-LAHORE');
    expect(report.gaps.totalKm2).toBeGreaterThan(1000);
  });

  it('leaves the live version routing as before', async () => {
    const before = await db.raw(
      'SELECT district_code, boundary_version_id FROM geofence_point(?, ?)',
      LAHORE,
    );
    const file = writeCollection('district.geojson', [
      feature({ name: 'New Lahore' }, { type: 'Polygon', coordinates: [box(74.0, 31.2, 0.6)] }),
    ]);
    const report = await importDraft(file, { level: 'district', replace: 'same-code' });
    const after = await db.raw('SELECT district_code, boundary_version_id FROM geofence_point(?, ?)', LAHORE);

    expect(report.status).toBe('draft');
    expect(after.rows).toEqual(before.rows);
    expect(await namesAt(db, report.versionId, 'district', ...LAHORE)).toEqual(['Lahore', 'New Lahore']);
    expect(report.overlaps.items.map((item) => item.b.code)).toContain('PK-PB-LAHORE');
  });

  it('names the attributes when a mapped one is missing', async () => {
    const file = writeCollection('names.geojson', [
      feature({ title: 'A' }, { type: 'Polygon', coordinates: [box(74.3, 31.5, 0.01)] }),
    ]);
    await expect(importDraft(file)).rejects.toThrow(
      /no attribute looks like the station name.*--name-field.*title/,
    );
    await expect(importDraft(file, { mapping: { name: 'nom' } })).rejects.toThrow(
      /no attribute "nom".*title/,
    );
    const report = await importDraft(file, { mapping: { name: 'title' } });
    expect(report.counts.stored).toBe(1);
  });

  it('stores a mapped population with its year', async () => {
    // Two districts replaced by code; the figures are made up for the test.
    const file = writeCollection('population.geojson', [
      feature(
        { name: 'Lahore', code: 'PK-PB-LAHORE', pop_2023: '1,200,000' },
        { type: 'Polygon', coordinates: [box(LAHORE[0] - 0.05, LAHORE[1] - 0.05, 0.1)] },
      ),
      feature(
        { name: 'Kasur', code: 'PK-PB-KASUR', pop_2023: 'n/a' },
        { type: 'Polygon', coordinates: [box(74.4, 31.05, 0.1)] },
      ),
    ]);
    const report = await importDraft(file, { level: 'district', replace: 'same-code' });

    expect(report.mapping.proposed.population).toBe('pop_2023');
    expect(report.mapping.population).toBe('pop_2023');
    expect(report.warnings.join('\n')).toMatch(
      /1 features have no population count in "pop_2023".*feature 1/,
    );
    const rows = await db('jurisdictions')
      .where({ version_id: report.versionId, level: 'district' })
      .whereIn('code', ['PK-PB-LAHORE', 'PK-PB-KASUR', 'PK-PB-OKARA'])
      .orderBy('code')
      .select('code', 'population', 'population_year as populationYear');
    expect(rows).toEqual([
      { code: 'PK-PB-KASUR', population: null, populationYear: null },
      { code: 'PK-PB-LAHORE', population: 1200000, populationYear: 2023 },
      // Copied from the live version, which has no population.
      { code: 'PK-PB-OKARA', population: null, populationYear: null },
    ]);

    // A year attribute overrides the year in the name; a draft based on this one copies both.
    const withYear = writeCollection('population-year.geojson', [
      feature(
        { name: 'Kasur', code: 'PK-PB-KASUR', residents: 900000, year: 2017 },
        { type: 'Polygon', coordinates: [box(74.4, 31.05, 0.1)] },
      ),
    ]);
    const overridden = await importDraft(withYear, {
      level: 'district',
      replace: 'same-code',
      mapping: { population: 'residents', populationYear: 'year' },
    });
    expect(overridden.mapping.proposed.population).toBeUndefined();
    const kasur = await db('jurisdictions')
      .where({ version_id: overridden.versionId, code: 'PK-PB-KASUR' })
      .first('population', 'population_year as populationYear');
    expect(kasur).toEqual({ population: 900000, populationYear: 2017 });
  });

  it('names the attributes when a mapped population is missing', async () => {
    const file = writeCollection('no-population.geojson', [
      feature({ name: 'A' }, { type: 'Polygon', coordinates: [box(74.3, 31.5, 0.01)] }),
    ]);
    await expect(importDraft(file, { mapping: { population: 'pop' } })).rejects.toThrow(
      /no attribute "pop" \(given for the population\)/,
    );
  });
});
