import { readFileSync } from 'node:fs';
import path from 'node:path';
import compression from 'compression';
import express, { type Express, type Request, type Response } from 'express';
import { logger } from '../logger.js';
import type { PublicRegisterService } from '../services/public-register-service.js';
import { publicIdSchema } from './register-input.js';

const SOCIAL_META_MARKER = /<!-- social-meta:[^>]*-->/;
/** Register entries on the portal's first page. RegisterPage.svelte requests the same number per page. */
export const REGISTER_FIRST_PAGE_SIZE = 20;

const SEX_WORDS: Record<string, string> = { female: 'girl', male: 'boy', other: 'child', unknown: 'child' };

function escapeHtml(value: string): string {
  return value.replace(/[<>&"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** Builds the Open Graph and Twitter tags of a child's register page: the register's facts, no more. */
export function socialMetaTags(
  origin: string,
  child: {
    publicId: string;
    name: string;
    age: number;
    sex: string;
    district: { name: string } | null;
    lastSeenOn: string;
  },
): string {
  const title = `Missing: ${child.name}, ${child.age}`;
  const description = `Missing ${SEX_WORDS[child.sex] ?? 'child'}, ${child.age} years, last seen ${child.lastSeenOn} in ${child.district?.name ?? 'Pakistan'}. Have you seen this child? Tell the police on Talash.`;
  const pageUrl = `${origin}/register/${child.publicId}`;
  const imageUrl = `${origin}/api/register/${child.publicId}/preview.jpg`;
  const tags: [string, string, string][] = [
    ['property', 'og:type', 'article'],
    ['property', 'og:site_name', 'Talash'],
    ['property', 'og:title', title],
    ['property', 'og:description', description],
    ['property', 'og:url', pageUrl],
    ['property', 'og:image', imageUrl],
    ['property', 'og:image:width', '1200'],
    ['property', 'og:image:height', '630'],
    ['property', 'og:image:alt', `Photo of ${child.name}`],
    ['name', 'twitter:card', 'summary_large_image'],
    ['name', 'twitter:title', title],
    ['name', 'twitter:description', description],
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
  const sendPortal = (response: Response, status: number, meta: string, body = '') => {
    response
      .status(status)
      .set('cache-control', 'no-cache')
      .type('html')
      .send(portalHtml.replace(SOCIAL_META_MARKER, meta).replace('</body>', `${body}</body>`));
  };

  // Only the pages and assets are compressed: gzip would hold back the API's server-sent events.
  app.use(compression());
  // Hashed asset names change with every build, so they can be cached; the HTML pages must not be.
  app.use(
    express.static(uiDirectory, {
      index: false,
      maxAge: '1h',
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
      sendPortal(response, 200, socialMetaTags(origin, child));
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
