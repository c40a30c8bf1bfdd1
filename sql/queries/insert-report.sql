-- Stores one missing-child report in a single statement, and so atomically: the case, its photo
-- (when $16 is not null), an alert per target post, an outbox row per officer SMS, the reporter's
-- SMS and the dashboard update. Returns the case id, its creation time and the outbox ids.
--
-- $1 tracking code, $2-$5 child name/age/sex/description, $6 last seen at, $7 lon, $8 lat,
-- $9 reporter name, $10 reporter phone, $11-$13 district/region/province ids (null outside every
-- district), $14 boundary version id, $15 on border,
-- $16-$21 photo content/media type/byte size/width/height/sha256,
-- $22 alert jurisdiction ids, $23 alert posts, $24 officer jurisdiction codes, $25 officer posts,
-- $26 SMS body per post (same order as $23), $27 the reporter's SMS, $28 the dashboard event type,
-- $29 the boundary version the point was geofenced against (in memory or in PostGIS), or null when no
-- version was live. Nothing is stored, and no row returned, when another version is live when this
-- statement runs: the caller then geofences again. A boundary switch holds a lock on cases until it
-- commits. This statement reads the live version after it has that lock, so a report sent during a
-- switch is stored with the version that is live at its commit.
-- $30 the client's idempotency key (or null), $31 the hash of the request. Nothing is stored either
-- when a case with that key exists: the caller then returns that case.
-- $32 deadline duties and $33 their minutes: the clocks of a case routed to a district ($11 not null),
-- started at the case's creation time, truncated to milliseconds like a JavaScript Date.
-- $34 the place as the reporter typed it (or null).
WITH new_case AS (
  INSERT INTO cases (tracking_code, child_name, child_age, child_sex, child_description, last_seen_at, last_seen,
                     reporter_name, reporter_phone, district_id, region_id, province_id, boundary_version_id, on_border,
                     idempotency_key, request_sha256, last_seen_place_description)
  SELECT $1, $2, $3, $4, $5, $6, ST_SetSRID(ST_MakePoint($7, $8), 4326), $9, $10, $11, $12, $13, $14, $15, $30, $31,
         $34
  WHERE $29::integer IS NOT DISTINCT FROM (SELECT id FROM boundary_versions WHERE status = 'live')
  ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
  RETURNING id, created_at
),
new_photo AS (
  INSERT INTO case_photos (case_id, content, media_type, byte_size, width, height, sha256)
  SELECT new_case.id, $16, $17, $18, $19, $20, $21
  FROM new_case
  WHERE $16::bytea IS NOT NULL
),
new_deadlines AS (
  INSERT INTO case_deadlines (case_id, duty, started_at, due_at)
  SELECT new_case.id, deadline.duty, date_trunc('milliseconds', new_case.created_at),
         date_trunc('milliseconds', new_case.created_at) + make_interval(mins => deadline.minutes)
  FROM new_case, unnest($32::text[], $33::integer[]) AS deadline (duty, minutes)
  WHERE $11::integer IS NOT NULL
),
new_alerts AS (
  INSERT INTO alerts (case_id, jurisdiction_id, post)
  SELECT new_case.id, target.jurisdiction_id, target.post
  FROM new_case, unnest($22::integer[], $23::text[]) AS target (jurisdiction_id, post)
  RETURNING id, post
),
officers AS (
  SELECT o.post, o.phone
  FROM duty_officers o
  JOIN unnest($24::text[], $25::text[]) AS wanted (code, post)
    ON wanted.code = o.jurisdiction_code AND wanted.post = o.post
),
new_outbox AS (
  INSERT INTO outbox (kind, case_id, alert_id, recipient, payload)
  SELECT 'sms', new_case.id, new_alerts.id, officers.phone, jsonb_build_object('body', body.text)
  FROM new_case
  CROSS JOIN officers
  JOIN new_alerts ON new_alerts.post = officers.post
  JOIN unnest($23::text[], $26::text[]) AS body (post, text) ON body.post = officers.post
  UNION ALL
  SELECT 'sms', new_case.id, NULL, $10, jsonb_build_object('body', $27::text)
  FROM new_case
  UNION ALL
  SELECT 'dashboard', new_case.id, NULL, NULL, jsonb_build_object('type', $28::text, 'caseId', new_case.id)
  FROM new_case
  RETURNING id
)
SELECT new_case.id, new_case.created_at, (SELECT array_agg(id) FROM new_outbox) AS outbox_ids
FROM new_case;
