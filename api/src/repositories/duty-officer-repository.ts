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
