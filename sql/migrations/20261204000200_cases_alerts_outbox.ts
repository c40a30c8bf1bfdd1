import type { Knex } from 'knex';

// Cases, the alerts they raise, and the transactional outbox that the worker delivers.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- Who receives a post's SMS alerts. Keyed by jurisdiction code, which stays stable across boundary versions.
    CREATE TABLE duty_officers (
      id                serial PRIMARY KEY,
      jurisdiction_code text NOT NULL COLLATE "C",
      post              text NOT NULL CHECK (post IN ('DPO', 'RPO', 'IG')),
      name              text NOT NULL,
      phone             text NOT NULL,
      UNIQUE (jurisdiction_code, post, phone)
    );

    CREATE TABLE cases (
      id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      tracking_code       text NOT NULL UNIQUE,
      status              text NOT NULL DEFAULT 'reported',
      child_name          text NOT NULL,
      child_age           smallint NOT NULL CHECK (child_age BETWEEN 0 AND 17),
      child_sex           text NOT NULL CHECK (child_sex IN ('female', 'male', 'other', 'unknown')),
      child_description   text,
      last_seen_at        timestamptz NOT NULL,
      last_seen           geometry(Point, 4326) NOT NULL,
      reporter_name       text NOT NULL,
      reporter_phone      text NOT NULL,
      -- NULL district: the point lay outside every live district; the case waits in the unassigned queue.
      district_id         integer REFERENCES jurisdictions (id),
      region_id           integer REFERENCES jurisdictions (id),
      province_id         integer REFERENCES jurisdictions (id),
      boundary_version_id integer REFERENCES boundary_versions (id),
      on_border           boolean NOT NULL DEFAULT false,
      created_at          timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX cases_district_created ON cases (district_id, created_at DESC);
    CREATE INDEX cases_region_created ON cases (region_id, created_at DESC);
    CREATE INDEX cases_unassigned ON cases (created_at DESC) WHERE district_id IS NULL;

    -- Photos live in Postgres next to their case, so a report is stored whole or not at all.
    CREATE TABLE case_photos (
      id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id     uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
      media_type  text NOT NULL,
      byte_size   integer NOT NULL,
      width       integer NOT NULL,
      height      integer NOT NULL,
      sha256      text NOT NULL,
      content     bytea NOT NULL,
      created_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX case_photos_case ON case_photos (case_id);

    CREATE TABLE alerts (
      id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      case_id           uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
      jurisdiction_id   integer NOT NULL REFERENCES jurisdictions (id),
      post              text NOT NULL CHECK (post IN ('DPO', 'RPO', 'IG')),
      created_at        timestamptz NOT NULL DEFAULT now(),
      acknowledged_at   timestamptz,
      UNIQUE (case_id, jurisdiction_id, post)
    );
    CREATE INDEX alerts_jurisdiction_created ON alerts (jurisdiction_id, created_at DESC);

    -- Transactional outbox: written in the same transaction as the case, delivered by the worker.
    -- An SMS row's id doubles as its idempotency key at the gateway, so a retry never sends twice.
    CREATE TABLE outbox (
      id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      kind               text NOT NULL CHECK (kind IN ('sms', 'dashboard')),
      case_id            uuid REFERENCES cases (id) ON DELETE CASCADE,
      alert_id           uuid REFERENCES alerts (id) ON DELETE CASCADE,
      recipient          text,
      payload            jsonb NOT NULL,
      status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
      attempts           integer NOT NULL DEFAULT 0,
      last_error         text,
      gateway_message_id text,
      created_at         timestamptz NOT NULL DEFAULT now(),
      sent_at            timestamptz,
      CHECK (kind <> 'sms' OR recipient IS NOT NULL)
    );
    CREATE INDEX outbox_pending ON outbox (created_at) WHERE status = 'pending';
    CREATE INDEX outbox_case ON outbox (case_id);

    -- What the development SMS driver "sends": one row per outbox message, never two.
    CREATE TABLE sms_log (
      id         bigserial PRIMARY KEY,
      outbox_id  uuid NOT NULL UNIQUE REFERENCES outbox (id) ON DELETE CASCADE,
      recipient  text NOT NULL,
      body       text NOT NULL,
      logged_at  timestamptz NOT NULL DEFAULT now()
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS sms_log, outbox, alerts, case_photos, cases, duty_officers');
}
