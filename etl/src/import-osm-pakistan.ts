import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Feature, Geometry } from 'geojson';
import type { Knex } from 'knex';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { BoundaryRepository } from './boundary-repository.js';
import { districtCode, PROVINCE_CODES, regionCode } from './jurisdiction-codes.js';
import { type JurisdictionLevel, loadUrduNames } from './urdu-names.js';

export const BUNDLED_BOUNDARY_FILE = fileURLToPath(
  new URL('../data/pakistan-osm.topojson.json', import.meta.url),
);
const URDU_NAMES_FILE = fileURLToPath(new URL('../data/names-ur.csv', import.meta.url));

export interface ImportReport {
  source: string;
  sha256: string;
  versionId: number;
  published: boolean;
  /** True when this exact file was already imported; nothing was written. */
  alreadyImported: boolean;
  read: Record<JurisdictionLevel, number>;
  stored: Record<JurisdictionLevel, number>;
  repaired: { level: JurisdictionLevel; code: string; name: string; reason: string }[];
  rejected: { level: JurisdictionLevel; name: string; reason: string }[];
  pieces: number;
}

interface OsmProperties {
  name?: string;
  province?: string;
  division?: string;
  osmRelations?: number[];
}

/**
 * Imports the OpenStreetMap-derived Pakistan TopoJSON (provinces → divisions → districts) as a new
 * boundary version, repairing invalid polygons and listing every repair and rejection in the report.
 * Divisions become regions (the RPO's jurisdiction); districts are the DPO's.
 * Importing the same file twice writes nothing the second time.
 */
export async function importOsmPakistan(
  db: Knex,
  options: { file?: string; publish: boolean; createdBy: string },
): Promise<ImportReport> {
  const file = options.file ?? BUNDLED_BOUNDARY_FILE;
  const content = readFileSync(file);
  const sha256 = createHash('sha256').update(content).digest('hex');
  const repository = new BoundaryRepository(db);

  const existing = await repository.findVersionBySha256(sha256);
  if (existing && (existing.status === 'live' || !options.publish)) {
    return emptyReport(file, sha256, existing.id, existing.status === 'live', true);
  }

  const topology = JSON.parse(content.toString('utf8')) as Topology;
  const layers = {
    province: readLayer(topology, 'provinces'),
    region: readLayer(topology, 'divisions'),
    district: readLayer(topology, 'districts'),
  };
  const urduNames = loadUrduNames(URDU_NAMES_FILE);

  return db
    .transaction(async (trx) => {
      const versionId =
        existing?.id ?? (await repository.createDraftVersion(trx, file, sha256, options.createdBy));
      if (existing) await trx('jurisdictions').where({ version_id: versionId }).delete();
      const report = emptyReport(file, sha256, versionId, false, false);
      const provinceIds = new Map<string, { id: number; code: string }>();
      const regionIds = new Map<string, { id: number; code: string }>();

      const store = async (
        level: JurisdictionLevel,
        item: Feature<Geometry | null, OsmProperties>,
        code: string,
        parentId: number | null,
      ): Promise<number | null> => {
        const name = item.properties?.name ?? '';
        if (!item.geometry || !['Polygon', 'MultiPolygon'].includes(item.geometry.type)) {
          report.rejected.push({
            level,
            name,
            reason: `geometry is ${item.geometry?.type ?? 'null'}, not a polygon`,
          });
          return null;
        }
        const inserted = await repository.insertJurisdiction(trx, {
          versionId,
          level,
          code,
          name,
          nameUr: urduNames.get(`${level}|${name}`) ?? null,
          parentId,
          sourceRef: item.properties?.osmRelations?.map((id) => `osm:relation/${id}`).join(' ') ?? null,
          geometry: item.geometry,
        });
        if (inserted.empty) {
          report.rejected.push({
            level,
            name,
            reason: `nothing polygonal left after repair (${inserted.invalidReason})`,
          });
          return null;
        }
        if (inserted.repaired)
          report.repaired.push({ level, code, name, reason: inserted.invalidReason ?? '' });
        report.stored[level] += 1;
        return inserted.id;
      };

      for (const item of layers.province) {
        report.read.province += 1;
        const name = item.properties?.name ?? '';
        const code = PROVINCE_CODES[name];
        if (!code) {
          report.rejected.push({
            level: 'province',
            name,
            reason: 'no ISO 3166-2 code is known for this name',
          });
          continue;
        }
        const id = await store('province', item, code, null);
        if (id !== null) provinceIds.set(name, { id, code });
      }

      for (const item of layers.region) {
        report.read.region += 1;
        const name = item.properties?.name ?? '';
        const province = provinceIds.get(item.properties?.province ?? '');
        if (!province) {
          report.rejected.push({
            level: 'region',
            name,
            reason: `parent province "${item.properties?.province}" not found`,
          });
          continue;
        }
        const id = await store('region', item, regionCode(province.code, name), province.id);
        if (id !== null) regionIds.set(`${item.properties?.province}|${name}`, { id, code: province.code });
      }

      for (const item of layers.district) {
        report.read.district += 1;
        const name = item.properties?.name ?? '';
        const region = regionIds.get(`${item.properties?.province}|${item.properties?.division}`);
        if (!region) {
          const parent = `${item.properties?.division} (${item.properties?.province})`;
          report.rejected.push({ level: 'district', name, reason: `parent division ${parent} not found` });
          continue;
        }
        await store('district', item, districtCode(region.code, name), region.id);
      }

      report.pieces = await repository.subdivideVersion(trx, versionId);
      if (options.publish) {
        await repository.publishVersion(trx, versionId);
        report.published = true;
      }
      await repository.saveImportReport(trx, versionId, report);
      return report;
    })
    .then(async (report) => {
      // Fresh planner statistics: without them Postgres joins a batch of points against every piece.
      await repository.analyze();
      return report;
    });
}

function readLayer(topology: Topology, objectName: string): Feature<Geometry | null, OsmProperties>[] {
  const object = topology.objects[objectName] as GeometryCollection<OsmProperties> | undefined;
  if (object?.type !== 'GeometryCollection') {
    throw new Error(`TopoJSON object "${objectName}" is missing or is not a GeometryCollection`);
  }
  return feature(topology, object).features as Feature<Geometry | null, OsmProperties>[];
}

function emptyReport(
  source: string,
  sha256: string,
  versionId: number,
  published: boolean,
  alreadyImported: boolean,
): ImportReport {
  return {
    source,
    sha256,
    versionId,
    published,
    alreadyImported,
    read: { province: 0, region: 0, district: 0 },
    stored: { province: 0, region: 0, district: 0 },
    repaired: [],
    rejected: [],
    pieces: 0,
  };
}
