import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBoundaryFile } from '../src/boundary-import.js';
import { discardDraft, publishBoundaryVersion, rollbackBoundaryVersion } from '../src/boundary-publishing.js';
import { BUNDLED_BOUNDARY_FILE } from '../src/import-osm-pakistan.js';
import { createScratchDatabase } from './support/database.js';

const LAHORE: [number, number] = [74.3917, 31.49352];
const directory = mkdtempSync(join(tmpdir(), 'talash-publish-'));
let db: Knex;
let drop: () => Promise<void>;

beforeAll(async () => {
  ({ db, drop } = await createScratchDatabase('publish'));
}, 120_000);
afterAll(async () => {
  await drop();
  rmSync(directory, { recursive: true, force: true });
});

async function liveVersionId(): Promise<number> {
  const row = await db('boundary_versions').where({ status: 'live' }).first('id');
  return row.id;
}

async function routedDistrict(): Promise<{ district_name: string; boundary_version_id: number }> {
  const result = await db.raw('SELECT district_name, boundary_version_id FROM geofence_point(?, ?)', LAHORE);
  return result.rows[0];
}

describe('publishing boundary versions', () => {
  it('publishes a draft, records who, and rolls back', async () => {
    const bundledVersion = await liveVersionId();
    const report = await importBoundaryFile(db, BUNDLED_BOUNDARY_FILE, {
      createdBy: 'gis-punjab',
      level: 'district',
      layer: 'districts',
    });
    expect(report.codeChanges).toEqual({ removed: [], added: [] });
    expect(report.counts.withoutParent).toBe(0);
    expect((await routedDistrict()).boundary_version_id).toBe(bundledVersion);

    const published = await publishBoundaryVersion(db, report.versionId, { by: 'gis-lead' });
    expect(published).toEqual({ versionId: report.versionId, retiredVersionId: bundledVersion });
    expect(await routedDistrict()).toEqual({
      district_name: 'Lahore',
      boundary_version_id: report.versionId,
    });
    const versions = await db('boundary_versions')
      .whereIn('id', [bundledVersion, report.versionId])
      .orderBy('id');
    expect(versions.map((version) => [version.status, version.published_by, version.retired_by])).toEqual([
      ['retired', 'test-setup', 'gis-lead'],
      ['live', 'gis-lead', null],
    ]);
    const periods = await db('boundary_publications').orderBy('id');
    expect(periods.map((period) => [period.version_id, period.action, period.valid_to === null])).toEqual([
      [bundledVersion, 'publish', false],
      [report.versionId, 'publish', true],
    ]);

    const rolledBack = await rollbackBoundaryVersion(db, { by: 'gis-lead' });
    expect(rolledBack).toEqual({ versionId: bundledVersion, retiredVersionId: report.versionId });
    expect((await routedDistrict()).boundary_version_id).toBe(bundledVersion);
    const last = await db('boundary_publications').orderBy('id', 'desc').first();
    expect([last.version_id, last.action, last.published_by]).toEqual([
      bundledVersion,
      'rollback',
      'gis-lead',
    ]);
  });

  it('refuses a draft with jurisdictions outside every parent', async () => {
    const file = join(directory, 'outside.geojson');
    writeFileSync(
      file,
      JSON.stringify({
        type: 'Feature',
        properties: { name: 'Capital Police Station' },
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [85.8, 20.26],
              [85.81, 20.26],
              [85.81, 20.27],
              [85.8, 20.26],
            ],
          ],
        },
      }),
    );
    const report = await importBoundaryFile(db, file, { createdBy: 'gis-odisha', level: 'station' });
    expect(report.withoutParent.map((item) => item.name)).toEqual(['Capital Police Station']);
    const live = await liveVersionId();

    await expect(publishBoundaryVersion(db, report.versionId, { by: 'gis-lead' })).rejects.toThrow(
      /1 jurisdictions without a parent \(station CAPITAL-POLICE-STATION\)/,
    );
    await expect(
      importBoundaryFile(db, file, { createdBy: 'gis-odisha', level: 'station', publish: true }),
    ).rejects.toThrow(/without a parent/);
    expect(await liveVersionId()).toBe(live);
    await discardDraft(db, report.versionId);
    expect(await db('boundary_versions').where({ id: report.versionId }).first()).toBeUndefined();
  });

  it('refuses to roll back past the first version', async () => {
    await expect(rollbackBoundaryVersion(db, { by: 'gis-lead' })).rejects.toThrow(/no earlier version/);
  });
});

describe('publishing a draft that removes live codes', () => {
  it('needs allowRemovals to publish', async () => {
    // One district on its own: under the default scope it replaces every district of its province.
    const lahore = await db.raw(
      `SELECT ST_AsGeoJSON(geom)::json AS geometry FROM jurisdictions j
       JOIN boundary_versions v ON v.id = j.version_id AND v.status = 'live'
       WHERE j.level = 'district' AND j.code = 'PK-PB-LAHORE'`,
    );
    const file = join(directory, 'lahore-only.geojson');
    writeFileSync(
      file,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [{ type: 'Feature', properties: { name: 'Lahore' }, geometry: lahore.rows[0].geometry }],
      }),
    );
    const report = await importBoundaryFile(db, file, { createdBy: 'gis-punjab', level: 'district' });
    expect(report.codeChanges.removed.length).toBeGreaterThan(0);

    const before = await liveVersionId();
    await expect(publishBoundaryVersion(db, report.versionId, { by: 'gis-lead' })).rejects.toThrow(
      /removes \d+ jurisdiction codes/,
    );
    expect(await liveVersionId()).toBe(before);

    const published = await publishBoundaryVersion(db, report.versionId, {
      by: 'gis-lead',
      allowRemovals: true,
    });
    expect(published.versionId).toBe(report.versionId);
  });
});
