import type { Knex } from 'knex';

// Face similarity search: the faces found in every stored photo, public sightings with their photos,
// candidate matches between sighting faces and case faces, the public register flag on cases, and an
// append-only case timeline. The faiss index is derived from the faces table and never stored here.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- Set by an officer when the case may be shown to the public (face search, register).
    ALTER TABLE cases ADD COLUMN published_at timestamptz;

    -- Face processing state of a case photo. NULL faces_processed_at: the face job has not run yet,
    -- and the sweeper queues it. face_count 0 marks a photo processed that shows no face.
    ALTER TABLE case_photos
      ADD COLUMN faces_processed_at timestamptz,
      ADD COLUMN face_count integer CHECK (face_count >= 0),
      ADD COLUMN face_model_version text;
    CREATE INDEX case_photos_unprocessed ON case_photos (created_at) WHERE faces_processed_at IS NULL;

    -- A sighting reported by the public: where and when a child was seen, routed to the district of
    -- that place. case_id is set when the reporter named a registered case by its tracking code.
    CREATE TABLE sightings (
      id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id             uuid REFERENCES cases (id) ON DELETE SET NULL,
      seen_at             timestamptz NOT NULL,
      place               geometry(Point, 4326) NOT NULL,
      description         text,
      reporter_phone      text,
      district_id         integer REFERENCES jurisdictions (id),
      region_id           integer REFERENCES jurisdictions (id),
      province_id         integer REFERENCES jurisdictions (id),
      boundary_version_id integer REFERENCES boundary_versions (id),
      on_border           boolean NOT NULL DEFAULT false,
      created_at          timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX sightings_district_created ON sightings (district_id, created_at DESC);
    CREATE INDEX sightings_case ON sightings (case_id) WHERE case_id IS NOT NULL;

    CREATE TABLE sighting_photos (
      id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      sighting_id        uuid NOT NULL REFERENCES sightings (id) ON DELETE CASCADE,
      media_type         text NOT NULL,
      byte_size          integer NOT NULL,
      width              integer NOT NULL,
      height             integer NOT NULL,
      sha256             text NOT NULL,
      content            bytea NOT NULL,
      created_at         timestamptz NOT NULL DEFAULT now(),
      faces_processed_at timestamptz,
      face_count         integer CHECK (face_count >= 0),
      face_model_version text
    );
    CREATE INDEX sighting_photos_sighting ON sighting_photos (sighting_id);
    CREATE INDEX sighting_photos_unprocessed ON sighting_photos (created_at) WHERE faces_processed_at IS NULL;

    -- One row per face found in a stored photo. The id is a bigint that is never reused, so a stale
    -- index entry can never point at another face. Boxes are pixels of the stored photo.
    CREATE TABLE faces (
      id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      case_photo_id     uuid REFERENCES case_photos (id) ON DELETE CASCADE,
      sighting_photo_id uuid REFERENCES sighting_photos (id) ON DELETE CASCADE,
      box_x             real NOT NULL,
      box_y             real NOT NULL,
      box_width         real NOT NULL CHECK (box_width > 0),
      box_height        real NOT NULL CHECK (box_height > 0),
      detection_score   real NOT NULL,
      quality           real NOT NULL,
      is_primary        boolean NOT NULL,
      model_version     text NOT NULL,
      -- 128 little-endian float32 values of the unit-length descriptor.
      descriptor        bytea NOT NULL CHECK (octet_length(descriptor) = 512),
      -- A small JPEG of the face, shown next to search results and match reviews.
      crop              bytea NOT NULL,
      created_at        timestamptz NOT NULL DEFAULT now(),
      CHECK (num_nonnulls(case_photo_id, sighting_photo_id) = 1)
    );
    CREATE INDEX faces_case_photo ON faces (case_photo_id) WHERE case_photo_id IS NOT NULL;
    CREATE INDEX faces_sighting_photo ON faces (sighting_photo_id) WHERE sighting_photo_id IS NOT NULL;

    -- A sighting face that resembles a case face. It is a lead for an officer to review, never an
    -- identification; strong marks a similarity at or above the alert threshold. A match outlives its
    -- faces (photo withdrawn, faces recomputed), so its review and its alerts stay on record.
    CREATE TABLE face_matches (
      id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      sighting_face_id bigint REFERENCES faces (id) ON DELETE SET NULL,
      case_face_id     bigint REFERENCES faces (id) ON DELETE SET NULL,
      sighting_id      uuid NOT NULL REFERENCES sightings (id) ON DELETE CASCADE,
      case_id          uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
      similarity       real NOT NULL,
      strong           boolean NOT NULL,
      status           text NOT NULL DEFAULT 'candidate' CHECK (status IN ('candidate', 'confirmed', 'rejected')),
      reviewed_at      timestamptz,
      reviewed_by      text,
      review_reason    text,
      created_at       timestamptz NOT NULL DEFAULT now(),
      UNIQUE (sighting_face_id, case_face_id),
      CHECK ((status = 'candidate') = (reviewed_at IS NULL))
    );
    CREATE INDEX face_matches_candidates ON face_matches (created_at DESC) WHERE status = 'candidate';
    CREATE INDEX face_matches_case ON face_matches (case_id);

    -- A strong sighting match raises alerts of its own kind, so a case may now have several alerts
    -- for the same post: one from the report and one per match.
    ALTER TABLE alerts
      ADD COLUMN kind text NOT NULL DEFAULT 'report' CHECK (kind IN ('report', 'face-match')),
      ADD COLUMN face_match_id uuid REFERENCES face_matches (id) ON DELETE CASCADE,
      ADD CHECK ((kind = 'face-match') = (face_match_id IS NOT NULL));
    ALTER TABLE alerts DROP CONSTRAINT alerts_case_id_jurisdiction_id_post_key;
    CREATE UNIQUE INDEX alerts_report_post ON alerts (case_id, jurisdiction_id, post) WHERE kind = 'report';
    CREATE UNIQUE INDEX alerts_face_match_post ON alerts (face_match_id, jurisdiction_id, post)
      WHERE kind = 'face-match';

    -- What happened to a case, in order. General on purpose: reviews, publication, photos and the
    -- dispatch workflow all append here. Rows are never changed or deleted, except when the case
    -- itself is deleted.
    CREATE TABLE case_events (
      id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      case_id  uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
      at       timestamptz NOT NULL DEFAULT now(),
      kind     text NOT NULL,
      actor    text NOT NULL,
      details  jsonb NOT NULL DEFAULT '{}'::jsonb
    );
    CREATE INDEX case_events_case_at ON case_events (case_id, at, id);

    -- pg_trigger_depth() is 1 for a statement on case_events itself and greater when the foreign
    -- key's ON DELETE CASCADE runs it, so deleting a case still removes its timeline.
    CREATE FUNCTION case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF pg_trigger_depth() > 1 AND TG_OP = 'DELETE' THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'case_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
    END;
    $$;
    CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
      FOR EACH ROW EXECUTE FUNCTION case_events_append_only();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE IF EXISTS case_events;
    DROP FUNCTION IF EXISTS case_events_append_only();
    DROP INDEX IF EXISTS alerts_face_match_post;
    DROP INDEX IF EXISTS alerts_report_post;
    DELETE FROM alerts WHERE kind = 'face-match';
    ALTER TABLE alerts DROP COLUMN IF EXISTS face_match_id, DROP COLUMN IF EXISTS kind;
    ALTER TABLE alerts ADD CONSTRAINT alerts_case_id_jurisdiction_id_post_key UNIQUE (case_id, jurisdiction_id, post);
    DROP TABLE IF EXISTS face_matches, faces, sighting_photos, sightings;
    DROP INDEX IF EXISTS case_photos_unprocessed;
    ALTER TABLE case_photos
      DROP COLUMN IF EXISTS faces_processed_at,
      DROP COLUMN IF EXISTS face_count,
      DROP COLUMN IF EXISTS face_model_version;
    ALTER TABLE cases DROP COLUMN IF EXISTS published_at;
  `);
}
