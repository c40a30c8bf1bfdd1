// The deadline board of an RPO, an IG and a DPO in a real Chromium against the real API and worker.
// It checks the districts of the officer's region or province with their counts and the map's shading
// by open cases with a missed deadline. It also checks that nothing from outside the officer's
// jurisdiction shows, and that a new missed deadline arrives live. Deadlines are missed by moving the platform's deadline clock forward.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bbox } from '@turf/turf';
import type { Map as MaplibreMap } from 'maplibre-gl';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonCall } from '../../api/test/support/json-call.js';
import {
  createTestAccount,
  signIn,
  startTestPlatform,
  type TestPlatform,
} from '../../api/test/support/platform.js';
import type { DistrictCollection } from '../src/api/types';
import { districtLabelPoints } from '../src/map/label-points';
import { CHROMIUM, launchChromium, openSignedInPage } from './support/browser';

const uiRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCREENSHOT_DIR = process.env.TALASH_SCREENSHOT_DIR ?? '/tmp';
const HOUR = 3600_000;

// Sahiwal division, where no other test file reports, so its counts change only through this file.
const SAHIWAL_DIVISION = 'PK-PB-SAHIWAL-DIV';
const DIVISION_DISTRICTS = ['PK-PB-OKARA', 'PK-PB-PAKPATTAN', 'PK-PB-SAHIWAL'];
const PLACES = {
  okara: { lat: 30.81, lon: 73.45, district: 'PK-PB-OKARA' },
  sahiwal: { lat: 30.66, lon: 73.1, district: 'PK-PB-SAHIWAL' },
  pakpattan: { lat: 30.34, lon: 73.39, district: 'PK-PB-PAKPATTAN' },
  // Jhang is in Punjab but in Faisalabad division; Hyderabad is in Sindh.
  jhang: { lat: 31.27, lon: 72.32, district: 'PK-PB-JHANG' },
  hyderabad: { lat: 25.39, lon: 68.37, district: 'PK-SD-HYDERABAD' },
} as const;
type Place = (typeof PLACES)[keyof typeof PLACES];

type Counts = { openCases: number; unacknowledged: number; openBreached: number; breaches: number };
type ShadedDistrict = { openBreached: number; color: number[] };
type DeadlineMapWindow = Window & { __talashDeadlineMap?: MaplibreMap; __talashPageMarker?: string };

// The platform's deadline clock runs this far ahead of the real one; 0 except while a test misses a
// deadline, so the board's countdowns follow real time.
let clockOffsetMs = 0;

describe.skipIf(!existsSync(CHROMIUM))('deadline maps in Chromium', () => {
  let platform: TestPlatform;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  // The cases this file files, by name; each is checked by id, never by count of all cases.
  const cases: Record<string, string> = {};
  let labelPoints: Record<string, [number, number]> = {};
  let divisionBounds: [number, number, number, number];

  async function fileReport(place: Place, name: string): Promise<string> {
    const response = await fetch(`${platform.baseUrl}/api/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        child: { name: `${name} ${Date.now().toString(36)}`, age: 8, sex: 'male', description: 'blue shirt' },
        lastSeen: { lat: place.lat, lon: place.lon, at: new Date().toISOString() },
        reporter: { name: 'Test Reporter', phone: '+923001234567' },
      }),
    });
    expect(response.status).toBe(201);
    const receipt = (await response.json()) as { id: string; district: { code: string } };
    expect(receipt.district.code).toBe(place.district);
    return receipt.id;
  }

  // Escalates the case's FIR deadline to the RPO as the worker would, with the clock just past it.
  async function missFirDeadline(caseId: string): Promise<void> {
    const { db, services } = platform.platform;
    const [clock] = await db('case_deadlines').where({ case_id: caseId, duty: 'fir' });
    clockOffsetMs = clock.started_at.getTime() + 2 * HOUR + 60_000 - Date.now();
    try {
      expect(await services.deadlineClock.escalate({ caseId, duty: 'fir', level: 'RPO' })).toBe(true);
    } finally {
      clockOffsetMs = 0;
    }
  }

  async function apiCounts(cookie: string): Promise<Record<string, Counts>> {
    const { status, body } = await jsonCall(platform, 'GET', '/api/dashboard/districts', cookie);
    expect(status).toBe(200);
    const districts = body.districts as ({ code: string } & Counts)[];
    return Object.fromEntries(
      districts.map(({ code, openCases, unacknowledged, openBreached, breaches }) => [
        code,
        { openCases, unacknowledged, openBreached, breaches },
      ]),
    );
  }

  // Closes the pages of a finished view, so their maps stop taking the two cores from the next view.
  async function closeContexts(): Promise<void> {
    for (const context of contexts.splice(0)) await context.close();
  }

  async function openBoard(account: { username: string; password: string }): Promise<Page> {
    const { context, page } = await openSignedInPage(browser, platform.baseUrl, account);
    contexts.push(context);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.getByRole('link', { name: 'Deadlines' }).click();
    return page;
  }

  beforeAll(async () => {
    await build({ configFile: path.join(uiRoot, 'vite.config.ts'), logLevel: 'warn' });
    // The periodic sweep is pushed out of the test's way: only missFirDeadline escalates, so the
    // counts change only where this file expects them to.
    platform = await startTestPlatform(
      { DEADLINE_SWEEP_INTERVAL_MS: String(24 * HOUR) },
      { now: () => new Date(Date.now() + clockOffsetMs) },
    );
    browser = await launchChromium();

    cases.okaraFirst = await fileReport(PLACES.okara, 'Okara Child');
    cases.okaraSecond = await fileReport(PLACES.okara, 'Okara Child');
    cases.sahiwal = await fileReport(PLACES.sahiwal, 'Sahiwal Child');
    cases.sahiwalLive = await fileReport(PLACES.sahiwal, 'Sahiwal Child');
    cases.pakpattan = await fileReport(PLACES.pakpattan, 'Pakpattan Child');
    cases.jhang = await fileReport(PLACES.jhang, 'Jhang Child');
    cases.jhangLive = await fileReport(PLACES.jhang, 'Jhang Child');
    cases.hyderabad = await fileReport(PLACES.hyderabad, 'Hyderabad Child');
    for (const name of ['okaraFirst', 'okaraSecond', 'sahiwal', 'jhang', 'hyderabad']) {
      await missFirDeadline(cases[name] as string);
    }

    // A point well inside each district, where its fill is seen away from outlines.
    const response = await fetch(`${platform.baseUrl}/api/jurisdictions?level=district`);
    const districts = (await response.json()) as DistrictCollection;
    divisionBounds = bbox({
      ...districts,
      features: districts.features.filter((feature) => DIVISION_DISTRICTS.includes(feature.properties.code)),
    }) as [number, number, number, number];
    labelPoints = Object.fromEntries(
      districtLabelPoints(districts).features.map((feature) => [
        feature.properties.code,
        feature.geometry.coordinates as [number, number],
      ]),
    );
  }, 180_000);

  afterAll(async () => {
    await closeContexts();
    await browser?.close();
    await platform?.stop();
  });

  // The district table as the page shows it, with Urdu digits read as numbers.
  async function tableCounts(page: Page): Promise<Record<string, Counts & { name: string }>> {
    await page.getByTestId('district-counts').waitFor();
    const rows = await page
      .locator('[data-testid="district-counts"] tbody tr')
      .evaluateAll((elements) =>
        elements.map((row) => [
          row.getAttribute('data-district-code') ?? '',
          row.querySelector('th')?.textContent?.trim() ?? '',
          [...row.querySelectorAll('td')].map((cell) => cell.textContent?.trim() ?? ''),
        ]),
      );
    const toNumber = (text: string) =>
      Number(
        text.replace(/[\u06f0-\u06f9]/g, (digit) => String(digit.charCodeAt(0) - 0x06f0)).replace(/\D/g, ''),
      );
    return Object.fromEntries(
      rows.map(([code, name, cells]) => {
        const [openCases, unacknowledged, openBreached, breaches] = (cells as string[]).map(toNumber);
        return [code, { name, openCases, unacknowledged, openBreached, breaches }];
      }),
    ) as Record<string, Counts & { name: string }>;
  }

  async function mapIdle(page: Page): Promise<void> {
    await page.waitForFunction(() => {
      const map = (window as DeadlineMapWindow).__talashDeadlineMap;
      return map?.loaded() === true && !map.isMoving();
    });
  }

  // Districts drawn on screen with their count and the fill colour the layer evaluated for them.
  async function shadedDistricts(page: Page): Promise<Record<string, ShadedDistrict>> {
    await mapIdle(page);
    return page.evaluate(() => {
      const map = (window as DeadlineMapWindow).__talashDeadlineMap;
      const shaded: Record<string, ShadedDistrict> = {};
      for (const feature of map?.queryRenderedFeatures({ layers: ['deadline-districts'] }) ?? []) {
        const color = feature.layer.paint?.['fill-color' as keyof typeof feature.layer.paint] as unknown as {
          r: number;
          g: number;
          b: number;
        };
        shaded[String(feature.properties.code)] = {
          openBreached: Number(feature.properties.openBreached),
          color: [color.r, color.g, color.b].map((channel) => Math.round(channel * 255)),
        };
      }
      return shaded;
    });
  }

  // What the map was given, wherever the view is: district codes and case ids in its sources.
  async function mapSources(page: Page): Promise<{ districts: string[]; cases: string[] }> {
    await mapIdle(page);
    return page.evaluate(async () => {
      const map = (window as DeadlineMapWindow).__talashDeadlineMap;
      const dataOf = async (id: string) => {
        const source = map?.getSource(id) as { getData(): Promise<GeoJSON.FeatureCollection> } | undefined;
        return (await source?.getData())?.features ?? [];
      };
      return {
        districts: (await dataOf('districts')).map((feature) => String(feature.properties?.code)),
        cases: (await dataOf('cases')).map((feature) => String(feature.properties?.caseId)),
      };
    });
  }

  // The colour on screen at a point well inside each district (pole of inaccessibility).
  async function pixelColours(page: Page, codes: string[]): Promise<Record<string, number[]>> {
    await mapIdle(page);
    const points = Object.fromEntries(codes.map((code) => [code, labelPoints[code] as [number, number]]));
    const onScreen = await page.evaluate((points) => {
      const map = (window as DeadlineMapWindow).__talashDeadlineMap;
      if (!map) throw new Error('the deadline map test hook is missing');
      return Object.fromEntries(
        Object.entries(points).map(([code, lonLat]) => {
          const point = map.project(lonLat);
          return [code, [Math.round(point.x), Math.round(point.y)]];
        }),
      );
    }, points);
    const png = await page.locator('.deadline-map canvas').screenshot();
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return Object.fromEntries(
      Object.entries(onScreen).map(([code, [x, y]]) => {
        expect(x, `${code} is on the map`).toBeGreaterThanOrEqual(0);
        expect(x, `${code} is on the map`).toBeLessThan(info.width);
        expect(y, `${code} is on the map`).toBeGreaterThanOrEqual(0);
        expect(y, `${code} is on the map`).toBeLessThan(info.height);
        const offset = ((y as number) * info.width + (x as number)) * info.channels;
        return [code, [data[offset] ?? 0, data[offset + 1] ?? 0, data[offset + 2] ?? 0]];
      }),
    );
  }

  // How far red dominates green in a pixel: near 0 for the cream of a district without missed
  // deadlines, growing as the fill moves towards the red of five or more.
  const redness = ([red, green]: number[]) => (red ?? 0) - (green ?? 0);

  // Misses a deadline of `caseId` in `district` while the board is open, and checks that the table,
  // the map's shading and the case's marker follow over the event stream without a page load.
  async function expectLiveBreach(page: Page, district: string, caseId: string): Promise<void> {
    const before = (await tableCounts(page))[district] as Counts;
    const shadedBefore = (await shadedDistricts(page))[district] as ShadedDistrict;
    await page.evaluate(() => {
      (window as DeadlineMapWindow).__talashPageMarker = 'before-breach';
    });

    await missFirDeadline(caseId);

    await expect
      .poll(async () => (await tableCounts(page))[district]?.openBreached, { timeout: 15_000 })
      .toBe(before.openBreached + 1);
    expect((await tableCounts(page))[district]?.breaches).toBe(before.breaches + 1);
    await expect
      .poll(async () => (await shadedDistricts(page))[district]?.openBreached, { timeout: 5_000 })
      .toBe(before.openBreached + 1);
    expect((await shadedDistricts(page))[district]?.color).not.toEqual(shadedBefore.color);
    await page.locator(`li[data-case-id="${caseId}"]`).getByTestId('breach-marker').waitFor();
    expect(await page.evaluate(() => (window as DeadlineMapWindow).__talashPageMarker)).toBe('before-breach');
  }

  describe('RPO of Sahiwal division', () => {
    let page: Page;
    let rpoCookie: string;

    beforeAll(async () => {
      rpoCookie = await signIn(platform, 'rpo', SAHIWAL_DIVISION);
      page = await openBoard(await createTestAccount(platform, 'rpo', SAHIWAL_DIVISION));
    });

    afterAll(closeContexts);

    it('lists the districts of the region with their counts', async () => {
      const expected = await apiCounts(rpoCookie);
      expect(Object.keys(expected).sort()).toEqual(DIVISION_DISTRICTS);
      expect(expected['PK-PB-OKARA']?.openBreached).toBeGreaterThanOrEqual(2);
      expect(expected['PK-PB-SAHIWAL']?.openBreached).toBeGreaterThanOrEqual(1);

      await expect
        .poll(async () => Object.keys(await tableCounts(page)).sort(), { timeout: 10_000 })
        .toEqual(DIVISION_DISTRICTS);
      const shown = await tableCounts(page);
      for (const code of DIVISION_DISTRICTS) {
        const { name: _name, ...counts } = shown[code] as Counts & { name: string };
        expect(counts, code).toEqual(expected[code]);
      }
      expect(shown['PK-PB-OKARA']?.name).toBe('Okara');
    });

    it('shades the districts of the region by missed deadlines', async () => {
      const table = await tableCounts(page);
      await expect
        .poll(async () => Object.keys(await shadedDistricts(page)).sort(), { timeout: 10_000 })
        .toEqual(DIVISION_DISTRICTS);
      const shaded = await shadedDistricts(page);
      for (const code of DIVISION_DISTRICTS) {
        expect(shaded[code]?.openBreached, code).toBe(table[code]?.openBreached);
      }
      const withoutBreach = DIVISION_DISTRICTS.filter((code) => table[code]?.openBreached === 0);
      expect(withoutBreach).toContain('PK-PB-PAKPATTAN');
      expect(shaded['PK-PB-OKARA']?.color).not.toEqual(shaded['PK-PB-PAKPATTAN']?.color);
      expect(shaded['PK-PB-SAHIWAL']?.color).not.toEqual(shaded['PK-PB-PAKPATTAN']?.color);

      // The map view fits the region, and what is drawn there shows the same order.
      const pixels = await pixelColours(page, DIVISION_DISTRICTS);
      expect(redness(pixels['PK-PB-PAKPATTAN'] ?? [])).toBeLessThan(15);
      expect(redness(pixels['PK-PB-SAHIWAL'] ?? [])).toBeGreaterThan(15);
      if ((table['PK-PB-OKARA']?.openBreached ?? 0) > (table['PK-PB-SAHIWAL']?.openBreached ?? 0)) {
        expect(redness(pixels['PK-PB-OKARA'] ?? [])).toBeGreaterThan(redness(pixels['PK-PB-SAHIWAL'] ?? []));
      }
      const zoom = await page.evaluate(
        () => (window as DeadlineMapWindow).__talashDeadlineMap?.getZoom() ?? 0,
      );
      expect(zoom).toBeGreaterThan(6);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'talash-deadlines-rpo.png'), fullPage: true });
    });

    it('fits the region when its counts come last', async () => {
      // The counts are held back until the map has its polygons and the cases, so the view can only
      // be fitted to the region once they arrive.
      const account = await createTestAccount(platform, 'rpo', SAHIWAL_DIVISION);
      const { context, page: late } = await openSignedInPage(browser, platform.baseUrl, account);
      contexts.push(context);
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      await late.route('**/api/dashboard/districts*', async (route) => {
        await released;
        await route.continue();
      });
      const polygons = late.waitForResponse((response) =>
        response.url().includes('/api/jurisdictions?level=district'),
      );
      await late.getByRole('link', { name: 'Deadlines' }).click();
      await polygons;
      await late.locator(`li[data-case-id="${cases.okaraFirst}"]`).waitFor();
      await mapIdle(late);
      release();

      await expect
        .poll(async () => Object.keys(await tableCounts(late)).sort(), { timeout: 10_000 })
        .toEqual(DIVISION_DISTRICTS);
      await expect
        .poll(async () => Object.keys(await shadedDistricts(late)).sort(), { timeout: 10_000 })
        .toEqual(DIVISION_DISTRICTS);
      const view = await late.evaluate(() => {
        const map = (window as DeadlineMapWindow).__talashDeadlineMap;
        return { zoom: map?.getZoom() ?? 0, bounds: map?.getBounds().toArray() ?? [] };
      });
      const [west, south, east, north] = divisionBounds;
      expect(view.zoom).toBeGreaterThan(6);
      expect(view.bounds[0]?.[0]).toBeLessThanOrEqual(west);
      expect(view.bounds[0]?.[1]).toBeLessThanOrEqual(south);
      expect(view.bounds[1]?.[0]).toBeGreaterThanOrEqual(east);
      expect(view.bounds[1]?.[1]).toBeGreaterThanOrEqual(north);
    });

    it('leaves the map sources alone between updates', async () => {
      await mapIdle(page);
      await page.evaluate(() => {
        const map = (window as DeadlineMapWindow).__talashDeadlineMap;
        const counted = window as Window & { __talashSetDataCalls?: number };
        counted.__talashSetDataCalls = 0;
        for (const id of ['districts', 'cases']) {
          const source = map?.getSource(id) as { setData(data: unknown): unknown } | undefined;
          if (!source) throw new Error(`the map has no source ${id}`);
          const setData = source.setData.bind(source);
          source.setData = (data: unknown) => {
            counted.__talashSetDataCalls = (counted.__talashSetDataCalls ?? 0) + 1;
            return setData(data);
          };
        }
      });
      // The countdowns tick every second; none of those ticks changes what the map shows.
      await page.waitForTimeout(3_000);
      expect(
        await page.evaluate(
          () => (window as Window & { __talashSetDataCalls?: number }).__talashSetDataCalls,
        ),
      ).toBe(0);
    });

    it('shows nothing from outside the region', async () => {
      const sources = await mapSources(page);
      expect([...new Set(sources.districts)].sort()).toEqual(DIVISION_DISTRICTS);
      for (const name of ['okaraFirst', 'okaraSecond', 'sahiwal', 'sahiwalLive', 'pakpattan']) {
        expect(sources.cases, name).toContain(cases[name]);
      }
      for (const name of ['jhang', 'jhangLive', 'hyderabad']) {
        expect(sources.cases, name).not.toContain(cases[name]);
        expect(await page.locator(`li[data-case-id="${cases[name]}"]`).count(), name).toBe(0);
      }
      expect(Object.keys(await tableCounts(page))).not.toContain('PK-PB-JHANG');
    });

    it('updates counts and shading on a live breach', async () => {
      await expectLiveBreach(page, 'PK-PB-SAHIWAL', cases.sahiwalLive as string);
    });

    it('shows the region in Urdu right to left', async () => {
      const english = await tableCounts(page);
      const shadedInEnglish = await shadedDistricts(page);
      await page.getByRole('button', { name: 'اردو' }).click();

      expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
      await expect.poll(async () => (await tableCounts(page))['PK-PB-OKARA']?.name).toBe('اوکاڑہ');
      const urdu = await tableCounts(page);
      for (const code of DIVISION_DISTRICTS) {
        const { name: _english, ...englishCounts } = english[code] as Counts & { name: string };
        const { name: _urdu, ...urduCounts } = urdu[code] as Counts & { name: string };
        expect(urduCounts, code).toEqual(englishCounts);
      }
      // Numbers are shown in Extended Arabic-Indic digits, so no Latin digit is left in the table.
      expect(await page.getByTestId('district-counts').textContent()).not.toMatch(/[0-9]/);
      expect(await page.getByTestId('district-counts').textContent()).toMatch(/[\u06f0-\u06f9]/);
      expect(await page.locator('.deadline-map').getAttribute('aria-label')).toContain('نقشہ');
      expect(await shadedDistricts(page)).toEqual(shadedInEnglish);
      await page.screenshot({
        path: path.join(SCREENSHOT_DIR, 'talash-deadlines-rpo-ur.png'),
        fullPage: true,
      });
      await page.getByRole('button', { name: 'English' }).click();
    });
  });

  describe('IG of Punjab', () => {
    let page: Page;
    let igCookie: string;
    let punjab: string[];

    beforeAll(async () => {
      igCookie = await signIn(platform, 'ig', 'PK-PB');
      punjab = Object.keys(await apiCounts(igCookie)).sort();
      page = await openBoard(await createTestAccount(platform, 'ig', 'PK-PB'));
    });

    afterAll(closeContexts);

    it('lists every district of the province with its counts', async () => {
      expect(punjab.length).toBeGreaterThan(30);
      for (const code of punjab) expect(code.startsWith('PK-PB-'), code).toBe(true);
      expect(punjab).toEqual(expect.arrayContaining([...DIVISION_DISTRICTS, 'PK-PB-JHANG']));

      await expect
        .poll(async () => Object.keys(await tableCounts(page)).sort(), { timeout: 10_000 })
        .toEqual(punjab);
      const expected = await apiCounts(igCookie);
      const shown = await tableCounts(page);
      for (const code of punjab) {
        const { name: _name, ...counts } = shown[code] as Counts & { name: string };
        expect(counts, code).toEqual(expected[code]);
      }
      expect(shown['PK-PB-JHANG']?.openBreached).toBeGreaterThanOrEqual(1);
    });

    it('shades the districts of the province only', async () => {
      const table = await tableCounts(page);
      await expect
        .poll(async () => Object.keys(await shadedDistricts(page)).sort(), { timeout: 10_000 })
        .toEqual(punjab);
      const shaded = await shadedDistricts(page);
      for (const code of punjab) expect(shaded[code]?.openBreached, code).toBe(table[code]?.openBreached);
      expect(shaded['PK-PB-JHANG']?.color).not.toEqual(shaded['PK-PB-PAKPATTAN']?.color);

      const pixels = await pixelColours(page, ['PK-PB-JHANG', 'PK-PB-PAKPATTAN']);
      expect(redness(pixels['PK-PB-PAKPATTAN'] ?? [])).toBeLessThan(15);
      expect(redness(pixels['PK-PB-JHANG'] ?? [])).toBeGreaterThan(15);

      // Sindh's districts are neither drawn nor given to the map; its case is not on the board.
      const sources = await mapSources(page);
      expect([...new Set(sources.districts)].sort()).toEqual(punjab);
      expect(sources.cases).toContain(cases.jhang);
      expect(sources.cases).not.toContain(cases.hyderabad);
      expect(await page.locator(`li[data-case-id="${cases.hyderabad}"]`).count()).toBe(0);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'talash-deadlines-ig.png'), fullPage: true });
    });

    it('updates counts and shading on a live breach', async () => {
      await expectLiveBreach(page, 'PK-PB-JHANG', cases.jhangLive as string);
    });
  });

  describe('DPO of Okara', () => {
    it('sees only the own district', async () => {
      const page = await openBoard(await createTestAccount(platform, 'dpo', 'PK-PB-OKARA'));
      await page.locator(`li[data-case-id="${cases.okaraFirst}"]`).waitFor();

      expect(await page.getByTestId('district-counts').count()).toBe(0);
      await expect
        .poll(async () => [...new Set((await mapSources(page)).districts)], { timeout: 10_000 })
        .toEqual(['PK-PB-OKARA']);
      const sources = await mapSources(page);
      expect(sources.cases).toEqual(expect.arrayContaining([cases.okaraFirst, cases.okaraSecond]));
      // Every case on the map lies in Okara, whichever test file filed it.
      const districtsOfCases = await platform.platform
        .db('cases')
        .join('jurisdictions', 'jurisdictions.id', 'cases.district_id')
        .whereIn('cases.id', sources.cases)
        .distinct('jurisdictions.code');
      expect(districtsOfCases.map((row: { code: string }) => row.code)).toEqual(['PK-PB-OKARA']);
      const listed = await page
        .locator('[data-testid="urgent-cases"] > li')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-case-id')));
      expect(listed.sort()).toEqual([...sources.cases].sort());

      const shaded = await shadedDistricts(page);
      expect(Object.keys(shaded)).toEqual(['PK-PB-OKARA']);
    });
  });

  describe('DPO of a district with no open case', () => {
    it('still sees the own district on the map', async () => {
      // No test files a report in Awaran, so this DPO's board lists no case.
      const page = await openBoard(await createTestAccount(platform, 'dpo', 'PK-BA-AWARAN'));

      await expect
        .poll(async () => (await mapSources(page)).districts, { timeout: 10_000 })
        .toEqual(['PK-BA-AWARAN']);
      expect((await mapSources(page)).cases).toEqual([]);
      expect(Object.keys(await shadedDistricts(page))).toEqual(['PK-BA-AWARAN']);
    });
  });

  it('raises no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
