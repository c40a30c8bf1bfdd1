import type { Knex } from 'knex';
import { queryPrepared } from '../database.js';

export interface JurisdictionRef {
  id: number;
  code: string;
  name: string;
  nameUr: string | null;
}

/** Where something lies in the jurisdiction tree, by code; null above or outside a level. */
export interface JurisdictionPath {
  district: string | null;
  region: string | null;
  province: string | null;
}

export interface GeofenceMatch {
  district: JurisdictionRef;
  region: JurisdictionRef;
  province: JurisdictionRef;
  boundaryVersionId: number;
  onBorder: boolean;
}

interface GeofenceRow {
  district_id: number;
  district_code: string;
  district_name: string;
  district_name_ur: string | null;
  region_id: number;
  region_code: string;
  region_name: string;
  region_name_ur: string | null;
  province_id: number;
  province_code: string;
  province_name: string;
  province_name_ur: string | null;
  boundary_version_id: number;
  on_border: boolean;
}

/** Reads the live jurisdiction tree. The geofence query itself is the SQL function in sql/functions/geofence.sql. */
export class JurisdictionRepository {
  constructor(private readonly db: Knex) {}

  /** Returns the live district containing the point with its region and province, or undefined outside all. */
  async geofence(lon: number, lat: number) {
    const rows = await queryPrepared<GeofenceRow>(
      this.db,
      'geofence_point',
      'SELECT * FROM geofence_point($1, $2)',
      [lon, lat],
    );
    const row = rows[0];
    return row ? toGeofenceMatch(row) : undefined;
  }

  /**
   * Geofences a point like `geofence`, and returns the id of the live boundary version it used (null
   * when no version is live). Both are read in one statement, so a point outside every district also
   * carries the version that placed it there.
   */
  async geofenceWithVersion(
    lon: number,
    lat: number,
  ): Promise<{ match: GeofenceMatch | undefined; versionId: number | null }> {
    const rows = await queryPrepared<GeofenceRow & { live_version_id: number | null }>(
      this.db,
      'geofence_point_with_version',
      `SELECT (SELECT id FROM boundary_versions WHERE status = 'live') AS live_version_id, g.*
       FROM (SELECT 1) AS one LEFT JOIN geofence_point($1, $2) AS g ON true`,
      [lon, lat],
    );
    const row = rows[0];
    if (!row || row.district_id === null)
      return { match: undefined, versionId: row?.live_version_id ?? null };
    return { match: toGeofenceMatch(row), versionId: row.live_version_id };
  }

  async liveVersionId(): Promise<number | undefined> {
    const row = await this.db('boundary_versions').select('id').where({ status: 'live' }).first();
    return row?.id as number | undefined;
  }

  /** Finds a live jurisdiction by level and code. */
  async findLive(
    level: 'province' | 'region' | 'district',
    code: string,
  ): Promise<JurisdictionRef | undefined> {
    const row = await this.db('jurisdictions as j')
      .join('boundary_versions as v', 'v.id', 'j.version_id')
      .where({ 'v.status': 'live', 'j.level': level, 'j.code': code })
      .first('j.id', 'j.code', 'j.name', 'j.name_ur as nameUr');
    return row as JurisdictionRef | undefined;
  }

  /** A live jurisdiction's code with the codes of the region and province above it, by its code. */
  async findLivePath(code: string): Promise<JurisdictionPath | undefined> {
    const result = await this.db.raw<{
      rows: { level: string; code: string; parent: string | null; grandparent: string | null }[];
    }>(
      `SELECT j.level, j.code, p.code AS parent, g.code AS grandparent
       FROM jurisdictions j
       JOIN boundary_versions v ON v.id = j.version_id AND v.status = 'live'
       LEFT JOIN jurisdictions p ON p.id = j.parent_id
       LEFT JOIN jurisdictions g ON g.id = p.parent_id
       WHERE j.code = ?
       ORDER BY CASE j.level WHEN 'district' THEN 0 WHEN 'region' THEN 1 ELSE 2 END
       LIMIT 1`,
      [code],
    );
    const row = result.rows[0];
    if (!row) return undefined;
    if (row.level === 'district')
      return { district: row.code, region: row.parent, province: row.grandparent };
    if (row.level === 'region') return { district: null, region: row.code, province: row.parent };
    return { district: null, region: null, province: row.code };
  }

  /**
   * Returns the live jurisdictions of one level as a GeoJSON FeatureCollection text, simplified for
   * display (tolerance in degrees; 0.002° is about 200 m). Built in PostGIS so no geometry crosses into JS.
   */
  async featureCollectionText(level: 'province' | 'region' | 'district', tolerance = 0.002): Promise<string> {
    const result = await this.db.raw<{ rows: { collection: string }[] }>(
      `SELECT json_build_object(
         'type', 'FeatureCollection',
         'features', coalesce(json_agg(json_build_object(
           'type', 'Feature',
           'id', j.id,
           'properties', json_build_object(
             'id', j.id, 'code', j.code, 'name', j.name, 'nameUr', j.name_ur, 'level', j.level,
             'parentCode', parent.code),
           'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(j.geom, ?), 5)::json
         ) ORDER BY j.code), '[]'::json)
       )::text AS collection
       FROM jurisdictions j
       JOIN boundary_versions v ON v.id = j.version_id AND v.status = 'live'
       LEFT JOIN jurisdictions parent ON parent.id = j.parent_id
       WHERE j.level = ?`,
      [tolerance, level],
    );
    return result.rows[0]?.collection ?? '{"type":"FeatureCollection","features":[]}';
  }
}

function toGeofenceMatch(row: GeofenceRow): GeofenceMatch {
  return {
    district: {
      id: row.district_id,
      code: row.district_code,
      name: row.district_name,
      nameUr: row.district_name_ur,
    },
    region: { id: row.region_id, code: row.region_code, name: row.region_name, nameUr: row.region_name_ur },
    province: {
      id: row.province_id,
      code: row.province_code,
      name: row.province_name,
      nameUr: row.province_name_ur,
    },
    boundaryVersionId: row.boundary_version_id,
    onBorder: row.on_border,
  };
}
