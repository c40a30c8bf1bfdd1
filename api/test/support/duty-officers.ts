import type { Knex } from 'knex';

export const LAHORE_DPO_PHONE = '+923001110001';
export const LAHORE_RPO_PHONE = '+923001110002';

/** Gives Lahore district a DPO and Lahore division an RPO, so reports there raise two officer SMS. */
export async function seedLahoreOfficers(db: Knex): Promise<void> {
  await db('duty_officers')
    .insert([
      { jurisdiction_code: 'PK-PB-LAHORE', post: 'DPO', name: 'Test DPO Lahore', phone: LAHORE_DPO_PHONE },
      {
        jurisdiction_code: 'PK-PB-LAHORE-DIV',
        post: 'RPO',
        name: 'Test RPO Lahore',
        phone: LAHORE_RPO_PHONE,
      },
    ])
    .onConflict(['jurisdiction_code', 'post', 'phone'])
    .ignore();
}

/** A valid report body for a child last seen in Lahore; `overrides` replace top-level parts. */
export function lahoreReport(overrides: Record<string, unknown> = {}) {
  return {
    child: { name: 'Test Child', age: 7, sex: 'female', description: 'red shirt' },
    lastSeen: { lat: 31.49352, lon: 74.3917, at: new Date(Date.now() - 30 * 60_000).toISOString() },
    reporter: { name: 'Test Reporter', phone: '+923001234567' },
    ...overrides,
  };
}
