// One label point per district. Labelling the polygons directly would repeat a name in every map tile
// the district crosses, so each district gets a single point at its pole of inaccessibility (the
// inside point farthest from the boundary) of its largest part.

import { area, polygon } from '@turf/turf';
import type { Feature, FeatureCollection, Point, Position } from 'geojson';
import polylabel from 'polylabel';
import type { DistrictCollection, JurisdictionProperties } from '../api/types';

// About 100 m at Pakistan's latitudes: finer than a label needs, coarse enough to stay fast.
const PRECISION_DEGREES = 0.001;

export function districtLabelPoints(
  districts: DistrictCollection,
): FeatureCollection<Point, JurisdictionProperties> {
  const features: Feature<Point, JurisdictionProperties>[] = [];

  for (const district of districts.features) {
    const parts =
      district.geometry.type === 'Polygon' ? [district.geometry.coordinates] : district.geometry.coordinates;
    let largest: Position[][] | undefined;
    for (const part of parts) {
      if (!largest || area(polygon(part)) > area(polygon(largest))) largest = part;
    }
    if (!largest) continue;

    const [lon, lat] = polylabel(largest, PRECISION_DEGREES);
    features.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [lon, lat] },
      properties: district.properties,
    });
  }

  return { type: 'FeatureCollection', features };
}
