// Chromium set-up shared by the dashboard's browser tests.
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium; browser tests skip when it is absent. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Starts headless Chromium with software WebGL (SwiftShader), so maplibre draws without a GPU, and
 * without the browser's own background requests.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--enable-unsafe-swiftshader',
      '--use-angle=swiftshader',
    ],
  });
}

/**
 * Opens the dispatcher page in a fresh browser context (its own cookies and storage) with the test
 * hooks on, and signs in with `account`. The caller closes the returned context.
 */
export async function openSignedInPage(
  browser: Browser,
  baseUrl: string,
  account: { username: string; password: string },
  viewport = { width: 1280, height: 800 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.addInitScript(() => {
    (window as Window & { __talashTestHooks?: boolean }).__talashTestHooks = true;
  });
  await page.goto(`${baseUrl}/police/`);
  await page.getByLabel('Username', { exact: true }).fill(account.username);
  await page.getByLabel('Password', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return { context, page };
}
