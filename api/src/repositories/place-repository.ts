import type { Knex } from 'knex';
import type { PlaceLevel } from '../places/place-names.js';

export interface NamedJurisdiction {
  id: number;
  level: PlaceLevel;
  code: string;
  name: string;
  nameUr: string | null;
  /** The jurisdictions above it, nearest first: the region and province of a district. */
  parents: { code: string; name: string; nameUr: string | null }[];
}

/** A point inside a jurisdiction and its bounding box, in WGS 84 degrees. */
export interface JurisdictionShape {
  lat: number;
  lon: number;
  bbox: [west: number, south: number, east: number, north: number];
}

/** Reads the names and shapes of live jurisdictions that the place lookup offers. */
export class PlaceRepository {
  constructor(private readonly db: Knex) {}

  /** Returns every live jurisdiction with its names and its parents' names, and the live version id. */
  async liveNames(): Promise<{ versionId: number | null; jurisdictions: NamedJurisdiction[] }> {
    const result = await this.db.raw<{
      rows: {
        version_id: number;
        id: number;
        level: PlaceLevel;
        code: string;
        name: string;
        name_ur: string | null;
        parent_code: string | null;
        parent_name: string | null;
        parent_name_ur: string | null;
        grandparent_code: string | null;
        grandparent_name: string | null;
        grandparent_name_ur: string | null;
      }[];
    }>(
      `SELECT v.id AS version_id, j.id, j.level, j.code, j.name, j.name_ur,
              p.code AS parent_code, p.name AS parent_name, p.name_ur AS parent_name_ur,
              g.code AS grandparent_code, g.name AS grandparent_name, g.name_ur AS grandparent_name_ur
       FROM boundary_versions v
       JOIN jurisdictions j ON j.version_id = v.id
       LEFT JOIN jurisdictions p ON p.id = j.parent_id
       LEFT JOIN jurisdictions g ON g.id = p.parent_id
       WHERE v.status = 'live'
       ORDER BY j.id`,
    );
    const jurisdictions = result.rows.map((row) => {
      const parents: NamedJurisdiction['parents'] = [];
      if (row.parent_code !== null)
        parents.push({ code: row.parent_code, name: row.parent_name ?? '', nameUr: row.parent_name_ur });
      if (row.grandparent_code !== null)
        parents.push({
          code: row.grandparent_code,
          name: row.grandparent_name ?? '',
          nameUr: row.grandparent_name_ur,
        });
      return { id: row.id, level: row.level, code: row.code, name: row.name, nameUr: row.name_ur, parents };
    });
    const versionId = result.rows[0]?.version_id ?? (await this.liveVersionId());
    return { versionId, jurisdictions };
  }

  async liveVersionId(): Promise<number | null> {
    const row = await this.db('boundary_versions').select('id').where({ status: 'live' }).first();
    return (row?.id as number | undefined) ?? null;
  }

  /**
   * Returns a point on the surface of each jurisdiction (ST_PointOnSurface, so it lies inside even a
   * crescent-shaped district, unlike the centroid) and its bounding box, by jurisdiction id.
   */
  async shapes(ids: number[]): Promise<Map<number, JurisdictionShape>> {
    const result = await this.db.raw<{
      rows: {
        id: number;
        lon: number;
        lat: number;
        west: number;
        south: number;
        east: number;
        north: number;
      }[];
    }>(
      `SELECT j.id, ST_X(point) AS lon, ST_Y(point) AS lat,
              ST_XMin(j.geom) AS west, ST_YMin(j.geom) AS south, ST_XMax(j.geom) AS east, ST_YMax(j.geom) AS north
       FROM jurisdictions j, ST_PointOnSurface(j.geom) AS point
       WHERE j.id = ANY(?::integer[])`,
      [ids],
    );
    return new Map(
      result.rows.map((row) => [
        row.id,
        { lat: row.lat, lon: row.lon, bbox: [row.west, row.south, row.east, row.north] },
      ]),
    );
  }
}
