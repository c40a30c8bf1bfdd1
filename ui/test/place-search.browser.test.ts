// The "Address, town or district" field of the report form in a real Chromium against the real API
// and PostGIS. A district is typed in English and chosen with the keyboard, and a division is typed
// in Urdu and chosen with a tap. Each report is sent and must be routed inside the place chosen.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../api/test/support/platform.js';
import { en } from '../src/i18n/en';
import { ur } from '../src/i18n/ur';
import { seriousViolations } from './support/axe';
import { CHROMIUM, launchChromium } from './support/browser';

const uiRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DICTIONARIES = { en, ur };
const SCREENSHOT_DIR = process.env.TALASH_SCREENSHOT_DIR ?? '/tmp';

let platform: TestPlatform;
let browser: Browser;

async function openReportForm(language: 'en' | 'ur'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await page.addInitScript((chosen) => localStorage.setItem('talash.language', chosen), language);
  await page.goto(`${platform.baseUrl}/report`);
  const report = DICTIONARIES[language].portal.report;
  await page.getByLabel(report.childName).fill(`Place ${language} child`);
  await page.getByLabel(report.childAge).fill('9');
  await page.getByLabel(report.childSex).selectOption('male');
  await page.getByLabel(report.seenAt).fill('2026-12-04T16:30');
  await page.getByLabel(report.reporterName).fill('Place Reporter');
  await page.getByLabel(report.reporterPhone).fill('0300-7654321');
  return page;
}

/** Sends the form and returns the stored case's place, district and division. */
async function sendAndFindCase(page: Page, language: 'en' | 'ur') {
  const report = DICTIONARIES[language].portal.report;
  await page.getByRole('button', { name: report.submit }).click();
  const code = await page.getByTestId('tracking-code').textContent({ timeout: 30_000 });
  return platform.platform
    .db('cases as c')
    .leftJoin('jurisdictions as d', 'd.id', 'c.district_id')
    .leftJoin('jurisdictions as r', 'r.id', 'c.region_id')
    .where({ 'c.tracking_code': code })
    .first('c.last_seen_place_description as place', 'd.code as district', 'r.code as region');
}

describe.skipIf(!existsSync(CHROMIUM))('place search of the report form in Chromium', () => {
  beforeAll(async () => {
    await build({ configFile: path.join(uiRoot, 'vite.config.ts'), logLevel: 'warn' });
    platform = await startTestPlatform(
      { PUBLIC_CHALLENGE_BITS: '8', FACE_DETECTOR_PRELOAD: 'false' },
      { worker: false },
    );
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('chooses an English district with the keyboard', async () => {
    const report = en.portal.report;
    const page = await openReportForm('en');
    const field = page.getByRole('combobox', { name: report.placeSearch });
    await field.fill('sheikhu');

    const first = page.getByRole('listbox', { name: report.placeSearch }).getByRole('option').first();
    await first.waitFor();
    expect(await field.getAttribute('aria-expanded')).toBe('true');
    expect(await first.textContent()).toContain('Sheikhupura, Lahore, Punjab');
    expect(await page.getByTestId('place-search-status').textContent()).toContain('places found');
    expect(await seriousViolations(page)).toEqual([]);

    await field.press('ArrowDown');
    expect(await field.getAttribute('aria-activedescendant')).toBe('report-place-option-0');
    expect(await first.getAttribute('aria-selected')).toBe('true');
    // Enter chooses the option and must not send the form.
    await field.press('Enter');
    expect(await field.inputValue()).toBe('Sheikhupura, Lahore, Punjab');
    expect(await field.getAttribute('aria-expanded')).toBe('false');
    expect(await page.getByTestId('tracking-code').count()).toBe(0);
    expect(await page.getByLabel(report.latitude).inputValue()).toMatch(/^3\d\.\d{5}$/);
    expect(await page.getByLabel(report.longitude).inputValue()).toMatch(/^7\d\.\d{5}$/);
    await page.getByTestId('place-picker').locator('canvas').waitFor();

    const stored = await sendAndFindCase(page, 'en');
    expect(stored).toEqual({
      place: 'Sheikhupura, Lahore, Punjab',
      district: 'PK-PB-SHEIKHUPURA',
      region: 'PK-PB-LAHORE-DIV',
    });
    await page.context().close();
  });

  it('chooses an Urdu division with a tap', async () => {
    const report = ur.portal.report;
    const page = await openReportForm('ur');
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    const field = page.getByRole('combobox', { name: report.placeSearch });
    // Typed with an Arabic yeh (U+064A), as an Arabic keyboard writes it.
    await field.fill('ڈيره غازی');

    const division = page
      .getByRole('listbox', { name: report.placeSearch })
      .getByRole('option')
      .filter({ hasText: report.placeLevels.region })
      .filter({ hasText: 'ڈیرہ غازی خان' });
    await division.waitFor();
    expect(await division.textContent()).toContain('ڈیرہ غازی خان، پنجاب');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'talash-portal-place-search-ur.png') });
    expect(await seriousViolations(page)).toEqual([]);
    expect(
      await page.locator('#report-place-list').evaluate((list) => getComputedStyle(list).direction),
    ).toBe('rtl');
    await division.click();
    expect(await field.inputValue()).toBe('ڈیرہ غازی خان، پنجاب');
    expect(await page.getByTestId('place-search-status').textContent()).toBe(
      report.placeChosen('ڈیرہ غازی خان، پنجاب'),
    );

    const stored = await sendAndFindCase(page, 'ur');
    expect(stored?.place).toBe('ڈیرہ غازی خان، پنجاب');
    expect(stored?.region).toBe('PK-PB-DERA-GHAZI-KHAN-DIV');
    expect(stored?.district).toMatch(/^PK-PB-/);
    await page.context().close();
  });

  it('says when no place matches', async () => {
    const report = en.portal.report;
    const page = await openReportForm('en');
    const field = page.getByRole('combobox', { name: report.placeSearch });
    await field.fill('Xyzzyqqq');
    await expect.poll(() => page.getByTestId('place-search-status').textContent()).toBe(report.placeNotFound);
    expect(await field.getAttribute('aria-expanded')).toBe('false');
    await page.context().close();
  });
});
