-- Moves one case to the district that a new live boundary version puts its last-seen point in, in
-- one statement. It sets the case's district, region, province, version and on_border, and raises
-- an alert per target post. An alert the case raised before for the same post and jurisdiction
-- (e.g. before a rollback) is raised again, unacknowledged. It also writes an outbox SMS per duty
-- officer of those posts, the dashboard update and the case event that explains the move, and
-- returns the outbox ids.
--
-- $1 case id, $2-$4 new district/region/province ids (all null when the point is now outside every
-- district), $5 the version now live, $6 on border, $7 alert jurisdiction ids, $8 alert posts,
-- $9 officer jurisdiction codes, $10 officer posts, $11 SMS body per post (same order as $8),
-- $12 the dashboard event type, $13 the case event details as JSON.
WITH moved AS (
  UPDATE cases
  SET district_id = $2, region_id = $3, province_id = $4, boundary_version_id = $5, on_border = $6
  WHERE id = $1
  RETURNING id
),
raised AS (
  INSERT INTO alerts (case_id, jurisdiction_id, post)
  SELECT moved.id, target.jurisdiction_id, target.post
  FROM moved, unnest($7::integer[], $8::text[]) AS target (jurisdiction_id, post)
  ON CONFLICT (case_id, jurisdiction_id, post) WHERE kind = 'report'
    DO UPDATE SET created_at = now(), acknowledged_at = NULL
  RETURNING id, post
),
officers AS (
  SELECT o.post, o.phone
  FROM duty_officers o
  JOIN unnest($9::text[], $10::text[]) AS wanted (code, post)
    ON wanted.code = o.jurisdiction_code AND wanted.post = o.post
),
new_outbox AS (
  INSERT INTO outbox (kind, case_id, alert_id, recipient, payload)
  SELECT 'sms', moved.id, raised.id, officers.phone, jsonb_build_object('body', body.text)
  FROM moved
  CROSS JOIN officers
  JOIN raised ON raised.post = officers.post
  JOIN unnest($8::text[], $11::text[]) AS body (post, text) ON body.post = officers.post
  UNION ALL
  SELECT 'dashboard', moved.id, NULL, NULL,
         jsonb_build_object('type', $12::text, 'caseId', moved.id,
                            'alertIds', (SELECT coalesce(jsonb_agg(id), '[]'::jsonb) FROM raised))
  FROM moved
  RETURNING id
),
event AS (
  INSERT INTO case_events (case_id, kind, actor, details)
  SELECT moved.id, 'rerouted', 'system', $13::jsonb
  FROM moved
)
SELECT (SELECT array_agg(id) FROM new_outbox) AS outbox_ids
FROM moved;
