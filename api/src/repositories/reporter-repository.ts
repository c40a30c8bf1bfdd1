import type { Knex } from 'knex';
import { CASE_STATES, isFinal } from '../cases/case-states.js';

const FINAL_STATES: string[] = CASE_STATES.filter(isFinal);

/** A case as its reporter may see it after proving the tracking code and phone number. */
export interface ReporterCase {
  id: string;
  publicId: string;
  listed: boolean;
  takenDown: boolean;
}

export interface ReporterUpdate {
  at: Date;
  text: string | null;
  photo: boolean;
}

/** All SQL about what a reporter does with their own case: finding it, and their later additions. */
export class ReporterRepository {
  constructor(private readonly db: Knex) {}

  /** Finds the case with this tracking code and reporter phone (E.164); undefined when either differs. */
  async findCase(trackingCode: string, phone: string): Promise<ReporterCase | undefined> {
    const result = await this.db.raw<{ rows: ReporterCase[] }>(
      `SELECT id, public_id AS "publicId",
              (published_at IS NOT NULL AND register_takedown_at IS NULL
                AND status <> ALL (CAST(:finalStates AS text[]))) AS listed,
              register_takedown_at IS NOT NULL AS "takenDown"
       FROM cases WHERE tracking_code = :trackingCode AND reporter_phone = :phone`,
      { trackingCode, phone, finalStates: FINAL_STATES },
    );
    return result.rows[0];
  }

  /** Lists the reporter's own additions to a case, oldest first. */
  async listUpdates(caseId: string): Promise<ReporterUpdate[]> {
    const rows = (await this.db('case_events')
      .where({ case_id: caseId, kind: 'reporter-update' })
      .orderBy([{ column: 'at' }, { column: 'id' }])
      .select(
        'at',
        this.db.raw("details->>'text' AS text"),
        this.db.raw("(details->>'photoId') IS NOT NULL AS photo"),
      )) as {
      at: Date;
      text: string | null;
      photo: boolean;
    }[];
    return rows;
  }
}
