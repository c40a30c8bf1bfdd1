import type { Knex } from 'knex';
import { CaseRepository } from '../api/src/repositories/case-repository.js';
import { DutyOfficerRepository } from '../api/src/repositories/duty-officer-repository.js';
import { JurisdictionRepository } from '../api/src/repositories/jurisdiction-repository.js';
import { type ReportInput, ReportService } from '../api/src/services/report-service.js';

// Fictional reports at real places, for a first look at the dashboard. The last lies in the
// Arabian Sea, outside every district, so the unassigned queue has an entry too.
const SAMPLE_REPORTS: [
  name: string,
  age: number,
  sex: 'female' | 'male',
  lat: number,
  lon: number,
  hoursAgo: number,
  description: string,
][] = [
  ['Ayesha (sample)', 7, 'female', 31.5204, 74.3587, 1, 'red frock, white sandals'],
  ['Bilal (sample)', 10, 'male', 31.4697, 74.2728, 3, 'blue school uniform, black bag'],
  ['Hira (sample)', 5, 'female', 24.8607, 67.0011, 2, 'yellow shalwar kameez'],
  ['Usman (sample)', 12, 'male', 24.8205, 67.0302, 6, 'grey hoodie, cricket bat'],
  ['Zara (sample)', 9, 'female', 30.1798, 66.975, 5, 'green dupatta'],
  ['Hamza (sample)', 8, 'male', 34.0151, 71.5249, 4, 'brown sweater'],
  ['Mahnoor (sample)', 6, 'female', 33.6844, 73.0479, 1, 'pink jacket, pigtails'],
  ['Ali (sample)', 11, 'male', 30.1575, 71.5249, 8, 'white kurta'],
  ['Fatima (sample)', 4, 'female', 31.418, 73.0791, 2, 'purple frock'],
  ['Saad (sample)', 13, 'male', 32.1877, 74.1945, 10, 'football shirt'],
  ['Unknown (sample)', 9, 'male', 23.9, 64.9, 3, 'seen on a fishing boat; place outside every district'],
];

/**
 * Loads a DPO for every live district, an RPO for every live region and an IG for every live
 * province, and sample reports once.
 */
export async function loadSampleData(db: Knex): Promise<{ dutyOfficers: number; reports: number }> {
  const dutyOfficers = await loadSampleDutyOfficers(db);

  const existing = await db('cases').count<{ count: number }[]>('* as count');
  if (Number(existing[0]?.count) > 0) return { dutyOfficers, reports: 0 };

  const reports = new ReportService(
    { cases: new CaseRepository(db), jurisdictions: new JurisdictionRepository(db) },
    // No queue here: the worker's start-up sweep delivers these outbox rows.
    async () => undefined,
  );
  for (const [name, age, sex, lat, lon, hoursAgo, description] of SAMPLE_REPORTS) {
    const input: ReportInput = {
      child: { name, age, sex, description },
      lastSeen: { lat, lon, at: new Date(Date.now() - hoursAgo * 3600_000) },
      reporter: { name: 'Sample Reporter', phone: '+923000999999' },
    };
    await reports.submit(input);
  }
  return { dutyOfficers, reports: SAMPLE_REPORTS.length };
}

/**
 * Loads a DPO for every live district, an RPO for every live region and an IG for every live
 * province, with fictional phone numbers. Returns how many were written; loading again updates the
 * same rows.
 */
export async function loadSampleDutyOfficers(db: Knex): Promise<number> {
  const liveJurisdictions: { level: string; code: string; name: string }[] = await db('jurisdictions as j')
    .join('boundary_versions as v', 'v.id', 'j.version_id')
    .where('v.status', 'live')
    .whereIn('j.level', ['district', 'region'])
    .orderBy('j.code')
    .select('j.level', 'j.code', 'j.name');

  // Phone numbers in the +92 300 000 xxxx block are fictional; the development SMS driver only logs them.
  const officers = liveJurisdictions.map((jurisdiction, index) => ({
    jurisdictionCode: jurisdiction.code,
    post: jurisdiction.level === 'district' ? ('DPO' as const) : ('RPO' as const),
    name: `${jurisdiction.level === 'district' ? 'DPO' : 'RPO'} ${jurisdiction.name}`,
    phone: `+923000${String(index).padStart(6, '0')}`,
  }));
  // Each province's IG receives missed-deadline escalations; their numbers follow the same fictional block.
  const provinces: { code: string; name: string }[] = await db('jurisdictions as j')
    .join('boundary_versions as v', 'v.id', 'j.version_id')
    .where({ 'v.status': 'live', 'j.level': 'province' })
    .orderBy('j.code')
    .select('j.code', 'j.name');
  const inspectorsGeneral = provinces.map((province, index) => ({
    jurisdictionCode: province.code,
    post: 'IG' as const,
    name: `IG ${province.name}`,
    phone: `+923000${String(900_000 + index)}`,
  }));
  return new DutyOfficerRepository(db).upsert([...officers, ...inspectorsGeneral]);
}
