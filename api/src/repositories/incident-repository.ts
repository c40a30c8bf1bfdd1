import type { Knex } from 'knex';
import type { IncidentDraft } from '../analysis/incident-fields.js';

/** The live district, region and province codes of a point. */
export interface DistrictCodes {
  districtCode: string;
  regionCode: string;
  provinceCode: string;
}

export interface StoredIncident extends IncidentDraft, DistrictCodes {}

export interface IncidentImportRecord {
  fileName: string;
  fileSha256: string;
  format: 'csv' | 'geojson';
  importedBy: string;
  rowCount: number;
  skippedRows: { row: number; problems: string[] }[];
}

// Rows per INSERT statement, which sends ten arrays of this length as parameters.
const INSERT_CHUNK = 5000;

/** All SQL about recorded and imported incidents. */
export class IncidentRepository {
  constructor(private readonly db: Knex) {}

  /**
   * Geofences many points in one statement with geofence_point. Returns, in input order, each
   * point's codes or null when it lies outside every live district.
   */
  async locateMany(
    points: { lat: number; lon: number }[],
    connection: Knex | Knex.Transaction = this.db,
  ): Promise<(DistrictCodes | null)[]> {
    if (points.length === 0) return [];
    const { rows } = await connection.raw(
      `SELECT t.ordinal, g.district_code, g.region_code, g.province_code
       FROM unnest(?::float8[], ?::float8[]) WITH ORDINALITY AS t(lon, lat, ordinal)
       LEFT JOIN LATERAL geofence_point(t.lon, t.lat) g ON true
       ORDER BY t.ordinal`,
      [points.map((point) => point.lon), points.map((point) => point.lat)],
    );
    return rows.map((row: { district_code: string | null; region_code: string; province_code: string }) =>
      row.district_code
        ? { districtCode: row.district_code, regionCode: row.region_code, provinceCode: row.province_code }
        : null,
    );
  }

  async createImport(
    trx: Knex.Transaction,
    record: IncidentImportRecord,
    loadedCount: number,
  ): Promise<string> {
    const [row] = await trx('incident_imports')
      .insert({
        file_name: record.fileName,
        file_sha256: record.fileSha256,
        format: record.format,
        imported_by: record.importedBy,
        row_count: record.rowCount,
        loaded_count: loadedCount,
        skipped_rows: JSON.stringify(record.skippedRows),
      })
      .returning('id');
    return (row as { id: string }).id;
  }

  /** Inserts incidents in chunks of INSERT_CHUNK rows; returns the ids in input order. */
  async insertMany(
    trx: Knex.Transaction,
    incidents: StoredIncident[],
    origin: { source: 'officer'; recordedBy: string } | { source: 'import'; importId: string },
  ): Promise<string[]> {
    const ids: string[] = [];
    for (let start = 0; start < incidents.length; start += INSERT_CHUNK) {
      const chunk = incidents.slice(start, start + INSERT_CHUNK);
      const { rows } = await trx.raw(
        `INSERT INTO incidents (type, category, occurred_at, place, age_band, sex,
                                district_code, region_code, province_code, source, import_id, recorded_by)
         SELECT t.type, t.category, t.occurred_at, ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326), t.age_band, t.sex,
                t.district_code, t.region_code, t.province_code, ?, ?, ?
         FROM unnest(?::text[], ?::text[], ?::timestamptz[], ?::float8[], ?::float8[], ?::text[], ?::text[],
                     ?::text[], ?::text[], ?::text[]) WITH ORDINALITY
              AS t(type, category, occurred_at, lon, lat, age_band, sex, district_code, region_code, province_code, ordinal)
         ORDER BY t.ordinal
         RETURNING id`,
        [
          origin.source,
          origin.source === 'import' ? origin.importId : null,
          origin.source === 'officer' ? origin.recordedBy : null,
          chunk.map((incident) => incident.type),
          chunk.map((incident) => incident.category) as unknown as string[],
          chunk.map((incident) => incident.occurredAt.toISOString()),
          chunk.map((incident) => incident.lon),
          chunk.map((incident) => incident.lat),
          chunk.map((incident) => incident.ageBand),
          chunk.map((incident) => incident.sex),
          chunk.map((incident) => incident.districtCode),
          chunk.map((incident) => incident.regionCode),
          chunk.map((incident) => incident.provinceCode),
        ],
      );
      ids.push(...rows.map((row: { id: string }) => row.id));
    }
    return ids;
  }
}
