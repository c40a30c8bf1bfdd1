// The analysts' map in a real Chromium against the real API. The tests sign in as an analyst, check
// that the incident tiles from PostGIS render, change a filter and the time slider and check the
// counts, show the hotspot grid and statistics with their methods, then switch to Urdu.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Map as MaplibreMap } from 'maplibre-gl';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestAccount, startTestPlatform, type TestPlatform } from '../../api/test/support/platform.js';
import { CHROMIUM, launchChromium } from './support/browser';

const uiRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCREENSHOT_DIR = process.env.TALASH_SCREENSHOT_DIR ?? '/tmp';

// The path the web app is served at; the analysis view is its #/analysis hash route.
const APP_PATH = '/police/';

type TestWindow = Window & { __talashAnalysisMap?: MaplibreMap };

// Incidents in 1999, a year no other test uses: 12 girls and 8 boys in Lahore in March, and
// 6 girls in Karachi in May.
function incidentCsv(): string {
  const lahore = Array.from(
    { length: 20 },
    (_, index) =>
      `abuse,child_labour,1999-03-${String(1 + index).padStart(2, '0')}T06:00:00Z,${(31.52 + index * 0.002).toFixed(4)},74.35,9,${index < 12 ? 'female' : 'male'}`,
  );
  const karachi = Array.from(
    { length: 6 },
    (_, index) =>
      `missing_child,,1999-05-0${1 + index}T06:00:00Z,${(24.9 + index * 0.01).toFixed(3)},67.08,5,female`,
  );
  return ['type,category,occurred_at,lat,lon,age,sex', ...lahore, ...karachi].join('\n');
}

async function shownTotal(page: Page): Promise<number> {
  const value = await page.getByTestId('analysis-total').getAttribute('data-count');
  return Number(value);
}

// Waits until the map is idle and returns the `count` of every cluster drawn on screen.
async function renderedClusterCounts(page: Page): Promise<number[]> {
  await page.waitForFunction(() => {
    const map = (window as TestWindow).__talashAnalysisMap;
    return map?.loaded() === true && !map.isMoving() && map.areTilesLoaded();
  });
  return page.evaluate(() => {
    const map = (window as TestWindow).__talashAnalysisMap;
    if (!map) return [];
    return map
      .queryRenderedFeatures({ layers: ['analysis-clusters'] })
      .map((feature) => Number(feature.properties.count));
  });
}

describe.skipIf(!existsSync(CHROMIUM))('analysis page in Chromium', () => {
  let platform: TestPlatform;
  let browser: Browser;
  let page: Page;
  const tileRequests: { url: string; status: number }[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await build({ configFile: path.join(uiRoot, 'vite.config.ts'), logLevel: 'warn' });
    platform = await startTestPlatform({ FACE_DETECTOR_PRELOAD: 'false' }, { worker: false });
    const account = await createTestAccount(platform, 'analyst');

    const login = await fetch(`${platform.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(account),
    });
    const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
    const imported = await fetch(`${platform.baseUrl}/api/incidents/imports?name=browser-1999.csv`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', cookie },
      body: incidentCsv(),
    });
    if (imported.status !== 201) throw new Error(`test import failed: ${await imported.text()}`);

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('response', (response) => {
      if (response.url().includes('/api/analysis/tiles/'))
        tileRequests.push({ url: response.url(), status: response.status() });
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.addInitScript(() => {
      (window as Window & { __talashTestHooks?: boolean }).__talashTestHooks = true;
    });

    await page.goto(`${platform.baseUrl}${APP_PATH}#/analysis`);
    await page.getByLabel('Username', { exact: true }).fill(account.username);
    await page.getByLabel('Password', { exact: true }).fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.platform
      .db('jurisdictions')
      .whereNotNull('population')
      .update({ population: null, population_year: null });
    await platform?.stop();
  });

  it('renders tiles for the chosen window', async () => {
    await page.getByLabel('From month').fill('1999-01');
    await page.getByLabel('To month').fill('1999-12');

    await expect.poll(() => shownTotal(page), { timeout: 15_000 }).toBe(26);
    await expect
      .poll(async () => (await renderedClusterCounts(page)).length, { timeout: 15_000 })
      .toBeGreaterThan(0);
    const filtered = tileRequests.filter((request) => request.url.includes('from=1999-01'));
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.every((request) => request.status === 200)).toBe(true);
    expect(Math.max(...(await renderedClusterCounts(page)))).toBeGreaterThan(1);
  });

  it('changes the counts with a filter', async () => {
    await page.locator('select[name=sex]').selectOption('female');
    await expect.poll(() => shownTotal(page), { timeout: 15_000 }).toBe(18);
    await expect
      .poll(() => tileRequests.some((request) => request.url.includes('sex=female')), { timeout: 15_000 })
      .toBe(true);

    await page.locator('select[name=sex]').selectOption('');
    await expect.poll(() => shownTotal(page), { timeout: 15_000 }).toBe(26);
  });

  it('steps the time slider through months', async () => {
    // Month 3 of the window is March 1999, with the 20 Lahore incidents.
    await page.locator('input[name=month]').fill('3');
    await expect.poll(() => page.getByTestId('analysis-month').textContent()).toBe('1999-03');
    await expect.poll(() => shownTotal(page), { timeout: 15_000 }).toBe(20);
    await page.locator('input[name=month]').fill('0');
    await expect.poll(() => shownTotal(page), { timeout: 15_000 }).toBe(26);
  });

  it('shows the hotspot grid with its method', async () => {
    await page.getByLabel('Hotspots (Gi*)').check();
    await expect
      .poll(() => page.getByTestId('hotspot-method').textContent(), { timeout: 30_000 })
      .toContain('Getis-Ord Gi*');
    await page.waitForFunction(() => {
      const map = (window as TestWindow).__talashAnalysisMap;
      return map !== undefined && map.queryRenderedFeatures({ layers: ['analysis-hotspots'] }).length > 0;
    });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'talash-analysis-en.png') });
  });

  it('computes trends and the Knox test', async () => {
    await page.locator('select[name=statistic]').selectOption('trends');
    await page.getByRole('button', { name: 'Compute' }).click();
    await expect
      .poll(() => page.getByTestId('statistic-result').getAttribute('data-statistic'), { timeout: 15_000 })
      .toBe('trends');
    expect(await page.getByTestId('statistic-result').textContent()).toContain('1999-03');
    expect(await page.getByTestId('statistic-method').textContent()).toContain('Pakistan Standard Time');

    await page.locator('select[name=statistic]').selectOption('knox');
    await page.getByRole('button', { name: 'Compute' }).click();
    await expect
      .poll(() => page.getByTestId('statistic-result').getAttribute('data-statistic'), { timeout: 30_000 })
      .toBe('knox');
    expect(await page.getByTestId('statistic-method').textContent()).toContain('Knox test');
  });

  it('shows rates per residents and per area', async () => {
    // A made-up population for Lahore only; Karachi keeps none, so its rate is per area.
    const db = platform.platform.db;
    await db('jurisdictions')
      .whereIn('version_id', db('boundary_versions').select('id').where({ status: 'live' }))
      .where({ level: 'district', code: 'PK-PB-LAHORE' })
      .update({ population: 1_000_000, population_year: 2023 });
    await page.locator('select[name=statistic]').selectOption('rates');
    await page.getByRole('button', { name: 'Compute' }).click();
    await expect
      .poll(() => page.getByTestId('statistic-result').getAttribute('data-statistic'), { timeout: 15_000 })
      .toBe('rates');

    // 20 incidents in 1,000,000 residents are 2 per 100,000.
    const perResidents = page.locator('td[data-rate-basis=population]');
    expect(await perResidents.allTextContents()).toEqual(['2 per 100,000 residents (population of 2023)']);
    const perArea = await page.locator('td[data-rate-basis=area]').allTextContents();
    expect(perArea.length).toBeGreaterThan(0);
    expect(perArea.every((text) => text.endsWith('per 1,000 km²'))).toBe(true);
    expect(await page.getByTestId('statistic-method').textContent()).toContain('per 100,000 residents');
  });

  it('switches to Urdu', async () => {
    await page.getByRole('button', { name: 'اردو' }).click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    expect(await page.getByTestId('hotspot-method').textContent()).toContain('گیٹس-آرڈ');
    expect(await page.locator('aside').textContent()).toContain('طریقہ');
    // The rates computed before stay on screen, with their method and units in Urdu.
    expect(await page.getByTestId('statistic-method').textContent()).toContain('فی ایک لاکھ');
    expect(await page.locator('td[data-rate-basis=population]').textContent()).toContain(
      'فی ایک لاکھ باشندے',
    );
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'talash-analysis-ur.png') });
    expect(pageErrors).toEqual([]);
  });
});
