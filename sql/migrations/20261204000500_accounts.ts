import type { Knex } from 'knex';

// Officer accounts with a role and a jurisdiction, their sessions, the case workflow columns and the
// append-only audit trail. The case timeline itself is case_events (20261204000400_faces).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- jurisdiction_code: the district of a DPO, the region of an RPO, the province of an IG or a GIS
    -- officer; NULL for roles that act nationally. Codes, not ids, so a new boundary version keeps
    -- every account valid.
    CREATE TABLE accounts (
      id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      username          text NOT NULL UNIQUE COLLATE "C" CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
      display_name      text NOT NULL,
      role              text NOT NULL CHECK (role IN ('desk_officer', 'dpo', 'rpo', 'ig', 'analyst',
                                                      'gis_officer', 'national_supervisor', 'administrator')),
      jurisdiction_code text COLLATE "C",
      -- The government office where a desk officer files reports for citizens.
      office            text,
      -- A PHC-style string ($scrypt$ln=17,r=8,p=1$salt$key): algorithm, parameters and salt travel
      -- with the hash, so parameters can be raised later without breaking older passwords.
      password_hash     text NOT NULL,
      created_at        timestamptz NOT NULL DEFAULT now(),
      disabled_at       timestamptz,
      CHECK ((role IN ('dpo', 'rpo', 'ig', 'gis_officer')) = (jurisdiction_code IS NOT NULL)),
      CHECK ((role = 'desk_officer') = (office IS NOT NULL))
    );

    -- The cookie carries a random token; only its SHA-256 is stored, so a leaked table opens no session.
    CREATE TABLE account_sessions (
      token_sha256 bytea PRIMARY KEY,
      account_id   uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
      created_at   timestamptz NOT NULL DEFAULT now(),
      expires_at   timestamptz NOT NULL,
      revoked_at   timestamptz
    );
    CREATE INDEX account_sessions_account ON account_sessions (account_id);

    -- Workflow fields of a case. status keeps its old default 'reported'; the allowed values and
    -- moves live in api/src/cases/case-states.ts, and the CHECK guards against anything else.
    ALTER TABLE cases
      ADD COLUMN status_changed_at timestamptz,
      ADD COLUMN fir_number text,
      ADD COLUMN fir_police_station text,
      ADD CONSTRAINT cases_status_known CHECK (status IN ('reported', 'acknowledged', 'reporter_contacted',
        'fir_registered', 'investigating', 'recovered', 'closed', 'transferred'));
    CREATE INDEX cases_province_created ON cases (province_id, created_at DESC);
    CREATE INDEX cases_status_created ON cases (status, created_at DESC);

    -- Who saw or changed what. account_id is NULL for the system (the worker sending an SMS).
    -- No foreign key to cases: the trail outlives a deleted case.
    CREATE TABLE audit_log (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at          timestamptz NOT NULL DEFAULT now(),
      account_id  uuid REFERENCES accounts (id),
      username    text,
      role        text,
      action      text NOT NULL,
      case_id     uuid,
      address     text,
      details     jsonb NOT NULL DEFAULT '{}'::jsonb
    );
    CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC);
    CREATE INDEX audit_log_case ON audit_log (case_id, at DESC) WHERE case_id IS NOT NULL;
    CREATE INDEX audit_log_account ON audit_log (account_id, at DESC) WHERE account_id IS NOT NULL;

    -- The owner role can always UPDATE and DELETE its own tables, so REVOKE would not hold; a trigger
    -- that raises does. TRUNCATE is refused by a statement trigger for the same reason.
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
    END;
    $$;
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

    -- Every SMS the worker sends is audited where it is marked sent, whichever code path sent it.
    -- The recipient stays in the outbox row; the trail names the row.
    CREATE FUNCTION audit_sms_sent() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO audit_log (action, case_id, details)
      VALUES ('sms.sent', NEW.case_id, jsonb_build_object('outboxId', NEW.id, 'gatewayMessageId', NEW.gateway_message_id));
      RETURN NEW;
    END;
    $$;
    CREATE TRIGGER outbox_sms_sent AFTER UPDATE OF status ON outbox
      FOR EACH ROW WHEN (NEW.kind = 'sms' AND NEW.status = 'sent' AND OLD.status <> 'sent')
      EXECUTE FUNCTION audit_sms_sent();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TRIGGER IF EXISTS outbox_sms_sent ON outbox;
    DROP FUNCTION IF EXISTS audit_sms_sent();
    DROP TABLE IF EXISTS audit_log;
    DROP FUNCTION IF EXISTS audit_log_append_only();
    DROP INDEX IF EXISTS cases_status_created;
    DROP INDEX IF EXISTS cases_province_created;
    ALTER TABLE cases
      DROP CONSTRAINT IF EXISTS cases_status_known,
      DROP COLUMN IF EXISTS fir_police_station,
      DROP COLUMN IF EXISTS fir_number,
      DROP COLUMN IF EXISTS status_changed_at;
    DROP TABLE IF EXISTS account_sessions, accounts;
  `);
}
