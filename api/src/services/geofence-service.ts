import { ApiError } from '../errors.js';
import type { GeofenceMatch, JurisdictionRepository } from '../repositories/jurisdiction-repository.js';

/** Public answer of GET /api/geofence. */
export interface GeofenceAnswer {
  district: { code: string; name: string; nameUr: string | null };
  region: { code: string; name: string; nameUr: string | null };
  province: { code: string; name: string; nameUr: string | null };
  onBorder: boolean;
  boundaryVersion: number;
}

export class GeofenceService {
  constructor(private readonly jurisdictions: JurisdictionRepository) {}

  /** Finds the district, region and province of a point, or throws OUTSIDE_JURISDICTION (404). */
  async locate(lat: number, lon: number): Promise<GeofenceAnswer> {
    const match = await this.jurisdictions.geofence(lon, lat);
    if (!match) {
      throw new ApiError(
        404,
        'OUTSIDE_JURISDICTION',
        `The point ${lat}, ${lon} lies outside every district.`,
      );
    }
    return toAnswer(match);
  }
}

export function toAnswer(match: GeofenceMatch): GeofenceAnswer {
  const strip = ({ code, name, nameUr }: { code: string; name: string; nameUr: string | null }) => ({
    code,
    name,
    nameUr,
  });
  return {
    district: strip(match.district),
    region: strip(match.region),
    province: strip(match.province),
    onBorder: match.onBorder,
    boundaryVersion: match.boundaryVersionId,
  };
}
