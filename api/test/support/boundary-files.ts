import type { Knex } from 'knex';

/** A GeoJSON FeatureCollection that re-draws the Lahore-Kasur border, and a point that it moves. */
export interface BorderRedraw {
  collection: { type: 'FeatureCollection'; features: object[] };
  /** A point in the strip of Kasur that the draft gives to Lahore. */
  movedPoint: { lon: number; lat: number };
}

/**
 * Builds, from the live boundaries, Lahore and Kasur districts with the strip of Kasur within about
 * 3 km (0.03°) of Lahore moved to Lahore. Features carry `code`, `name` and `name_ur`, so an import
 * with replace=same-code changes only these two districts.
 */
export async function redrawLahoreKasurBorder(db: Knex): Promise<BorderRedraw> {
  const result = await db.raw(
    `WITH live AS (
       SELECT j.code, j.name, j.name_ur, j.geom FROM jurisdictions j
       JOIN boundary_versions v ON v.id = j.version_id AND v.status = 'live'
       WHERE j.level = 'district' AND j.code IN ('PK-PB-LAHORE', 'PK-PB-KASUR')
     ),
     strip AS (
       SELECT ST_Intersection(k.geom, ST_Buffer(l.geom, 0.03)) AS geom
       FROM live k, live l WHERE k.code = 'PK-PB-KASUR' AND l.code = 'PK-PB-LAHORE'
     )
     SELECT l.name_ur AS lahore_ur, k.name_ur AS kasur_ur,
            ST_AsGeoJSON(ST_Union(l.geom, s.geom))::json AS lahore,
            ST_AsGeoJSON(ST_Difference(k.geom, s.geom))::json AS kasur,
            ST_X(ST_PointOnSurface(s.geom)) AS lon, ST_Y(ST_PointOnSurface(s.geom)) AS lat
     FROM live l, live k, strip s
     WHERE l.code = 'PK-PB-LAHORE' AND k.code = 'PK-PB-KASUR'`,
  );
  const row = result.rows[0];
  const feature = (code: string, name: string, nameUr: string, geometry: object) => ({
    type: 'Feature',
    properties: { code, name, name_ur: nameUr },
    geometry,
  });
  return {
    collection: {
      type: 'FeatureCollection',
      features: [
        feature('PK-PB-LAHORE', 'Lahore', row.lahore_ur, row.lahore),
        feature('PK-PB-KASUR', 'Kasur', row.kasur_ur, row.kasur),
      ],
    },
    movedPoint: { lon: row.lon, lat: row.lat },
  };
}

/** A GeoJSON FeatureCollection with Lahore grown past the border, and a point only it covers. */
export interface BorderExtension {
  collection: { type: 'FeatureCollection'; features: object[] };
  /** A point outside every live district, inside the grown Lahore. */
  newPoint: { lon: number; lat: number };
}

/**
 * Builds, from the live boundaries, Lahore district with a square of 0.01° added around a point
 * within 0.05° of it that lies outside every live district (across the border with India). The
 * feature carries `code`, `name` and `name_ur`, so an import with replace=same-code changes only
 * Lahore.
 */
export async function extendLahoreAcrossBorder(db: Knex): Promise<BorderExtension> {
  const result = await db.raw(
    `WITH live AS (
       SELECT j.code, j.name_ur, j.geom FROM jurisdictions j
       JOIN boundary_versions v ON v.id = j.version_id AND v.status = 'live'
       WHERE j.level = 'district'
     ),
     lahore AS (SELECT name_ur, geom FROM live WHERE code = 'PK-PB-LAHORE'),
     outside AS (
       SELECT ST_PointOnSurface(ST_Difference(
         ST_Buffer(l.geom, 0.05),
         (SELECT ST_Union(ST_Buffer(d.geom, 0.01)) FROM live d WHERE ST_DWithin(d.geom, l.geom, 0.1))
       )) AS point
       FROM lahore l
     )
     SELECT l.name_ur, ST_X(o.point) AS lon, ST_Y(o.point) AS lat,
            ST_AsGeoJSON(ST_Union(l.geom, ST_Expand(o.point, 0.005)))::json AS geometry
     FROM lahore l, outside o`,
  );
  const row = result.rows[0];
  return {
    collection: {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { code: 'PK-PB-LAHORE', name: 'Lahore', name_ur: row.name_ur },
          geometry: row.geometry,
        },
      ],
    },
    newPoint: { lon: row.lon, lat: row.lat },
  };
}
