import type { Knex } from 'knex';
import { CASE_VIEW_COLUMNS, type CaseView, type CaseViewRow, toCaseView } from './case-repository.js';
import type { JurisdictionPath } from './jurisdiction-repository.js';

/** Limits within which two reports count as the same child by their details. */
export interface DuplicateCriteria {
  maxAgeDifference: number;
  maxDistanceMetres: number;
  maxDaysApart: number;
}

export interface DuplicateLink {
  id: string;
  otherCaseId: string;
  linkedAt: string;
  linkedBy: string;
  reason: string;
}

/** A case that may report the same child, with where it lies for the access check. */
export interface CandidateRow {
  view: CaseView;
  path: JurisdictionPath;
}

const CASE_JOINS = `
  LEFT JOIN jurisdictions d ON d.id = c.district_id
  LEFT JOIN jurisdictions r ON r.id = c.region_id
  LEFT JOIN jurisdictions p ON p.id = c.province_id`;

type CandidateSqlRow = CaseViewRow & { province_code: string | null };

function toCandidate(row: CandidateSqlRow): CandidateRow {
  return {
    view: toCaseView(row),
    path: { district: row.district_code, region: row.region_code, province: row.province_code },
  };
}

/** Orders a pair of case ids the way case_duplicate_links stores them: the smaller first. */
function ordered(first: string, second: string): [string, string] {
  return first < second ? [first, second] : [second, first];
}

/** All SQL about duplicate candidates and the links officers make between cases. */
export class DuplicateRepository {
  constructor(private readonly db: Knex) {}

  /**
   * Lists other cases with the same normalised child name, an age within `maxAgeDifference`, a
   * last-seen point within `maxDistanceMetres` and a last-seen time within `maxDaysApart`.
   */
  async listByDetails(caseId: string, criteria: DuplicateCriteria, limit: number): Promise<CandidateRow[]> {
    const result = await this.db.raw<{ rows: CandidateSqlRow[] }>(
      `SELECT ${CASE_VIEW_COLUMNS}, p.code AS province_code
       FROM cases base
       JOIN cases c ON normalised_child_name(c.child_name) = normalised_child_name(base.child_name)
                   AND c.id <> base.id
       ${CASE_JOINS}
       WHERE base.id = ?
         AND abs(c.child_age - base.child_age) <= ?
         AND ST_DWithin(c.last_seen::geography, base.last_seen::geography, ?)
         AND abs(extract(epoch FROM c.last_seen_at - base.last_seen_at)) <= ? * 86400
       ORDER BY c.created_at DESC
       LIMIT ?`,
      [caseId, criteria.maxAgeDifference, criteria.maxDistanceMetres, criteria.maxDaysApart, limit],
    );
    return result.rows.map(toCandidate);
  }

  async findCandidates(caseIds: string[]): Promise<CandidateRow[]> {
    if (caseIds.length === 0) return [];
    const result = await this.db.raw<{ rows: CandidateSqlRow[] }>(
      `SELECT ${CASE_VIEW_COLUMNS}, p.code AS province_code FROM cases c ${CASE_JOINS} WHERE c.id = ANY(?::uuid[])`,
      [caseIds],
    );
    return result.rows.map(toCandidate);
  }

  /** Lists the face descriptors of a case's photos. */
  async listCaseDescriptors(caseId: string): Promise<Buffer[]> {
    const rows = await this.db('faces as f')
      .join('case_photos as p', 'p.id', 'f.case_photo_id')
      .where('p.case_id', caseId)
      .select('f.descriptor');
    return rows.map((row: { descriptor: Buffer }) => row.descriptor);
  }

  /** Maps face ids of case photos to their case ids. */
  async findCaseIdsOfFaces(faceIds: string[]): Promise<Map<string, string>> {
    const byFace = new Map<string, string>();
    if (faceIds.length === 0) return byFace;
    const rows = await this.db('faces as f')
      .join('case_photos as p', 'p.id', 'f.case_photo_id')
      .whereIn('f.id', faceIds)
      .select('f.id', 'p.case_id');
    for (const row of rows as { id: string; case_id: string }[]) byFace.set(String(row.id), row.case_id);
    return byFace;
  }

  /** Lists the links of a case that are in force, from the side of `caseId`. */
  async listActiveLinks(caseId: string): Promise<DuplicateLink[]> {
    const result = await this.db.raw<{ rows: DuplicateLink[] }>(
      `SELECT id::text, CASE WHEN case_id = ? THEN other_case_id ELSE case_id END AS "otherCaseId",
              linked_at AS "linkedAt", linked_by AS "linkedBy", link_reason AS reason
       FROM case_duplicate_links
       WHERE (case_id = ? OR other_case_id = ?) AND unlinked_at IS NULL
       ORDER BY linked_at`,
      [caseId, caseId, caseId],
    );
    return result.rows.map((row) => ({ ...row, linkedAt: new Date(row.linkedAt).toISOString() }));
  }

  /**
   * Links two cases unless a link is in force already; the partial unique index
   * case_duplicate_links_active decides. Returns the new link id, or undefined when they were linked.
   */
  async link(
    trx: Knex.Transaction,
    caseId: string,
    otherCaseId: string,
    accountId: string,
    reason: string,
  ): Promise<string | undefined> {
    const [first, second] = ordered(caseId, otherCaseId);
    const result = await trx.raw<{ rows: { id: string }[] }>(
      `INSERT INTO case_duplicate_links (case_id, other_case_id, linked_by, link_reason)
       VALUES (?, ?, ?, ?)
       ON CONFLICT (case_id, other_case_id) WHERE unlinked_at IS NULL DO NOTHING
       RETURNING id::text`,
      [first, second, accountId, reason],
    );
    return result.rows[0]?.id;
  }

  /** Ends the link in force between two cases. Returns its id, or undefined when there was none. */
  async unlink(
    trx: Knex.Transaction,
    caseId: string,
    otherCaseId: string,
    accountId: string,
    reason: string,
  ): Promise<string | undefined> {
    const [first, second] = ordered(caseId, otherCaseId);
    const result = await trx.raw<{ rows: { id: string }[] }>(
      `UPDATE case_duplicate_links
       SET unlinked_at = now(), unlinked_by = ?, unlink_reason = ?
       WHERE case_id = ? AND other_case_id = ? AND unlinked_at IS NULL
       RETURNING id::text`,
      [accountId, reason, first, second],
    );
    return result.rows[0]?.id;
  }
}
