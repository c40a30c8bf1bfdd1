/**
 * Points well inside each city's district in every source: the pole of inaccessibility of the
 * intersection of the sources' polygons. `osm` is the district's name in the bundled OpenStreetMap
 * boundaries, `ocha` its name in the OCHA districts, and `province` its OCHA province.
 */
export const CITY_POINTS: { lon: number; lat: number; ocha: string; osm: string; province: string }[] = [
  { lon: 73.20471, lat: 33.67325, ocha: 'Islamabad', osm: 'Islamabad', province: 'Islamabad' },
  { lon: 74.3917, lat: 31.49352, ocha: 'Lahore', osm: 'Lahore', province: 'Punjab' },
  { lon: 67.04646, lat: 24.82842, ocha: 'South Karachi', osm: 'Karachi South', province: 'Sindh' },
  { lon: 66.90606, lat: 30.22107, ocha: 'Quetta', osm: 'Quetta', province: 'Balochistan' },
  { lon: 71.54752, lat: 34.0403, ocha: 'Peshawar', osm: 'Peshawar', province: 'Khyber Pakhtunkhwa' },
];
