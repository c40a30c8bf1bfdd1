import type { Knex } from 'knex';

// The two legal deadlines of each case (FIR and reporter contact), the escalations when one is
// missed, the breaches counted against districts, and alerts of the new kinds 'escalation' and
// 'transfer'.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- One row per case and duty. started_at is when the district was alerted: the report for a case
    -- routed at intake, the transfer for a case that was outside every district. A transfer between
    -- districts keeps the row as it is, so the clock does not restart. done_at is set when the case
    -- reaches the duty's state or ends; rpo_escalated_at and ig_escalated_at are each set once, by a
    -- conditional UPDATE, which is what makes each escalation happen exactly once.
    CREATE TABLE case_deadlines (
      case_id          uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
      duty             text NOT NULL CHECK (duty IN ('fir', 'contact')),
      started_at       timestamptz NOT NULL,
      due_at           timestamptz NOT NULL,
      done_at          timestamptz,
      done_state       text,
      rpo_escalated_at timestamptz,
      ig_escalated_at  timestamptz,
      PRIMARY KEY (case_id, duty),
      CHECK (due_at > started_at),
      CHECK ((done_at IS NULL) = (done_state IS NULL)),
      CHECK (ig_escalated_at IS NULL OR rpo_escalated_at IS NOT NULL)
    );
    CREATE INDEX case_deadlines_open_due ON case_deadlines (due_at) WHERE done_at IS NULL;

    -- A missed deadline, recorded against the district that held the case when it was missed. Codes
    -- as well as ids, so that counts survive a new boundary version.
    CREATE TABLE deadline_breaches (
      id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      case_id       uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
      duty          text NOT NULL CHECK (duty IN ('fir', 'contact')),
      district_id   integer NOT NULL REFERENCES jurisdictions (id),
      district_code text NOT NULL COLLATE "C",
      region_code   text NOT NULL COLLATE "C",
      province_code text NOT NULL COLLATE "C",
      due_at        timestamptz NOT NULL,
      breached_at   timestamptz NOT NULL,
      UNIQUE (case_id, duty)
    );
    CREATE INDEX deadline_breaches_district ON deadline_breaches (district_code, breached_at DESC);
    CREATE INDEX deadline_breaches_region ON deadline_breaches (region_code, breached_at DESC);
    CREATE INDEX deadline_breaches_province ON deadline_breaches (province_code, breached_at DESC);

    -- An escalation alert names the missed duty; at most one per case, duty and post. A transfer
    -- alert goes to the receiving district's DPO, once per transfer.
    ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
    ALTER TABLE alerts
      ADD CONSTRAINT alerts_kind_check CHECK (kind IN ('report', 'face-match', 'escalation', 'transfer')),
      ADD COLUMN deadline_duty text CHECK (deadline_duty IN ('fir', 'contact')),
      ADD CONSTRAINT alerts_escalation_duty CHECK ((kind = 'escalation') = (deadline_duty IS NOT NULL));
    CREATE UNIQUE INDEX alerts_escalation_post ON alerts (case_id, deadline_duty, post) WHERE kind = 'escalation';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX IF EXISTS alerts_escalation_post;
    DELETE FROM alerts WHERE kind IN ('escalation', 'transfer');
    ALTER TABLE alerts
      DROP CONSTRAINT IF EXISTS alerts_escalation_duty,
      DROP COLUMN IF EXISTS deadline_duty,
      DROP CONSTRAINT IF EXISTS alerts_kind_check;
    ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN ('report', 'face-match'));
    DROP TABLE IF EXISTS deadline_breaches, case_deadlines;
  `);
}
