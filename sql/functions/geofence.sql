-- geofence_point(lon, lat): the live district containing a point, with its region and province.
--
-- A point on a shared border touches several districts. The district with the smallest code
-- (byte order) wins, so the answer is the same every time, and `on_border` is true. The in-memory
-- bulk geofencer applies the same rule, so both give the same district for every point.
-- Returns no row when the point lies outside every live district.
CREATE OR REPLACE FUNCTION geofence_point(lon double precision, lat double precision)
RETURNS TABLE (
  district_id integer, district_code text, district_name text, district_name_ur text,
  region_id integer, region_code text, region_name text, region_name_ur text,
  province_id integer, province_code text, province_name text, province_name_ur text,
  boundary_version_id integer, on_border boolean
)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  WITH point AS (
    SELECT ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom
  ),
  touched AS (
    SELECT DISTINCT p.jurisdiction_id
    FROM jurisdiction_pieces p
    JOIN boundary_versions v ON v.id = p.version_id AND v.status = 'live'
    CROSS JOIN point
    WHERE p.level = 'district' AND ST_Intersects(p.geom, point.geom)
  ),
  chosen AS (
    SELECT d.*, (SELECT count(*) FROM touched) > 1 AS on_border
    FROM jurisdictions d
    WHERE d.id IN (SELECT jurisdiction_id FROM touched)
    ORDER BY d.code
    LIMIT 1
  )
  SELECT
    d.id, d.code, d.name, d.name_ur,
    r.id, r.code, r.name, r.name_ur,
    p.id, p.code, p.name, p.name_ur,
    d.version_id, d.on_border
  FROM chosen d
  JOIN jurisdictions r ON r.id = d.parent_id
  JOIN jurisdictions p ON p.id = r.parent_id;
$$;
