-- Lists the open cases whose last-seen point lies in another district in boundary version $2 than in
-- version $1, for re-routing after $2 replaced $1 as the live version (a publish or a rollback).
--
-- Each point is geofenced in both versions with the rule of geofence_point: among the districts
-- whose lookup pieces touch the point, the smallest code wins, and on_border is true when there were
-- several. Only cases still in the district that version $1 gave them are listed, so a case that an
-- officer transferred by hand stays where the officer put it. A case outside every district in $1
-- (the unassigned queue) is listed when $2 puts it in one, and a case that $2 puts outside every
-- district is listed with null ids for the new district.
--
-- $1 the version that was live before, $2 the version that is live now.
WITH open_cases AS (
  SELECT c.id, c.tracking_code, c.child_age, c.child_sex, c.last_seen_at, c.last_seen,
         d.code AS current_code, d.name AS current_name
  FROM cases c
  LEFT JOIN jurisdictions d ON d.id = c.district_id
  WHERE c.status NOT IN ('recovered', 'closed')
),
located AS (
  SELECT oc.*, before.code AS before_code, after.id AS after_id, after.code AS after_code,
         after.on_border AS after_on_border
  FROM open_cases oc
  LEFT JOIN LATERAL (
    SELECT j.code
    FROM jurisdiction_pieces p
    JOIN jurisdictions j ON j.id = p.jurisdiction_id
    WHERE p.version_id = $1 AND p.level = 'district' AND ST_Intersects(p.geom, oc.last_seen)
    ORDER BY j.code
    LIMIT 1
  ) before ON true
  LEFT JOIN LATERAL (
    SELECT touched.id, touched.code, count(*) OVER () > 1 AS on_border
    FROM (
      SELECT DISTINCT j.id, j.code
      FROM jurisdiction_pieces p
      JOIN jurisdictions j ON j.id = p.jurisdiction_id
      WHERE p.version_id = $2 AND p.level = 'district' AND ST_Intersects(p.geom, oc.last_seen)
    ) touched
    ORDER BY touched.code
    LIMIT 1
  ) after ON true
)
SELECT l.id, l.tracking_code, l.child_age, l.child_sex, l.last_seen_at,
       ST_X(l.last_seen) AS lon, ST_Y(l.last_seen) AS lat,
       l.current_code AS from_code, l.current_name AS from_name,
       d.id AS district_id, d.code AS district_code, d.name AS district_name, d.name_ur AS district_name_ur,
       r.id AS region_id, r.code AS region_code, r.name AS region_name, r.name_ur AS region_name_ur,
       p.id AS province_id, p.code AS province_code, p.name AS province_name, p.name_ur AS province_name_ur,
       coalesce(l.after_on_border, false) AS on_border
FROM located l
LEFT JOIN jurisdictions d ON d.id = l.after_id
LEFT JOIN jurisdictions r ON r.id = d.parent_id
LEFT JOIN jurisdictions p ON p.id = r.parent_id
WHERE l.before_code IS DISTINCT FROM l.after_code
  AND l.current_code IS NOT DISTINCT FROM l.before_code
ORDER BY l.last_seen_at;
