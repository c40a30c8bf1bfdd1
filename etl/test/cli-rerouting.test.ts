import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseRepository } from '../../api/src/repositories/case-repository.js';
import { JurisdictionRepository } from '../../api/src/repositories/jurisdiction-repository.js';
import { ReportService } from '../../api/src/services/report-service.js';
import { redrawLahoreKasurBorder } from '../../api/test/support/boundary-files.js';
import { createScratchDatabase } from './support/database.js';

const run = promisify(execFile);
const directory = mkdtempSync(join(tmpdir(), 'talash-cli-reroute-'));
let db: Knex;
let url: string;
let drop: () => Promise<void>;

beforeAll(async () => {
  ({ db, url, drop } = await createScratchDatabase('cli_reroute'));
}, 120_000);
afterAll(async () => {
  await drop?.();
  rmSync(directory, { recursive: true, force: true });
});

/** Runs `npm run import` with the arguments against the scratch database. */
function importCli(...args: string[]) {
  return run('npx', ['tsx', 'etl/src/cli.ts', ...args], {
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'error' },
  });
}

async function caseDistrict(caseId: string): Promise<string> {
  const row = await db('cases as c')
    .join('jurisdictions as d', 'd.id', 'c.district_id')
    .where('c.id', caseId)
    .first('d.code');
  return row.code;
}

describe('import CLI', () => {
  it('re-routes open cases on publish and rollback', async () => {
    await db('duty_officers').insert({
      jurisdiction_code: 'PK-PB-LAHORE',
      post: 'DPO',
      name: 'CLI DPO Lahore',
      phone: '+923001112224',
    });
    const redraw = await redrawLahoreKasurBorder(db);
    const file = join(directory, 'lahore-kasur.geojson');
    writeFileSync(file, JSON.stringify(redraw.collection));
    const reports = new ReportService(
      { cases: new CaseRepository(db), jurisdictions: new JurisdictionRepository(db) },
      async () => undefined,
    );
    const receipt = await reports.submit({
      child: { name: 'CLI Child', age: 9, sex: 'male', description: null },
      lastSeen: { ...redraw.movedPoint, at: new Date(Date.now() - 60_000) },
      reporter: { name: 'CLI Reporter', phone: '+923001112223' },
    });
    expect(receipt.district?.code).toBe('PK-PB-KASUR');

    const published = await importCli(file, '--replace', 'same-code', '--publish', '--by', 'gis-cli');
    expect(published.stderr).toContain('1 open case was re-routed');
    expect(await caseDistrict(receipt.id)).toBe('PK-PB-LAHORE');
    const outbox = await db('outbox').where({ case_id: receipt.id, kind: 'sms', recipient: '+923001112224' });
    expect(outbox).toHaveLength(1);
    expect(outbox[0].payload.body).toMatch(/now in Lahore: boundary version \d+ moved the district border/);
    expect(outbox[0].status).toBe('pending');

    const rolledBack = await importCli('--rollback', '--by', 'gis-cli');
    expect(rolledBack.stdout).toContain('1 open case was re-routed');
    expect(await caseDistrict(receipt.id)).toBe('PK-PB-KASUR');
    const events = await db('case_events').where({ case_id: receipt.id, kind: 'rerouted' }).orderBy('id');
    expect(events.map((event) => event.details.action)).toEqual(['publish', 'rollback']);
    expect(events.map((event) => event.details.by)).toEqual(['gis-cli', 'gis-cli']);
  }, 120_000);
});
