import type { Knex } from 'knex';
import type { Post } from './case-repository.js';

export interface DutyOfficer {
  jurisdictionCode: string;
  post: Post;
  name: string;
  phone: string;
}

/** All SQL about who holds each post and receives its SMS. */
export class DutyOfficerRepository {
  constructor(private readonly db: Knex) {}

  /** Officers holding any of the given (jurisdiction code, post) pairs. */
  async findForPosts(
    connection: Knex | Knex.Transaction,
    posts: { jurisdictionCode: string; post: Post }[],
  ): Promise<DutyOfficer[]> {
    if (posts.length === 0) return [];
    const result = await connection.raw<{ rows: DutyOfficer[] }>(
      `SELECT o.jurisdiction_code AS "jurisdictionCode", o.post, o.name, o.phone
       FROM duty_officers o
       JOIN unnest(?::text[], ?::text[]) AS wanted(code, post)
         ON wanted.code = o.jurisdiction_code AND wanted.post = o.post`,
      [posts.map((post) => post.jurisdictionCode), posts.map((post) => post.post)],
    );
    return result.rows;
  }

  async upsert(officers: DutyOfficer[]): Promise<number> {
    if (officers.length === 0) return 0;
    const rows = officers.map((officer) => ({
      jurisdiction_code: officer.jurisdictionCode,
      post: officer.post,
      name: officer.name,
      phone: officer.phone,
    }));
    await this.db('duty_officers')
      .insert(rows)
      .onConflict(['jurisdiction_code', 'post', 'phone'])
      .merge(['name']);
    return rows.length;
  }
}
