import type { Knex } from 'knex';
import { createLogger } from '../logger.js';
import type { GeofenceMatch, JurisdictionRef } from '../repositories/jurisdiction-repository.js';
import { BulkGeofencer } from './bulk-geofencer.js';

type DistrictChain = Omit<GeofenceMatch, 'onBorder'>;

const log = createLogger('LiveDistrictLocator');

/**
 * Answers "which live district, region and province contain this point" from memory, for report
 * intake. It gives the same district as `geofence_point` for every point (the bulk geofencer's tests
 * and benchmark check this), without a query. It is built for one boundary version; the intake
 * statement refuses a report routed with a version that is no longer live, and the caller then
 * geofences in PostGIS and reloads this locator.
 */
export class LiveDistrictLocator {
  private constructor(
    readonly versionId: number,
    private readonly geofencer: BulkGeofencer,
    private readonly chains: Map<number, DistrictChain>,
  ) {}

  /** Builds the locator for the live version, or returns undefined when no version is live. */
  static async load(db: Knex): Promise<LiveDistrictLocator | undefined> {
    const geofencer = await BulkGeofencer.load(db);
    const versionId = geofencer.versionId;
    if (versionId === undefined) return undefined;

    // Read by version id, so the chains belong to the same version as the pieces even if a publish
    // happened in between.
    const rows: {
      d_id: number;
      d_code: string;
      d_name: string;
      d_name_ur: string | null;
      r_id: number;
      r_code: string;
      r_name: string;
      r_name_ur: string | null;
      p_id: number;
      p_code: string;
      p_name: string;
      p_name_ur: string | null;
    }[] = (
      await db.raw(
        `SELECT d.id AS d_id, d.code AS d_code, d.name AS d_name, d.name_ur AS d_name_ur,
                r.id AS r_id, r.code AS r_code, r.name AS r_name, r.name_ur AS r_name_ur,
                p.id AS p_id, p.code AS p_code, p.name AS p_name, p.name_ur AS p_name_ur
         FROM jurisdictions d
         JOIN jurisdictions r ON r.id = d.parent_id
         JOIN jurisdictions p ON p.id = r.parent_id
         WHERE d.version_id = ? AND d.level = 'district'`,
        [versionId],
      )
    ).rows;

    const ref = (id: number, code: string, name: string, nameUr: string | null): JurisdictionRef => ({
      id,
      code,
      name,
      nameUr,
    });
    const chains = new Map<number, DistrictChain>();
    for (const row of rows) {
      chains.set(row.d_id, {
        district: ref(row.d_id, row.d_code, row.d_name, row.d_name_ur),
        region: ref(row.r_id, row.r_code, row.r_name, row.r_name_ur),
        province: ref(row.p_id, row.p_code, row.p_name, row.p_name_ur),
        boundaryVersionId: versionId,
      });
    }
    log.info({ versionId, districts: chains.size }, 'in-memory district locator built');
    return new LiveDistrictLocator(versionId, geofencer, chains);
  }

  /**
   * Returns the match for a point, undefined outside every district, or null when the point's
   * district has no region or province in this version (the caller then asks PostGIS).
   */
  locate(lon: number, lat: number): GeofenceMatch | undefined | null {
    const found = this.geofencer.locate(lon, lat);
    if (!found) return undefined;
    const chain = this.chains.get(found.districtId);
    return chain ? { ...chain, onBorder: found.onBorder } : null;
  }
}

/** Keeps the current locator and rebuilds it on demand, one rebuild at a time. */
export class LiveDistrictLocatorHolder {
  private locator: LiveDistrictLocator | undefined;
  private loading: Promise<void> | undefined;

  constructor(private readonly db: Knex) {}

  current(): LiveDistrictLocator | undefined {
    return this.locator;
  }

  /** Drops a locator whose version is no longer live, and builds the next one in the background. */
  invalidate(staleVersionId: number): void {
    if (this.locator?.versionId === staleVersionId) this.locator = undefined;
    void this.reload();
  }

  /** Rebuilds from the live version. A failure is logged and leaves intake on PostGIS geofencing. */
  reload(): Promise<void> {
    this.loading ??= LiveDistrictLocator.load(this.db)
      .then((locator) => {
        this.locator = locator;
      })
      .catch((error: Error) => {
        this.locator = undefined;
        log.error(
          { err: error.message },
          'could not build the in-memory district locator; geofencing in PostGIS',
        );
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}
