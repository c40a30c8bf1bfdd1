import type { Knex } from 'knex';
import { CASE_STATES, isFinal } from '../cases/case-states.js';
import type { ChildSex } from './case-repository.js';

/** Case states that take a child off the register at once (recovered, closed). */
const FINAL_STATES: string[] = CASE_STATES.filter(isFinal);

/**
 * Size of the grid cell that replaces the exact last-seen point, in degrees. 0.01° is about 1.1 km
 * north-south and 0.95 km east-west in Punjab: enough to name the neighbourhood where searchers
 * should look, while a cell in a town holds hundreds of homes, so it does not point at the family's.
 */
export const LAST_SEEN_CELL_DEGREES = 0.01;

export interface RegisterFilter {
  name?: string;
  ageMin?: number;
  ageMax?: number;
  sex?: ChildSex;
  district?: string;
  seenFrom?: string;
  seenTo?: string;
  page: number;
  pageSize: number;
}

/**
 * One child as the public register shows it. The reporter's free-text description is left out because
 * families often write their address into it; so are the reporter, the case id and the exact point.
 */
export interface RegisterEntry {
  publicId: string;
  name: string;
  age: number;
  sex: ChildSex;
  district: { code: string; name: string; nameUr: string | null } | null;
  /** The calendar day in Pakistan time (UTC+5), not the hour. */
  lastSeenOn: string;
  /** Centre of the 0.01° cell around the last-seen point, and the cell itself as [west, south, east, north]. */
  lastSeenArea: { lat: number; lon: number; bounds: [number, number, number, number] };
  photoIds: string[];
}

interface RegisterRow {
  public_id: string;
  display_name: string;
  child_age: number;
  child_sex: ChildSex;
  district_code: string | null;
  district_name: string | null;
  district_name_ur: string | null;
  last_seen_on: string;
  cell_south: number;
  cell_west: number;
  photo_ids: string[] | null;
}

// The published name, or else the first word of the child's name: families are asked before a full
// name goes on a public page.
const REGISTER_COLUMNS = `
  c.public_id,
  coalesce(c.public_name, split_part(btrim(c.child_name), ' ', 1)) AS display_name,
  c.child_age, c.child_sex,
  d.code AS district_code, d.name AS district_name, d.name_ur AS district_name_ur,
  to_char(c.last_seen_at AT TIME ZONE 'Asia/Karachi', 'YYYY-MM-DD') AS last_seen_on,
  floor(ST_Y(c.last_seen) / :cell) * :cell AS cell_south,
  floor(ST_X(c.last_seen) / :cell) * :cell AS cell_west,
  (SELECT array_agg(p.id ORDER BY p.created_at, p.id) FROM case_photos p WHERE p.case_id = c.id) AS photo_ids`;

const LISTED = `c.published_at IS NOT NULL AND c.register_takedown_at IS NULL AND c.status <> ALL (CAST(:finalStates AS text[]))`;

/** All SQL about the public register: listing published open cases and taking a child off it. */
export class PublicRegisterRepository {
  constructor(private readonly db: Knex) {}

  async list(filter: RegisterFilter): Promise<{ entries: RegisterEntry[]; total: number }> {
    const conditions = [LISTED];
    const bindings: Record<string, unknown> = {
      cell: LAST_SEEN_CELL_DEGREES,
      finalStates: FINAL_STATES,
      limit: filter.pageSize,
      offset: (filter.page - 1) * filter.pageSize,
    };
    if (filter.name) {
      conditions.push(
        `coalesce(c.public_name, split_part(btrim(c.child_name), ' ', 1)) ILIKE :namePattern ESCAPE '\\'`,
      );
      bindings.namePattern = `%${filter.name.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
    }
    if (filter.ageMin !== undefined) {
      conditions.push('c.child_age >= :ageMin');
      bindings.ageMin = filter.ageMin;
    }
    if (filter.ageMax !== undefined) {
      conditions.push('c.child_age <= :ageMax');
      bindings.ageMax = filter.ageMax;
    }
    if (filter.sex) {
      conditions.push('c.child_sex = :sex');
      bindings.sex = filter.sex;
    }
    if (filter.district) {
      conditions.push('d.code = :district');
      bindings.district = filter.district;
    }
    if (filter.seenFrom) {
      conditions.push(`c.last_seen_at >= (:seenFrom::date)::timestamp AT TIME ZONE 'Asia/Karachi'`);
      bindings.seenFrom = filter.seenFrom;
    }
    if (filter.seenTo) {
      conditions.push(`c.last_seen_at < (:seenTo::date + 1)::timestamp AT TIME ZONE 'Asia/Karachi'`);
      bindings.seenTo = filter.seenTo;
    }

    const result = await this.db.raw<{ rows: (RegisterRow & { total: string })[] }>(
      `SELECT ${REGISTER_COLUMNS}, count(*) OVER () AS total
       FROM cases c
       LEFT JOIN jurisdictions d ON d.id = c.district_id
       WHERE ${conditions.join(' AND ')}
       ORDER BY c.last_seen_at DESC, c.id
       LIMIT :limit OFFSET :offset`,
      bindings,
    );
    const total = result.rows[0] ? Number(result.rows[0].total) : await this.count(conditions, bindings);
    return { entries: result.rows.map(toEntry), total };
  }

  /** Counts the matches when the requested page lies past the last one (the window count is then absent). */
  private async count(conditions: string[], bindings: Record<string, unknown>): Promise<number> {
    const result = await this.db.raw<{ rows: { total: string }[] }>(
      `SELECT count(*) AS total FROM cases c LEFT JOIN jurisdictions d ON d.id = c.district_id
       WHERE ${conditions.join(' AND ')}`,
      bindings,
    );
    return Number(result.rows[0]?.total ?? 0);
  }

  /** Lists the districts that have listed children, for the register's district filter. */
  async listDistricts(): Promise<{ code: string; name: string; nameUr: string | null; children: number }[]> {
    const result = await this.db.raw<{
      rows: { code: string; name: string; nameUr: string | null; children: string }[];
    }>(
      `SELECT d.code, d.name, d.name_ur AS "nameUr", count(*) AS children
       FROM cases c JOIN jurisdictions d ON d.id = c.district_id
       WHERE ${LISTED}
       GROUP BY d.code, d.name, d.name_ur
       ORDER BY d.name`,
      { finalStates: FINAL_STATES },
    );
    return result.rows.map((row) => ({ ...row, children: Number(row.children) }));
  }

  /** Finds a child by public id: the entry while listed, 'removed' once it left the register, undefined if unknown. */
  async find(publicId: string): Promise<RegisterEntry | 'removed' | undefined> {
    const result = await this.db.raw<{ rows: (RegisterRow & { listed: boolean })[] }>(
      `SELECT ${REGISTER_COLUMNS}, (${LISTED}) AS listed
       FROM cases c
       LEFT JOIN jurisdictions d ON d.id = c.district_id
       WHERE c.public_id = :publicId`,
      { cell: LAST_SEEN_CELL_DEGREES, finalStates: FINAL_STATES, publicId },
    );
    const row = result.rows[0];
    if (!row) return undefined;
    return row.listed ? toEntry(row) : 'removed';
  }

  /** Finds a photo of a listed child; undefined when the child is not listed or has no such photo. */
  async findPhoto(publicId: string, photoId: string) {
    const result = await this.db.raw<{ rows: { mediaType: string; content: Buffer }[] }>(
      `SELECT p.media_type AS "mediaType", p.content
       FROM case_photos p JOIN cases c ON c.id = p.case_id
       WHERE c.public_id = :publicId AND p.id = :photoId AND ${LISTED}`,
      { publicId, photoId, finalStates: FINAL_STATES },
    );
    return result.rows[0];
  }

  /**
   * Records the family's takedown request and clears the publication, in the caller's transaction.
   * Returns whether the child was listed until now.
   */
  async takeDown(trx: Knex.Transaction, caseId: string): Promise<{ wasPublished: boolean }> {
    const before = await trx('cases').where({ id: caseId }).forUpdate().first('published_at as publishedAt');
    await trx('cases')
      .where({ id: caseId })
      .update({ published_at: null, register_takedown_at: trx.raw('coalesce(register_takedown_at, now())') });
    return { wasPublished: Boolean(before?.publishedAt) };
  }
}

function toEntry(row: RegisterRow): RegisterEntry {
  const south = roundCell(Number(row.cell_south));
  const west = roundCell(Number(row.cell_west));
  const north = roundCell(south + LAST_SEEN_CELL_DEGREES);
  const east = roundCell(west + LAST_SEEN_CELL_DEGREES);
  return {
    publicId: row.public_id,
    name: row.display_name,
    age: row.child_age,
    sex: row.child_sex,
    district: row.district_code
      ? { code: row.district_code, name: row.district_name ?? '', nameUr: row.district_name_ur }
      : null,
    lastSeenOn: row.last_seen_on,
    lastSeenArea: {
      lat: roundCell(south + LAST_SEEN_CELL_DEGREES / 2),
      lon: roundCell(west + LAST_SEEN_CELL_DEGREES / 2),
      bounds: [west, south, east, north],
    },
    photoIds: row.photo_ids ?? [],
  };
}

/** Rounds to 1e-4°, which removes floating-point noise and keeps every cell edge exact. */
function roundCell(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
