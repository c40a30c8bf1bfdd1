// The face search page in a real Chromium against the real API, face model and faiss: upload another
// photo of a published child, see the result card in English and in Urdu, and report a sighting from it.
// The public portal's /search page does the same in both languages, with the one-tap sighting.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaceDetectorPool } from '../../api/src/faces/face-detector-pool.js';
import {
  createFaceIndexDirectory,
  createSharedDetector,
  facePhoto,
  postAsDispatcher,
  reportWithPhoto,
  startFacePlatform,
} from '../../api/test/support/faces.js';
import { createTestAccount, signIn, type TestPlatform, waitFor } from '../../api/test/support/platform.js';
import { en } from '../src/i18n/en';
import { ur } from '../src/i18n/ur';

const CHROMIUM = '/usr/bin/chromium';
const uiRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCREENSHOT_DIR = process.env.TALASH_SCREENSHOT_DIR ?? '/tmp';
// The location the browser reports for the person who reports the sighting (inside Lahore district).
const SIGHTING_PLACE = { latitude: 31.5204, longitude: 74.3587 };

describe.skipIf(!existsSync(CHROMIUM))('face search page in Chromium', () => {
  let detector: FaceDetectorPool;
  let indexDirectory: string;
  let platform: TestPlatform;
  let browser: Browser;
  let page: Page;
  let published: { id: string; trackingCode: string };
  let publicId: string;
  const childName = `Browser Face ${Date.now().toString(36)}`;
  const pageErrors: string[] = [];
  let sightingId: string;

  beforeAll(async () => {
    await build({ configFile: path.join(uiRoot, 'vite.config.ts'), logLevel: 'warn' });
    detector = createSharedDetector();
    indexDirectory = await createFaceIndexDirectory();
    platform = await startFacePlatform(detector, indexDirectory);
    published = await reportWithPhoto(platform, 'obama_1.jpg', childName);
    const cookie = await signIn(platform);
    expect((await postAsDispatcher(platform, cookie, `/api/cases/${published.id}/publish`)).status).toBe(200);
    publicId = (await platform.platform.db('cases').where({ id: published.id }).first('public_id')).public_id;

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking'],
    });
    const context = await browser.newContext({
      viewport: { width: 1024, height: 900 },
      permissions: ['geolocation'],
      geolocation: SIGHTING_PLACE,
    });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    // Test files share the database: close this file's open case with a face, so that later files'
    // sightings of the same person do not match it.
    if (platform && published) {
      const dpo = await signIn(platform, 'dpo', 'PK-PB-LAHORE');
      for (const step of [
        { to: 'acknowledged' },
        { to: 'fir_registered', firNumber: '7/26', policeStation: 'Model Town' },
        { to: 'recovered' },
      ]) {
        await postAsDispatcher(platform, dpo, `/api/cases/${published.id}/transitions`, step);
      }
    }
    await platform?.stop();
    await detector?.close();
    if (indexDirectory) await rm(indexDirectory, { recursive: true, force: true });
  });

  async function searchWith(fixture: string): Promise<void> {
    await page.locator('#face-search-photo').setInputFiles({
      name: fixture,
      mimeType: 'image/jpeg',
      buffer: facePhoto(fixture),
    });
    await page.locator('.face-search form button[type=submit]').click();
  }

  it('shows a result card for another photo of the child', async () => {
    await page.goto(`${platform.baseUrl}/police/#/search`);
    await page.getByRole('heading', { name: 'Search by photo', level: 2 }).waitFor();
    expect(await page.locator('#face-search-photo').getAttribute('capture')).toBe('environment');

    await searchWith('obama_2.jpg');
    const card = page.locator(`[data-testid=face-match][data-register-id="${publicId}"]`);
    await card.waitFor({ timeout: 20_000 });

    const text = (await card.textContent()) ?? '';
    // The public sees the register's name, the first word of the child's name.
    expect(text).toContain('Browser');
    expect(text).not.toContain(childName);
    expect(text).toContain('Possible match — police will check');
    expect(text).toMatch(/Similarity 9\d%/);
    expect(await card.locator('img.crop').getAttribute('src')).toMatch(/^data:image\/jpeg;base64,/);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'talash-face-search-en.png'), fullPage: true });
  });

  it('shows the same card in Urdu', async () => {
    await page.getByRole('button', { name: 'اردو' }).click();
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');

    const card = page.locator(`[data-testid=face-match][data-register-id="${publicId}"]`);
    await expect.poll(() => card.textContent()).toContain('ممکنہ مماثلت — پولیس تصدیق کرے گی');
    // Urdu numbers use Extended Arabic-Indic digits, so the percentage reads ۹x٪.
    expect(await card.textContent()).toMatch(/مشابہت [۰-۹]+/);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'talash-face-search-ur.png'), fullPage: true });

    await searchWith('blank_white.png');
    await expect
      .poll(() => page.getByTestId('face-search-results').textContent(), { timeout: 20_000 })
      .toContain('اس تصویر میں کوئی چہرہ نہیں ملا');
  });

  it('reports a sighting from a result', async () => {
    await page.getByRole('button', { name: 'English' }).click();
    await searchWith('obama_2.jpg');
    const card = page.locator(`[data-testid=face-match][data-register-id="${publicId}"]`);
    await card.waitFor({ timeout: 20_000 });
    await card.getByRole('button', { name: 'Report a sighting' }).click();

    // The form fills the place from the browser's location.
    const latitude = card.getByLabel('Latitude');
    await expect.poll(() => latitude.inputValue()).toBe(SIGHTING_PLACE.latitude.toFixed(5));
    await card.getByLabel('What did you see?').fill('near the market gate');
    await card.getByRole('button', { name: 'Send to police' }).click();
    await expect.poll(() => card.getByRole('status').textContent()).toContain('Lahore police');

    const sighting = await waitFor(
      async () => platform.platform.db('sightings').where({ case_id: published.id }).first(),
      10_000,
      'the sighting row',
    );
    expect(sighting.description).toBe('near the market gate');
    const photos = await platform.platform.db('sighting_photos').where({ sighting_id: sighting.id });
    expect(photos).toHaveLength(1);
    sightingId = sighting.id;
  });

  it('lets an officer confirm the match with a reason', async () => {
    // The face job matches the sighting photo with the published case. Other test files may leave
    // open cases with a photo of the same person, which the sighting matches too.
    const match = await waitFor(
      async () =>
        platform.platform
          .db('face_matches')
          .where({ sighting_id: sightingId, case_id: published.id })
          .first(),
      20_000,
      'the sighting match',
    );
    const account = await createTestAccount(platform, 'dpo', 'PK-PB-LAHORE');
    await page.goto(`${platform.baseUrl}/police/#/review`);
    await page.getByLabel('Username', { exact: true }).fill(account.username);
    await page.getByLabel('Password', { exact: true }).fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    const card = page.locator(`[data-match-id="${match.id}"]`);
    await card.waitFor({ timeout: 15_000 });
    expect(await card.textContent()).toContain(childName);
    expect(await card.locator('img').count()).toBe(2);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'talash-face-review-en.png'), fullPage: true });

    await card.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => card.getByRole('alert').textContent()).toContain('at least 3 characters');

    await card.getByLabel('Reason').fill('same face, family confirmed by phone');
    await card.getByRole('button', { name: 'Confirm' }).click();
    await card.waitFor({ state: 'detached' });
    const reviewed = await platform.platform.db('face_matches').where({ id: match.id }).first();
    expect(reviewed).toMatchObject({
      status: 'confirmed',
      review_reason: 'same face, family confirmed by phone',
    });
    expect(pageErrors).toEqual([]);
  });

  for (const [language, t] of [
    ['en', en],
    ['ur', ur],
  ] as const) {
    it(`searches from the portal and sends a sighting (${language})`, async () => {
      const context = await browser.newContext({
        viewport: { width: 360, height: 740 },
        permissions: ['geolocation'],
        geolocation: SIGHTING_PLACE,
      });
      await context.addInitScript((chosen) => localStorage.setItem('talash.language', chosen), language);
      const portal = await context.newPage();
      await portal.goto(`${platform.baseUrl}/search`);
      await portal.getByRole('heading', { name: t.faceSearch.heading, level: 2 }).waitFor();
      expect(await portal.locator('html').getAttribute('lang')).toBe(language);
      expect(await portal.locator('html').getAttribute('dir')).toBe(language === 'ur' ? 'rtl' : 'ltr');

      await portal.getByLabel(t.faceSearch.photoLabel, { exact: true }).setInputFiles({
        name: 'obama_2.jpg',
        mimeType: 'image/jpeg',
        buffer: facePhoto('obama_2.jpg'),
      });
      await portal.getByRole('button', { name: t.faceSearch.submit, exact: true }).click();
      const card = portal.locator(`[data-testid=face-match][data-register-id="${publicId}"]`);
      await card.waitFor({ timeout: 20_000 });
      expect(await card.textContent()).toContain(t.faceSearch.possibleMatch);
      expect(await card.getByRole('link', { name: t.portal.search.openChild }).getAttribute('href')).toBe(
        `/register/${publicId}`,
      );

      // One tap opens the sighting form with the searched photo and the browser's location.
      await card.getByRole('button', { name: t.faceSearch.reportSighting }).click();
      await expect
        .poll(() => card.getByLabel(t.sighting.latLabel).inputValue())
        .toBe(SIGHTING_PLACE.latitude.toFixed(5));
      await card.getByLabel(t.sighting.descriptionLabel).fill(`portal search ${language} ${childName}`);
      await card.getByRole('button', { name: t.sighting.submit }).click();
      const lahore = language === 'ur' ? 'لاہور' : 'Lahore';
      await card
        .getByRole('status')
        .filter({ hasText: t.sighting.sent(lahore) })
        .waitFor({ timeout: 20_000 });

      const sighting = await platform.platform
        .db('sightings')
        .where({ description: `portal search ${language} ${childName}` })
        .first('id', 'case_id');
      expect(sighting.case_id).toBe(published.id);
      expect(await platform.platform.db('sighting_photos').where({ sighting_id: sighting.id })).toHaveLength(
        1,
      );
      await context.close();
    });
  }
});
