// The dispatcher page in a real Chromium against the real API and worker: sign in, choose Lahore,
// see the map draw it, receive a new report live in the list and on the map, then switch to Urdu.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Map as MaplibreMap } from 'maplibre-gl';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadlineClockService } from '../../api/src/services/deadline-clock-service.js';
import { FakeSmsGateway } from '../../api/test/support/fake-sms-gateway.js';
import {
  createTestAccount,
  startTestPlatform,
  type TestPlatform,
  waitFor,
} from '../../api/test/support/platform.js';
import { CHROMIUM, launchChromium, openSignedInPage } from './support/browser';

const uiRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCREENSHOT_DIR = process.env.TALASH_SCREENSHOT_DIR ?? '/tmp';

// Inside Lahore district, away from the point the API tests use, so that a click on the map finds this
// test's case and not one of theirs stacked on the same spot.
const LAST_SEEN = { lat: 31.5497, lon: 74.3436 };
const PLACE_AS_TYPED = 'Near the bus stop outside Anarkali Bazaar';

type DistrictFeature = { properties: { code: string; name: string; nameUr: string | null } };
type TestWindow = Window & { __talashMap?: MaplibreMap; __talashPageMarker?: string };

async function fetchLahore(baseUrl: string): Promise<DistrictFeature['properties']> {
  const response = await fetch(`${baseUrl}/api/jurisdictions?level=district`);
  expect(response.status).toBe(200);
  const collection = (await response.json()) as { features: DistrictFeature[] };
  const lahore = collection.features.find((feature) => feature.properties.name === 'Lahore');
  if (!lahore) throw new Error('the bundled boundaries have no district named Lahore');
  return lahore.properties;
}

// Other test files file reports in Lahore too, so this one's child has a name no other test uses.
const CHILD_NAME = `Browser Child ${Date.now().toString(36)}`;

async function postReport(baseUrl: string): Promise<{ id: string; trackingCode: string }> {
  const response = await fetch(`${baseUrl}/api/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      child: { name: CHILD_NAME, age: 7, sex: 'female', description: 'red shirt' },
      lastSeen: { ...LAST_SEEN, at: new Date().toISOString(), placeDescription: PLACE_AS_TYPED },
      reporter: { name: 'Test Reporter', phone: '+923001234567' },
    }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; trackingCode: string };
}

// Waits until the map has finished drawing and returns the codes of the features of `layer` on screen.
async function renderedCodes(page: Page, layer: string, property: string): Promise<string[]> {
  await page.waitForFunction(() => {
    const map = (window as TestWindow).__talashMap;
    return map?.loaded() === true && !map.isMoving();
  });
  return page.evaluate(
    ({ layer, property }) => {
      const map = (window as TestWindow).__talashMap;
      if (!map) return [];
      return map
        .queryRenderedFeatures({ layers: [layer] })
        .map((feature) => String(feature.properties[property]));
    },
    { layer, property },
  );
}

// Share of the map's pixels that are the highlight colour of the chosen district (amber over cream).
async function highlightedShare(page: Page): Promise<number> {
  const png = await page.locator('.map').screenshot();
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let matching = 0;
  for (let offset = 0; offset < data.length; offset += info.channels) {
    const red = data[offset] ?? 0;
    const green = data[offset + 1] ?? 0;
    const blue = data[offset + 2] ?? 0;
    if (red > 235 && green > 200 && green < 230 && blue > 130 && blue < 175) matching += 1;
  }
  return matching / (info.width * info.height);
}

describe.skipIf(!existsSync(CHROMIUM))('dispatcher page in Chromium', () => {
  let gateway: FakeSmsGateway;
  let platform: TestPlatform;
  let account: { username: string; password: string };
  let browser: Browser;
  let page: Page;
  const requestedUrls: string[] = [];
  const glyphResponses: { url: string; status: number }[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // The API serves ui/dist, so build it from the current sources first.
    await build({ configFile: path.join(uiRoot, 'vite.config.ts'), logLevel: 'warn' });
    // SMS go to a fake HTTP gateway on loopback, as in the API tests. The page never sees them.
    gateway = new FakeSmsGateway();
    await gateway.start();
    platform = await startTestPlatform({ SMS_DRIVER: 'http', SMS_HTTP_URL: gateway.url });
    // A national supervisor sees every district and the unassigned queue.
    account = await createTestAccount(platform, 'national_supervisor');
    browser = await launchChromium();

    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('request', (request) => requestedUrls.push(request.url()));
    page.on('response', (response) => {
      if (response.url().includes('/glyphs/'))
        glyphResponses.push({ url: response.url(), status: response.status() });
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.addInitScript(() => {
      (window as Window & { __talashTestHooks?: boolean }).__talashTestHooks = true;
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    await gateway?.stop();
  });

  it('rejects a wrong password', async () => {
    await page.goto(`${platform.baseUrl}/police/`);
    await page.getByLabel('Username', { exact: true }).fill(account.username);
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();

    await expect.poll(() => page.getByRole('alert').textContent()).toContain('password is wrong');
  });

  it('signs in and draws the chosen district', async () => {
    const lahore = await fetchLahore(platform.baseUrl);

    await page.getByLabel('Username', { exact: true }).fill(account.username);
    await page.getByLabel('Password', { exact: true }).fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('District', { exact: true }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('#district-select option').length > 100);
    await page.getByLabel('District', { exact: true }).selectOption(lahore.code);

    await expect.poll(() => renderedCodes(page, 'district-selected-fill', 'code')).toContain(lahore.code);
    expect(await renderedCodes(page, 'district-fill', 'code')).toContain(lahore.code);
    expect(await highlightedShare(page)).toBeGreaterThan(0.05);
    await expect.poll(() => page.getByTestId('connection-status').textContent()).toBe('Live');
  });

  it('draws land outside Pakistan apart from the sea', async () => {
    await page.evaluate(() => (window as TestWindow).__talashMap?.jumpTo({ center: [66, 27], zoom: 4 }));
    await page.waitForFunction(() => {
      const map = (window as TestWindow).__talashMap;
      return map?.loaded() === true && !map.isMoving();
    });
    const landAt = (lon: number, lat: number) =>
      page.evaluate(
        ({ lon, lat }) => {
          const map = (window as TestWindow).__talashMap;
          if (!map) return -1;
          return map.queryRenderedFeatures(map.project([lon, lat]), { layers: ['land'] }).length;
        },
        { lon, lat },
      );

    // Kandahar in Afghanistan is land; a point of the Arabian Sea south of Karachi is not.
    expect(await landAt(65.7, 31.6)).toBeGreaterThan(0);
    expect(await landAt(64.0, 22.0)).toBe(0);
  });

  it('shows a new report live in the list and on the map', async () => {
    await page.evaluate(() => {
      (window as TestWindow).__talashPageMarker = 'before-report';
    });

    const receipt = await postReport(platform.baseUrl);
    const row = page.locator(`[data-tracking-code="${receipt.trackingCode}"]`);
    await row.waitFor({ timeout: 15_000 });

    expect(await row.textContent()).toContain(CHILD_NAME);
    expect(await row.textContent()).toContain('7 years');
    expect(await page.evaluate(() => (window as TestWindow).__talashPageMarker)).toBe('before-report');
    await expect.poll(() => page.getByTestId('announcer').textContent()).toContain(CHILD_NAME);

    const caseId = await row.getAttribute('data-case-id');
    expect(caseId).toBe(receipt.id);
    await expect.poll(() => renderedCodes(page, 'case-points', 'caseId')).toContain(receipt.id);
  });

  it('links list rows and map points', async () => {
    const row = page.locator('[data-testid=queue-list] button', { hasText: CHILD_NAME });
    await row.click();
    await page.getByTestId('case-detail').waitFor();
    expect(await page.getByTestId('case-detail').textContent()).toContain('red shirt');
    // The detail reads the reporter's contact and the place as typed from the case's own audited
    // record, because the officer must call the family within 24 hours.
    await expect.poll(() => page.getByTestId('case-reporter').textContent()).toContain('+923001234567');
    expect(await page.getByTestId('case-reporter').locator('a').getAttribute('href')).toBe(
      'tel:+923001234567',
    );
    expect(await page.getByTestId('case-place-description').textContent()).toBe(PLACE_AS_TYPED);

    await waitFor(
      async () => {
        const center = await page.evaluate(() => (window as TestWindow).__talashMap?.getCenter().toArray());
        const moving = await page.evaluate(() => (window as TestWindow).__talashMap?.isMoving());
        if (!center || moving) return undefined;
        return Math.abs(center[0] - LAST_SEEN.lon) < 0.01 && Math.abs(center[1] - LAST_SEEN.lat) < 0.01
          ? true
          : undefined;
      },
      10_000,
      'the map to fly to the selected case',
    );

    await page.getByRole('button', { name: 'Close details' }).click();
    expect(await row.getAttribute('aria-pressed')).toBe('false');

    const pointOnPage = await page.evaluate(({ lon, lat }) => {
      const map = (window as TestWindow).__talashMap;
      if (!map) throw new Error('the map test hook is missing');
      const point = map.project([lon, lat]);
      const box = map.getCanvas().getBoundingClientRect();
      return { x: box.left + point.x, y: box.top + point.y };
    }, LAST_SEEN);
    await page.mouse.click(pointOnPage.x, pointOnPage.y);

    await expect.poll(() => row.getAttribute('aria-pressed')).toBe('true');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'talash-dispatcher-en.png') });
  });

  it('switches to Urdu with right-to-left text and Urdu map labels', async () => {
    const lahore = await fetchLahore(platform.baseUrl);
    expect(lahore.nameUr).toBe('لاہور');

    // The previous test left the map zoomed in on a case; show the whole district so its label is in view.
    await page.evaluate(() =>
      (window as TestWindow).__talashMap?.jumpTo({ center: [74.35, 31.45], zoom: 8 }),
    );
    await page.getByRole('button', { name: 'اردو' }).click();

    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await page.locator('html').getAttribute('lang')).toBe('ur');
    // Facts in the alert list are separated by the Arabic comma: a middle dot reads as a zero in Nastaliq.
    const queueText = (await page.getByTestId('queue-list').textContent()) ?? '';
    expect(queueText).toContain('،');
    expect(queueText).not.toContain('·');
    await expect
      .poll(() => page.locator('.maplibregl-ctrl-zoom-in').getAttribute('aria-label'))
      .toBe('قریب کریں');
    expect(await page.getByLabel('ضلع', { exact: true }).locator('option:checked').textContent()).toBe(
      'لاہور',
    );

    await expect
      .poll(() =>
        page.evaluate(() =>
          (window as TestWindow).__talashMap?.getLayoutProperty('district-labels', 'text-font'),
        ),
      )
      .toEqual(['Noto Naskh Arabic Regular']);
    await expect.poll(() => renderedCodes(page, 'district-labels', 'nameUr')).toContain('لاہور');
    await expect
      .poll(() =>
        glyphResponses.some((response) =>
          response.url.includes('Noto%20Naskh%20Arabic%20Regular/64256-64511'),
        ),
      )
      .toBe(true);

    const uiFont = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
    expect(uiFont).toContain('Noto Nastaliq Urdu');
    expect(await page.evaluate(() => document.fonts.check('16px "Noto Nastaliq Urdu"', 'لاہور'))).toBe(true);

    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'talash-dispatcher-ur.png') });
  });

  it('loads everything from the app itself', () => {
    const outside = requestedUrls.filter(
      (url) => !url.startsWith(platform.baseUrl) && !url.startsWith('blob:') && !url.startsWith('data:'),
    );
    expect(outside).toEqual([]);
    expect(glyphResponses.filter((response) => response.status !== 200)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('fits a 360 px wide screen with the list below the map', async () => {
    await page.setViewportSize({ width: 360, height: 740 });

    const mapBox = await page.locator('.map').boundingBox();
    const listBox = await page.getByTestId('queue-list').boundingBox();
    expect(mapBox).not.toBeNull();
    expect(listBox).not.toBeNull();
    expect(listBox?.y ?? 0).toBeGreaterThan((mapBox?.y ?? 0) + (mapBox?.height ?? 0) - 1);

    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(scrollWidth).toBeLessThanOrEqual(360);

    // The map follows its container's new size and redraws before the screenshot.
    await page.waitForFunction(() => {
      const map = (window as TestWindow).__talashMap;
      if (!map) return false;
      const canvas = map.getCanvas();
      return canvas.clientWidth === map.getContainer().clientWidth && map.loaded() && !map.isMoving();
    });
    await page.screenshot({
      path: path.join(SCREENSHOT_DIR, 'talash-dispatcher-ur-360.png'),
      fullPage: true,
    });
  });
  it('counts down each deadline and marks a missed one', async () => {
    // Kasur, where no other browser test files reports, so the DPO's board shows only these cases.
    const kasurPoint = { lat: 31.1167, lon: 74.45 };
    const fileReport = async (name: string) => {
      const response = await fetch(`${platform.baseUrl}/api/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          child: { name, age: 6, sex: 'male', description: 'white kurta' },
          lastSeen: { ...kasurPoint, at: new Date().toISOString() },
          reporter: { name: 'Test Reporter', phone: '+923001234567' },
        }),
      });
      expect(response.status).toBe(201);
      const receipt = (await response.json()) as { id: string; district: { code: string } };
      expect(receipt.district.code).toBe('PK-PB-KASUR');
      return receipt.id;
    };
    const running = await fileReport(`Countdown Child ${Date.now().toString(36)}`);
    const missed = await fileReport(`Missed Child ${Date.now().toString(36)}`);

    // Escalates the second case with a clock 2 hours ahead: the real escalation the worker would make.
    const { db, repositories, services } = platform.platform;
    const [clock] = await db('case_deadlines').where({ case_id: missed, duty: 'fir' });
    const later = new DeadlineClockService(
      db,
      repositories,
      async () => undefined,
      async () => undefined,
      services.deadlineClock.settings,
      () => new Date(clock.started_at.getTime() + 2 * 3600_000),
    );
    expect(await later.escalate({ caseId: missed, duty: 'fir', level: 'RPO' })).toBe(true);

    const dpo = await createTestAccount(platform, 'dpo', 'PK-PB-KASUR');
    const { context, page: board } = await openSignedInPage(browser, platform.baseUrl, dpo);
    try {
      await board.getByRole('link', { name: 'Deadlines' }).click();
      await board.getByTestId('urgent-cases').waitFor();

      const runningRow = board.locator(`li[data-case-id="${running}"]`);
      const missedRow = board.locator(`li[data-case-id="${missed}"]`);
      const firCountdown = runningRow.locator('[data-duty="fir"] [data-testid="countdown"]');
      const first = (await firCountdown.textContent())?.trim() ?? '';
      expect(first).toMatch(/^1:5\d:\d\d$/);
      expect(
        await runningRow.locator('[data-duty="contact"] [data-testid="countdown"]').textContent(),
      ).toMatch(/^2[34]:\d\d:\d\d$/);
      await expect
        .poll(async () => (await firCountdown.textContent())?.trim(), { timeout: 5000 })
        .not.toBe(first);
      expect(await runningRow.getByTestId('breach-marker').count()).toBe(0);

      await missedRow.getByTestId('breach-marker').waitFor();
      expect(await missedRow.getByTestId('breach-marker').textContent()).toBe('Deadline missed');
      expect(await missedRow.locator('[data-duty="fir"]').getAttribute('data-state')).toBe('breached');
      expect(await missedRow.locator('[data-duty="fir"]').textContent()).toContain('Escalated to RPO');
      // A case with a missed deadline comes before one whose deadlines still run.
      const order = await board
        .locator('[data-testid="urgent-cases"] > li')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-case-id')));
      expect(order.indexOf(missed)).toBeLessThan(order.indexOf(running));
      expect(await missedRow.locator('[data-duty="contact"]').getAttribute('data-state')).toBe('running');

      // The board's map shows both cases, the one with the missed deadline marked, over Kasur.
      type DeadlineMapWindow = Window & { __talashDeadlineMap?: MaplibreMap };
      const mapped = async () => {
        await board.waitForFunction(() => {
          const map = (window as DeadlineMapWindow).__talashDeadlineMap;
          return map?.loaded() === true && !map.isMoving();
        });
        return board.evaluate(() => {
          const map = (window as DeadlineMapWindow).__talashDeadlineMap;
          if (!map) return { cases: {}, districts: [] };
          const points = map.queryRenderedFeatures({ layers: ['deadline-cases'] });
          const districts = map.queryRenderedFeatures({ layers: ['deadline-districts'] });
          return {
            cases: Object.fromEntries(
              points.map((point) => [point.properties.caseId, point.properties.breached]),
            ),
            districts: [...new Set(districts.map((district) => district.properties.code))],
          };
        });
      };
      // Other test files may have left open cases in Kasur too, so only these two are checked.
      await expect
        .poll(
          async () =>
            Object.keys((await mapped()).cases).filter((id) => id === running || id === missed).length,
          {
            timeout: 10_000,
          },
        )
        .toBe(2);
      const onMap = await mapped();
      expect(onMap.cases[running]).toBe(false);
      expect(onMap.cases[missed]).toBe(true);
      expect(onMap.districts).toContain('PK-PB-KASUR');
      await board.screenshot({ path: path.join(SCREENSHOT_DIR, 'talash-deadlines.png'), fullPage: true });

      // Acknowledging from the board moves the case out of the unacknowledged group.
      await runningRow.getByRole('button', { name: 'Acknowledge' }).click();
      await expect.poll(() => runningRow.getByText('Not acknowledged').count(), { timeout: 5000 }).toBe(0);
      const [kase] = await db('cases').where({ id: running }).select('status');
      expect(kase.status).toBe('acknowledged');
    } finally {
      await context.close();
    }
  });
});
