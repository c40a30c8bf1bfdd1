// The boundary import page in a real Chromium against the real API and PostGIS: a GIS officer signs
// in, uploads a file that re-draws the Lahore-Kasur border, reads the report, sees the draft on the
// map over the live boundaries, publishes it (an open case moves to Lahore) and rolls it back.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import type { Map as MaplibreMap } from 'maplibre-gl';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BorderRedraw, redrawLahoreKasurBorder } from '../../api/test/support/boundary-files.js';
import { lahoreReport } from '../../api/test/support/duty-officers.js';
import { createTestAccount, startTestPlatform, type TestPlatform } from '../../api/test/support/platform.js';
import { createScratchDatabase } from '../../etl/test/support/database.js';
import { CHROMIUM, launchChromium } from './support/browser';

const uiRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCREENSHOT_DIR = process.env.TALASH_SCREENSHOT_DIR ?? '/tmp';

/** Returns the address of the page, or of one of its views; the only place this test builds it. */
function pageUrl(baseUrl: string, view: '' | 'boundaries' = ''): string {
  return `${baseUrl}/police/#/${view}`;
}

type TestWindow = Window & { __talashTestHooks?: boolean; __talashBoundaryMap?: MaplibreMap };

// Waits until the preview map has finished drawing and returns the features of `layer` on screen.
async function renderedFeatures(page: Page, layer: string): Promise<{ code: string; changed: boolean }[]> {
  await page.waitForFunction(() => {
    const map = (window as TestWindow).__talashBoundaryMap;
    return map?.loaded() === true && !map.isMoving();
  });
  return page.evaluate((layerId) => {
    const map = (window as TestWindow).__talashBoundaryMap;
    if (!map) return [];
    return map.queryRenderedFeatures({ layers: [layerId] }).map((feature) => ({
      code: String(feature.properties.code),
      changed: feature.properties.changed === true,
    }));
  }, layer);
}

describe.skipIf(!existsSync(CHROMIUM))('boundary import page in Chromium', () => {
  let db: Knex;
  let drop: () => Promise<void>;
  let platform: TestPlatform;
  let account: { username: string; password: string };
  let redraw: BorderRedraw;
  let caseId: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // The API serves ui/dist, so build it from the current sources first.
    await build({ configFile: path.join(uiRoot, 'vite.config.ts'), logLevel: 'warn' });
    // Publishing changes what every report routes to, so this test has a database of its own.
    const scratch = await createScratchDatabase('boundary_ui');
    db = scratch.db;
    drop = scratch.drop;
    platform = await startTestPlatform({ DATABASE_URL: scratch.url }, { worker: false });
    account = await createTestAccount(platform, 'gis_officer', 'PK-PB');
    redraw = await redrawLahoreKasurBorder(db);

    // An open case in the strip of Kasur that the new border gives to Lahore.
    const response = await fetch(`${platform.baseUrl}/api/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        lahoreReport({ lastSeen: { ...redraw.movedPoint, at: new Date(Date.now() - 60_000).toISOString() } }),
      ),
    });
    expect(response.status).toBe(201);
    const receipt = (await response.json()) as { id: string; district: { code: string } };
    expect(receipt.district.code).toBe('PK-PB-KASUR');
    caseId = receipt.id;

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.addInitScript(() => {
      (window as TestWindow).__talashTestHooks = true;
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    await drop?.();
  });

  it('signs in and opens the page', async () => {
    await page.goto(pageUrl(platform.baseUrl, 'boundaries'));
    await page.getByLabel('Username', { exact: true }).fill(account.username);
    await page.getByLabel('Password', { exact: true }).fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { name: 'Boundary import', level: 2 }).waitFor();
    await expect.poll(() => page.getByRole('link', { name: 'Boundaries' }).count()).toBe(1);
    await expect.poll(() => page.getByTestId('live-version').textContent()).toContain('test-setup');
  });

  it('uploads a file and shows the report and the map', async () => {
    await page.locator('#boundary-file').setInputFiles({
      name: 'lahore-kasur.geojson',
      mimeType: 'application/geo+json',
      buffer: Buffer.from(JSON.stringify(redraw.collection)),
    });
    await page.getByLabel('only the jurisdictions whose codes the file contains').check();
    await page.getByRole('button', { name: 'Upload and check' }).click();

    const report = page.getByTestId('boundary-report');
    await report.waitFor({ timeout: 30_000 });
    expect(await report.locator('[data-count=read] dd').textContent()).toBe('2');
    expect(await report.locator('[data-count=stored] dd').textContent()).toBe('2');
    expect(await report.locator('[data-count=rejected] dd').textContent()).toBe('0');
    expect(await page.locator('#mapping-code').inputValue()).toBe('code');
    expect(await page.locator('#mapping-nameUr').inputValue()).toBe('name_ur');
    // The file has no population attribute, so none is proposed and the rates stay per area.
    expect(await page.locator('#mapping-population').inputValue()).toBe('');
    expect(await page.locator('label[for=mapping-population]').textContent()).toBe('Population (optional)');
    expect(await page.locator('#draft-heading').textContent()).toMatch(/^Draft \d+$/);

    await expect
      .poll(async () => (await renderedFeatures(page, 'draft-fill')).filter((feature) => feature.changed))
      .toEqual(
        expect.arrayContaining([
          { code: 'PK-PB-LAHORE', changed: true },
          { code: 'PK-PB-KASUR', changed: true },
        ]),
      );
    const draft = await renderedFeatures(page, 'draft-fill');
    expect(draft.filter((feature) => feature.changed && !feature.code.match(/LAHORE$|KASUR$/))).toEqual([]);
    expect((await renderedFeatures(page, 'live-outline')).length).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'talash-boundaries-en.png'), fullPage: true });
  });

  it('checks the file again with a changed mapping', async () => {
    const firstDraft = Number(await page.locator('section.draft').getAttribute('data-version-id'));
    await page.locator('#mapping-nameUr').selectOption('');
    await page.getByRole('button', { name: 'Check again with this mapping' }).click();

    await expect
      .poll(async () => Number(await page.locator('section.draft').getAttribute('data-version-id')), {
        timeout: 30_000,
      })
      .toBeGreaterThan(firstDraft);
    expect(await page.locator('#mapping-nameUr').inputValue()).toBe('');
    const secondDraft = Number(await page.locator('section.draft').getAttribute('data-version-id'));
    const urduNames = await db('jurisdictions')
      .where({ version_id: secondDraft, level: 'district' })
      .whereIn('code', ['PK-PB-LAHORE', 'PK-PB-KASUR'])
      .pluck('name_ur');
    expect(urduNames).toEqual([null, null]);
    await expect
      .poll(async () => (await db('boundary_versions').where({ id: firstDraft }).first()) ?? null)
      .toBeNull();
    // Put the Urdu names back for the draft that the next tests publish.
    await page.locator('#mapping-nameUr').selectOption('name_ur');
    await page.getByRole('button', { name: 'Check again with this mapping' }).click();
    await expect
      .poll(async () => Number(await page.locator('section.draft').getAttribute('data-version-id')), {
        timeout: 30_000,
      })
      .toBeGreaterThan(secondDraft);
  });

  it('shows the page in Urdu', async () => {
    await page.getByRole('button', { name: 'اردو' }).click();
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    await page.getByRole('heading', { name: 'حدود کی درآمد', level: 2 }).waitFor();
    expect(await page.getByTestId('boundary-report').textContent()).toContain('پڑھے گئے');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'talash-boundaries-ur.png'), fullPage: true });
    await page.getByRole('button', { name: 'English' }).click();
  });

  it('publishes after confirmation and re-routes the case', async () => {
    const versionId = Number(await page.locator('section.draft').getAttribute('data-version-id'));
    await page.getByRole('button', { name: 'Publish…' }).click();
    await expect.poll(() => page.getByText(`Make draft ${versionId} live?`).count()).toBe(1);
    const live = await db('boundary_versions').where({ id: versionId }).first('status');
    expect(live.status).toBe('draft');

    await page.getByRole('button', { name: 'Yes, publish' }).click();
    const outcome = page.getByTestId('boundary-outcome');
    await expect
      .poll(() => outcome.textContent(), { timeout: 30_000 })
      .toContain(`Version ${versionId} is live`);
    expect(await outcome.textContent()).toContain('PK-PB-KASUR → PK-PB-LAHORE');

    const version = await db('boundary_versions').where({ id: versionId }).first('status', 'published_by');
    expect(version.status).toBe('live');
    expect(version.published_by).toBe(account.username);
    const moved = await db('cases as c')
      .join('jurisdictions as d', 'd.id', 'c.district_id')
      .where('c.id', caseId)
      .first('d.code');
    expect(moved.code).toBe('PK-PB-LAHORE');
    await expect
      .poll(() => page.getByTestId('live-version').textContent())
      .toContain(`Version ${versionId},`);
  });

  it('rolls back after confirmation', async () => {
    await page.getByRole('button', { name: 'Roll back…' }).click();
    await page.getByRole('button', { name: 'Yes, roll back' }).click();

    const outcome = page.getByTestId('boundary-outcome');
    await expect.poll(() => outcome.textContent(), { timeout: 30_000 }).toContain('is live again');
    expect(await outcome.textContent()).toContain('PK-PB-LAHORE → PK-PB-KASUR');
    const moved = await db('cases as c')
      .join('jurisdictions as d', 'd.id', 'c.district_id')
      .where('c.id', caseId)
      .first('d.code');
    expect(moved.code).toBe('PK-PB-KASUR');
    expect(pageErrors).toEqual([]);
  });

  it('opens the boundaries after sign-in from the start page', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(pageUrl(platform.baseUrl));
    await page.getByLabel('Username', { exact: true }).fill(account.username);
    await page.getByLabel('Password', { exact: true }).fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { name: 'Boundary import', level: 2 }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/boundaries');
  });
});
