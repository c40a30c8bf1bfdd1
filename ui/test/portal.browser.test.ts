// The public portal in a real Chromium against the real API, PostGIS, Redis and the proof-of-work
// challenge. It covers the register on a slow connection and a child's page with its share tags. It
// covers a report kept as a draft through a reload and an outage, a recovered child leaving the
// register and a sighting reaching two districts. Last come tracking with the reporter's additions and
// takedown, and axe-core on every public page.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startTestPlatform, type TestPlatform, waitFor } from '../../api/test/support/platform.js';
import { CHROMIUM, launchChromium } from './support/browser';

const uiRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCREENSHOT_DIR = process.env.TALASH_SCREENSHOT_DIR ?? '/tmp';
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
// A slow 3G profile: 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip.
const SLOW_3G = {
  offline: false,
  latency: 150,
  downloadThroughput: (1.6e6 / 8) | 0,
  uploadThroughput: (750e3 / 8) | 0,
};
// Where the sighting of the Lahore child happens: near Islamabad, another district.
const OTHER_PLACE = { latitude: 33.6, longitude: 73.05 };
const suffix = Date.now().toString(36);

let platform: TestPlatform;
let browser: Browser;
let supervisor: string;
let lahoreDpo: string;

async function api(method: string, urlPath: string, options: { cookie?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (options.cookie) headers.cookie = options.cookie;
  let body: BodyInit | undefined;
  if (options.body instanceof FormData) body = options.body;
  else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${platform.baseUrl}${urlPath}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : text } as {
    status: number;
    body: any;
  };
}

/** Files a report through the API (the challenge is solved in Node) and publishes it. */
async function publishedChild(name: string, lastSeen = { lat: 31.5204, lon: 74.3587 }) {
  const { solveChallenge } = await import('../../api/src/services/submission-challenge.js');

  const challenge = (await api('GET', '/api/challenge')).body as {
    token: string;
    nonce: string;
    bits: number;
  };
  const form = new FormData();
  form.append(
    'report',
    JSON.stringify({
      child: { name, age: 8, sex: 'female', description: null },
      lastSeen: { ...lastSeen, at: new Date(Date.now() - 7200_000).toISOString() },
      reporter: { name: 'Portal Reporter', phone: '+923001112233' },
    }),
  );
  const photo = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#aa6633' } })
    .jpeg()
    .toBuffer();
  form.append('photo', new Blob([new Uint8Array(photo)]), 'child.jpg');
  const response = await fetch(`${platform.baseUrl}/api/reports`, {
    method: 'POST',
    body: form,
    headers: {
      'talash-challenge': challenge.token,
      'talash-challenge-solution': solveChallenge(challenge.nonce, challenge.bits),
    },
  });
  expect(response.status).toBe(201);

  const receipt = (await response.json()) as { id: string; trackingCode: string };
  expect((await api('POST', `/api/cases/${receipt.id}/publish`, { cookie: supervisor })).status).toBe(200);
  const row = await platform.platform.db('cases').where({ id: receipt.id }).first('public_id');
  return { ...receipt, publicId: row.public_id as string };
}

async function newPage(options: { language?: 'en' | 'ur'; context?: BrowserContext } = {}): Promise<Page> {
  const context =
    options.context ??
    (await browser.newContext({
      viewport: { width: 360, height: 740 },
      permissions: ['geolocation', 'clipboard-read', 'clipboard-write'],
      geolocation: OTHER_PLACE,
    }));
  const page = await context.newPage();
  const language = options.language ?? 'en';
  await page.addInitScript((chosen) => {
    if (!localStorage.getItem('talash.language')) localStorage.setItem('talash.language', chosen);
  }, language);
  return page;
}

/** Runs axe-core in the page; returns the serious and critical violations with their targets. */
async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not block.
  await page.evaluate(AXE_SOURCE);
  const results = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document) => Promise<unknown> } }).axe;
    return axe.run(document);
  })) as { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] };
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
}

describe.skipIf(!existsSync(CHROMIUM))('public portal in Chromium', () => {
  beforeAll(async () => {
    await build({ configFile: path.join(uiRoot, 'vite.config.ts'), logLevel: 'warn' });
    platform = await startTestPlatform({
      PUBLIC_CHALLENGE_BITS: '8',
      FACE_DETECTOR_PRELOAD: 'false',
      SIGHTINGS_PER_MINUTE: '1000',
      REPORTER_REQUESTS_PER_MINUTE: '1000',
    });
    supervisor = await signIn(platform);
    lahoreDpo = await signIn(platform, 'dpo', 'PK-PB-LAHORE');
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('loads the register on 3G in under 2 s', async () => {
    const child = await publishedChild(`Fast${suffix}`);
    const page = await newPage();
    const session = await page.context().newCDPSession(page);
    await session.send('Network.enable');
    await session.send('Network.setCacheDisabled', { cacheDisabled: true });
    await session.send('Network.emulateNetworkConditions', SLOW_3G);

    // The page records when the first card enters the document, in ms since the navigation started
    // (performance.now), so the test runner's own delays under load do not count.
    await page.addInitScript(() => {
      const observer = new MutationObserver(() => {
        if (!document.querySelector('[data-testid=register-card]')) return;
        (window as Window & { firstCardAt?: number }).firstCardAt = performance.now();
        observer.disconnect();
      });
      observer.observe(document, { childList: true, subtree: true });
    });
    const started = Date.now();
    await page.goto(`${platform.baseUrl}/`, { waitUntil: 'commit' });
    await page.locator(`[data-testid=register-card][data-public-id="${child.publicId}"]`).waitFor();
    const seenByRunner = Date.now() - started;
    const elapsed = await page.evaluate(
      () => (window as Window & { firstCardAt?: number }).firstCardAt ?? -1,
    );
    console.info(
      `register on slow 3G: first card after ${Math.round(elapsed)} ms in the page, ${seenByRunner} ms for the test runner (limit 2000 ms)`,
    );
    const maplibreLoaded = await page.evaluate(() =>
      performance.getEntriesByType('resource').some((entry) => entry.name.includes('style-')),
    );
    await page.screenshot({
      path: path.join(SCREENSHOT_DIR, 'talash-portal-register-en.png'),
      fullPage: true,
    });
    await page.context().close();

    expect(maplibreLoaded).toBe(false);
    expect(elapsed).toBeGreaterThan(0);
    expect(elapsed).toBeLessThan(2000);
  });

  it('shows a child page with share tags', async () => {
    const child = await publishedChild(`Shared${suffix}`);
    const html = await (await fetch(`${platform.baseUrl}/register/${child.publicId}`)).text();
    expect(html).toContain(`<meta property="og:title" content="Missing: Shared${suffix}, 8">`);
    expect(html).toContain(`/api/register/${child.publicId}/preview.jpg`);
    expect(html).toContain('name="twitter:card" content="summary_large_image"');
    expect(html).not.toContain('Portal Reporter');
    expect(html).not.toContain(child.trackingCode);

    const home = await (await fetch(`${platform.baseUrl}/`)).text();
    expect(home).toContain('<script type="application/json" id="register-first-page">');
    expect(home).toContain(child.publicId);
    expect(home).not.toContain('Portal Reporter');
    expect(home).not.toContain('+923001112233');

    const page = await newPage();
    await page.goto(`${platform.baseUrl}/register/${child.publicId}`);
    await page.getByRole('heading', { name: `Shared${suffix}`, level: 2 }).waitFor();
    const whatsApp = await page.getByTestId('share-whatsapp').getAttribute('href');
    expect(whatsApp).toContain(encodeURIComponent(`${platform.baseUrl}/register/${child.publicId}`));
    await page.getByRole('button', { name: 'Copy link' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toContain(child.publicId);

    await page.getByRole('button', { name: 'اردو' }).click();
    await page.getByRole('button', { name: 'میں نے یہ بچہ دیکھا ہے' }).waitFor();
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'talash-portal-child-ur.png'), fullPage: true });
    await page.context().close();
  });

  for (const language of ['en', 'ur'] as const) {
    it(`keeps the report draft (${language})`, async () => {
      const labels =
        language === 'en'
          ? {
              name: 'Child’s name',
              age: 'Age in years',
              phone: 'Your mobile number',
              submit: 'Send report to police',
            }
          : {
              name: 'بچے کا نام',
              age: 'عمر (سال)',
              phone: 'آپ کا موبائل نمبر',
              submit: 'رپورٹ پولیس کو بھیجیں',
            };
      const page = await newPage({ language });
      await page.goto(`${platform.baseUrl}/report`);
      await page.getByLabel(labels.name).fill(`Draft${language}${suffix}`);
      await page.getByLabel(labels.age).fill('6');
      await page.locator('#report-childSex').selectOption('male');
      await page.locator('#report-seenAt').fill('2026-12-03T09:30');
      await page.locator('#report-lat').fill('31.52040');
      await page.locator('#report-lon').fill('74.35870');
      await page.locator('#report-reporterName').fill('Draft Reporter');
      await page.getByLabel(labels.phone).fill('0300-7778899');
      const photo = await sharp({ create: { width: 120, height: 120, channels: 3, background: '#3366aa' } })
        .jpeg()
        .toBuffer();
      await page
        .locator('#report-photo')
        .setInputFiles({ name: 'child.jpg', mimeType: 'image/jpeg', buffer: photo });
      expect(await page.locator('#report-photo').getAttribute('capture')).toBe('environment');
      expect(await page.locator('#report-photo').getAttribute('accept')).toBe('image/*');
      await page.getByTestId('report-photo-preview').waitFor();

      await page.reload();
      await page.getByTestId('draft-restored').waitFor();
      expect(await page.getByLabel(labels.name).inputValue()).toBe(`Draft${language}${suffix}`);
      expect(await page.locator('#report-lat').inputValue()).toBe('31.52040');
      expect(await page.getByLabel(labels.phone).inputValue()).toBe('0300-7778899');
      await page.getByTestId('report-photo-preview').waitFor();

      await page.context().setOffline(true);
      await page.getByRole('button', { name: labels.submit }).click();
      await page.getByRole('alert').waitFor();
      await page.context().setOffline(false);

      await page.getByRole('button', { name: labels.submit }).click();
      const code = await page.getByTestId('tracking-code').textContent({ timeout: 20_000 });
      expect(code).toMatch(/^TL-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      const confirmation = (await page.getByTestId('report-confirmation').textContent()) ?? '';
      expect(confirmation).toContain(language === 'en' ? 'Within 2 hours' : '2 گھنٹے کے اندر');
      expect(confirmation).toContain(language === 'en' ? 'Within 24 hours' : '24 گھنٹے کے اندر');
      await page.screenshot({
        path: path.join(SCREENSHOT_DIR, `talash-portal-report-${language}.png`),
        fullPage: true,
      });

      const stored = await platform.platform
        .db('cases as c')
        .where('c.tracking_code', code as string)
        .first(
          'c.child_name',
          'c.reporter_phone',
          'c.idempotency_key',
          platform.platform.db.raw(
            '(SELECT count(*)::int FROM case_photos p WHERE p.case_id = c.id) AS photos',
          ),
        );
      expect(stored).toMatchObject({
        child_name: `Draft${language}${suffix}`,
        reporter_phone: '+923007778899',
        photos: 1,
      });
      // The form sends an Idempotency-Key, so a retry after a lost response files no second case.
      expect(stored.idempotency_key).toMatch(/^[0-9a-f]{32}$/);
      expect(await page.evaluate(() => localStorage.getItem('talash.reportDraft'))).toBeNull();
      expect(await page.evaluate(() => localStorage.getItem('talash.reportSubmissionKey'))).toBeNull();
      await page.context().close();
    });
  }

  it('picks the place on the map', async () => {
    const page = await newPage();
    await page.goto(`${platform.baseUrl}/report`);
    await page.getByRole('button', { name: 'Pick on the map' }).click();
    await page.getByTestId('place-picker').locator('canvas').waitFor();
    await page.getByLabel('Go to a district').fill('Lahore');
    await page.getByRole('button', { name: 'Go', exact: true }).click();

    // The map flies to Lahore; a tap in its middle must then land inside Lahore district.
    const picker = page.getByTestId('place-picker');
    await expect
      .poll(
        async () => {
          const box = await picker.boundingBox();
          if (!box) return null;
          await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
          const lat = await page.locator('#report-lat').inputValue();
          const lon = await page.locator('#report-lon').inputValue();
          if (!lat || !lon) return null;
          return (await api('GET', `/api/geofence?lat=${lat}&lon=${lon}`)).body.district?.code ?? null;
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe('PK-PB-LAHORE');
    expect(await page.evaluate(() => localStorage.getItem('talash.reportDraft'))).toContain('"lat":"31.');
    await page.context().close();
  });

  it('drops a recovered child from the register', async () => {
    const child = await publishedChild(`Found${suffix}`);
    const page = await newPage({ language: 'ur' });
    await page.goto(`${platform.baseUrl}/`);
    const card = page.locator(`[data-testid=register-card][data-public-id="${child.publicId}"]`);
    await card.waitFor();

    for (const step of [
      { to: 'acknowledged' },
      { to: 'fir_registered', firNumber: '99/26', policeStation: 'Model Town' },
      { to: 'recovered' },
    ]) {
      expect(
        (await api('POST', `/api/cases/${child.id}/transitions`, { cookie: lahoreDpo, body: step })).status,
      ).toBe(201);
    }

    await page.reload();
    await page.getByTestId('register-cards').waitFor();
    await expect.poll(() => card.count()).toBe(0);
    await page.goto(`${platform.baseUrl}/register/${child.publicId}`);
    await page.getByTestId('child-removed').waitFor();
    expect(await page.getByTestId('child-removed').textContent()).toBe('اب درج نہیں');
    expect(await page.content()).not.toContain(`Found${suffix}`);
    await page.context().close();
  });

  it('sends a sighting to both districts', async () => {
    const child = await publishedChild(`Seen${suffix}`);
    const page = await newPage({ language: 'ur' });
    await page.goto(`${platform.baseUrl}/register/${child.publicId}`);
    await page.getByRole('button', { name: 'میں نے یہ بچہ دیکھا ہے' }).click();
    await expect.poll(() => page.getByLabel('عرض بلد').inputValue()).toBe(OTHER_PLACE.latitude.toFixed(5));
    await page.getByLabel('آپ نے کیا دیکھا؟').fill('bus stand');
    await page.getByRole('button', { name: 'پولیس کو بھیجیں' }).click();
    await page.locator('.sent').waitFor({ timeout: 20_000 });

    const sighting = await waitFor(
      async () =>
        (await platform.platform.db('sightings').where({ case_id: child.id }).first('id')) as
          | { id: string }
          | undefined,
      10_000,
      'the sighting row',
    );
    const routes = await platform.platform
      .db('sighting_routes')
      .where({ sighting_id: sighting.id })
      .orderBy('jurisdiction_code');
    const other = (await api('GET', `/api/geofence?lat=${OTHER_PLACE.latitude}&lon=${OTHER_PLACE.longitude}`))
      .body.district.code;
    expect(routes.map((route: { jurisdiction_code: string }) => route.jurisdiction_code).sort()).toEqual(
      [other, 'PK-PB-LAHORE'].sort(),
    );
    const lahoreView = await api('GET', '/api/sightings?district=PK-PB-LAHORE', { cookie: lahoreDpo });
    expect(lahoreView.body.sightings.map((row: { id: string }) => row.id)).toContain(sighting.id);
    const otherDpo = await signIn(platform, 'dpo', other);
    const otherView = await api('GET', `/api/sightings?district=${other}`, { cookie: otherDpo });
    expect(otherView.body.sightings.map((row: { id: string }) => row.id)).toContain(sighting.id);
    await page.context().close();
  });

  it('reports an unknown child at risk', async () => {
    const page = await newPage();
    await page.goto(`${platform.baseUrl}/sighting`);
    await expect.poll(() => page.getByLabel('Latitude').inputValue()).toBe(OTHER_PLACE.latitude.toFixed(5));
    await page.getByLabel('The child seems to be in danger').check();
    await page.getByLabel('What did you see?').fill(`alone at night ${suffix}`);
    await page.getByRole('button', { name: 'Send to police' }).click();
    await page.locator('.sent').waitFor({ timeout: 20_000 });
    const stored = await platform.platform
      .db('sightings')
      .where({ description: `alone at night ${suffix}` })
      .first('at_risk', 'case_id');
    expect(stored).toEqual({ at_risk: true, case_id: null });
    await page.context().close();
  });

  it('tracks, adds information and takes down', async () => {
    const child = await publishedChild(`Tracked${suffix}`);
    const page = await newPage();
    await page.goto(`${platform.baseUrl}/track?code=${child.trackingCode}`);
    expect(await page.getByLabel('Tracking code').inputValue()).toBe(child.trackingCode);
    await page.getByLabel('Your mobile number').fill('0300-0000000');
    await page.getByRole('button', { name: 'Show the case' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('No case matches');

    await page.getByLabel('Your mobile number').fill('0300-1112233');
    await page.getByRole('button', { name: 'Show the case' }).click();
    await page.getByTestId('track-timeline').waitFor();
    expect(await page.getByTestId('track-timeline').textContent()).toContain('Report received');

    await page.getByLabel('What else should the police know?').fill('She may go to her aunt in Kasur.');
    await page.getByRole('button', { name: 'Send to police' }).click();
    await expect.poll(() => page.getByTestId('track-timeline').textContent()).toContain('aunt in Kasur');

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Take my child off the register' }).click();
    await page.getByText('You took your child off the public register.').waitFor();
    expect((await api('GET', `/api/register/${child.publicId}`)).status).toBe(410);

    await page.getByRole('button', { name: 'اردو' }).click();
    await expect.poll(() => page.getByTestId('track-timeline').textContent()).toContain('رپورٹ موصول ہوئی');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'talash-portal-track-ur.png'), fullPage: true });
    await page.context().close();
  });

  for (const language of ['en', 'ur'] as const) {
    it(`passes axe and fits 360 px (${language})`, async () => {
      const child = await publishedChild(`Axe${language}${suffix}`);
      const page = await newPage({ language });
      const pages = ['/', `/register/${child.publicId}`, '/report', '/track', '/sighting', '/search'];
      const found: string[] = [];
      for (const pagePath of pages) {
        await page.goto(`${platform.baseUrl}${pagePath}`);
        await page.locator('main h2').first().waitFor();
        if (pagePath === '/') await page.locator('[data-testid=register-card]').first().waitFor();
        for (const violation of await seriousViolations(page)) found.push(`${pagePath} ${violation}`);
        // Nothing may make a 360 px wide phone scroll sideways.
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        if (width > 360) found.push(`${pagePath} is ${width} px wide`);
      }
      await page.context().close();
      expect(found).toEqual([]);
    });
  }
});
