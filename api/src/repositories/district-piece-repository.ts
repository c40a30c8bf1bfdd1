import type { Knex } from 'knex';

/** One ST_Subdivide piece of a live district, as stored in `jurisdiction_pieces`. */
export interface DistrictPieceRow {
  pieceId: number;
  districtId: number;
  districtCode: string;
  districtName: string;
  versionId: number;
  /** The piece polygon as WKB, which carries every coordinate bit for bit (GeoJSON text would round them). */
  wkb: Buffer;
}

/** The district PostGIS finds for one point of a batch that lies in at least one live district. */
export interface PostgisPointMatch {
  /** Position of the point in the batch, from 0. */
  index: number;
  districtId: number;
  onBorder: boolean;
}

/** Reads live district pieces for the in-memory geofencer and geofences batches of points in PostGIS. */
export class DistrictPieceRepository {
  constructor(private readonly db: Knex) {}

  /**
   * Returns every piece of every live district, ordered by district code in byte order.
   * One statement, so all rows come from one snapshot even while a new version is being published.
   */
  async loadLiveDistrictPieces(): Promise<DistrictPieceRow[]> {
    const result = await this.db.raw<{
      rows: {
        piece_id: number;
        district_id: number;
        code: string;
        name: string;
        version_id: number;
        wkb: Buffer;
      }[];
    }>(
      `SELECT p.id AS piece_id, d.id AS district_id, d.code, d.name, d.version_id, ST_AsBinary(p.geom, 'NDR') AS wkb
       FROM jurisdiction_pieces p
       JOIN boundary_versions v ON v.id = p.version_id AND v.status = 'live'
       JOIN jurisdictions d ON d.id = p.jurisdiction_id
       WHERE p.level = 'district'
       ORDER BY d.code, p.id`,
    );
    return result.rows.map((row) => ({
      pieceId: row.piece_id,
      districtId: row.district_id,
      districtCode: row.code,
      districtName: row.name,
      versionId: row.version_id,
      wkb: row.wkb,
    }));
  }

  /**
   * Geofences a batch of points in one query with the rule of `geofence_point`. Every live district
   * piece that intersects the point (boundary included) counts, and the district with the smallest
   * code wins. `onBorder` is true when more than one district was touched. Returns only the points
   * that lie in some district, in batch order.
   */
  async locateManyInPostgis(lons: ArrayLike<number>, lats: ArrayLike<number>): Promise<PostgisPointMatch[]> {
    if (lons.length !== lats.length) {
      throw new Error(
        `lons has ${lons.length} values but lats has ${lats.length}; pass one of each per point`,
      );
    }
    const result = await this.db.raw<{ rows: { index: number; district_id: number; on_border: boolean }[] }>(
      `WITH points AS (
         SELECT t.ordinality - 1 AS index, ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326) AS geom
         FROM unnest(?::float8[], ?::float8[]) WITH ORDINALITY AS t(lon, lat, ordinality)
       ),
       touched AS (
         SELECT DISTINCT pt.index, p.jurisdiction_id
         FROM points pt
         JOIN jurisdiction_pieces p ON ST_Intersects(p.geom, pt.geom)
         WHERE p.level = 'district' AND p.version_id = (SELECT id FROM boundary_versions WHERE status = 'live')
       )
       SELECT t.index::integer AS index, (array_agg(d.id ORDER BY d.code))[1] AS district_id,
              count(*) > 1 AS on_border
       FROM touched t
       JOIN jurisdictions d ON d.id = t.jurisdiction_id
       GROUP BY t.index
       ORDER BY t.index`,
      [Array.from(lons), Array.from(lats)],
    );
    return result.rows.map((row) => ({
      index: row.index,
      districtId: row.district_id,
      onBorder: row.on_border,
    }));
  }
}
