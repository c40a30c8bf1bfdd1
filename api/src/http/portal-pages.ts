import { readFileSync } from 'node:fs';
import path from 'node:path';
import compression from 'compression';
import express, { type Express, type Request, type Response } from 'express';
import { logger } from '../logger.js';
import type { PublicRegisterService } from '../services/public-register-service.js';
import {
  registerShareText,
  type SharedChild,
  type ShareLanguage,
  shareLanguage,
} from '../services/register-share-text.js';
import { publicIdSchema } from './register-input.js';

const SOCIAL_META_MARKER = /<!-- social-meta:[^>]*-->/;
/** Register entries on the portal's first page. RegisterPage.svelte requests the same number per page. */
export const REGISTER_FIRST_PAGE_SIZE = 20;

function escapeHtml(value: string): string {
  return value.replace(/[<>&"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/**
 * Builds the Open Graph and Twitter tags of a child's register page: the register's facts, no more,
 * in the page's language. The Urdu page's address and preview image carry `?lang=ur`.
 */
export function socialMetaTags(
  origin: string,
  child: SharedChild & { publicId: string },
  language: ShareLanguage = 'en',
): string {
  const text = registerShareText(child, language);
  const query = language === 'ur' ? '?lang=ur' : '';
  const pageUrl = `${origin}/register/${child.publicId}${query}`;
  const imageUrl = `${origin}/api/register/${child.publicId}/preview.jpg${query}`;
  const tags: [string, string, string][] = [
    ['property', 'og:type', 'article'],
    ['property', 'og:site_name', 'Talash'],
    ['property', 'og:locale', text.locale],
    ['property', 'og:locale:alternate', text.alternateLocale],
    ['property', 'og:title', text.title],
    ['property', 'og:description', text.description],
    ['property', 'og:url', pageUrl],
    ['property', 'og:image', imageUrl],
    ['property', 'og:image:width', '1200'],
    ['property', 'og:image:height', '630'],
    ['property', 'og:image:alt', text.imageAlt],
    ['name', 'twitter:card', 'summary_large_image'],
    ['name', 'twitter:title', text.title],
    ['name', 'twitter:description', text.description],
    ['name', 'twitter:image', imageUrl],
  ];
  return tags
    .map(([kind, key, value]) => `<meta ${kind}="${key}" content="${escapeHtml(value)}">`)
    .join('\n    ');
}

/**
 * Serves the two built pages: the dispatcher app under /police/ and the public portal everywhere else.
 * A child's register page (/register/:publicId) gets its share tags rendered into the HTML, because
 * the apps that build link previews do not run JavaScript. A child no longer listed gets 410.
 */
export function mountPortalPages(
  app: Express,
  uiDirectory: string,
  register: PublicRegisterService,
  publicOrigin: string | undefined,
): void {
  const portalHtml = readFileSync(path.join(uiDirectory, 'index.html'), 'utf8');
  const urduPortalHtml = portalHtml.replace('<html lang="en" dir="ltr">', '<html lang="ur" dir="rtl">');
  const sendPortal = (response: Response, status: number, meta: string, body = '', language = 'en') => {
    const html = language === 'ur' ? urduPortalHtml : portalHtml;
    response
      .status(status)
      .set('cache-control', 'no-cache')
      .type('html')
      .send(html.replace(SOCIAL_META_MARKER, meta).replace('</body>', `${body}</body>`));
  };

  // Only the pages and assets are compressed: gzip would hold back the API's server-sent events.
  app.use(compression());
  // Hashed asset names change with every build, so they can be cached; the HTML pages must not be.
  app.use(
    express.static(uiDirectory, {
      index: false,
      maxAge: '1h',
      // The service worker's script names the files of the current build, so browsers must re-check it.
      setHeaders: (response, filePath) => {
        if (path.basename(filePath) === 'sw.js') response.setHeader('cache-control', 'no-cache');
      },
    }),
  );

  app.get(['/police', '/police/{*path}'], (request: Request, response: Response) => {
    if (request.path === '/police') return response.redirect(301, '/police/');
    response
      .set('cache-control', 'no-cache')
      .sendFile('index.html', { root: path.join(uiDirectory, 'police') });
  });

  app.get('/register/:publicId', async (request: Request, response: Response) => {
    const parsed = publicIdSchema.safeParse(request.params.publicId);
    if (!parsed.success) return sendPortal(response, 404, '');
    try {
      const child = await register.findListed(parsed.data);
      if (!child) return sendPortal(response, 410, '<meta name="robots" content="noindex">');
      const origin = publicOrigin ?? `${request.protocol}://${request.get('host')}`;
      const language = shareLanguage(request.query.lang);
      sendPortal(response, 200, socialMetaTags(origin, child, language), '', language);
    } catch (error) {
      logger.error(
        { err: error, publicId: parsed.data },
        'register page tags failed; serving the page without them',
      );
      sendPortal(response, 200, '');
    }
  });

  // The register's first page travels inside the HTML, so a slow connection saves the round trip of
  // fetching it. A JSON data block is not executed, so the Content-Security-Policy allows it.
  app.get('/', async (_request: Request, response: Response) => {
    let data = '';
    try {
      const firstPage = await register.list({ page: 1, pageSize: REGISTER_FIRST_PAGE_SIZE });
      const json = JSON.stringify(firstPage).replace(/</g, '\\u003c');
      data = `<script type="application/json" id="register-first-page">${json}</script>`;
    } catch (error) {
      logger.error({ err: error }, 'register first page failed; the page will fetch it');
    }
    sendPortal(response, 200, '', data);
  });

  app.get('/{*path}', (_request: Request, response: Response) => sendPortal(response, 200, ''));
}
