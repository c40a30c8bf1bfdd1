// The portal's service worker. It keeps the app shell and the built scripts and styles, so the
// portal, and with it the report form and its draft, opens without a connection. Requests to the API
// never touch the cache, because its responses carry personal data or change from one minute to the next.
//
// The build (ui/service-worker-plugin.ts) strips the types, checks that no import is left, and puts
// the TALASH_PRECACHE constant in front of this code. The result is served as the classic script /sw.js.

/** The build's id and the built files the report form needs, from the build. */
declare const TALASH_PRECACHE: { build: string; urls: string[] };

// The service worker types are not in the DOM library this project compiles with; these are the parts used.
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface ExtendableMessageEvent extends ExtendableEvent {
  readonly data: unknown;
}
interface ServiceWorkerScope {
  readonly location: Location;
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
  addEventListener(type: 'message', listener: (event: ExtendableMessageEvent) => void): void;
}

const worker = self as unknown as ServiceWorkerScope;
const CACHE_PREFIX = 'talash-portal-';
const CACHE_NAME = `${CACHE_PREFIX}${TALASH_PRECACHE.build}`;
// The server sends every portal path the same page. /report gets it without the register's first
// page, which the page at / embeds, and without a child's share tags, so the cached shell contains no
// child's data.
const SHELL_URL = '/report';

function isBuiltAsset(url: URL): boolean {
  return url.origin === worker.location.origin && url.pathname.startsWith('/assets/');
}

worker.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE_NAME);
      await cache.addAll([SHELL_URL, ...TALASH_PRECACHE.urls]);
      await worker.skipWaiting();
    })(),
  );
});

// A new build's worker deletes the caches of older builds and takes over the open portal pages.
worker.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(CACHE_PREFIX) && name !== CACHE_NAME) await caches.delete(name);
      }
      await worker.clients.claim();
    })(),
  );
});

// The page sends the built files it loaded before this worker controlled it (the Urdu font, for one),
// so they are kept too. The browser's HTTP cache usually serves them without a download.
worker.addEventListener('message', (event) => {
  const data = event.data as { type?: unknown; urls?: unknown } | null;
  if (data?.type !== 'cache-assets' || !Array.isArray(data.urls)) return;
  const urls = data.urls
    .filter((url): url is string => typeof url === 'string')
    .map((url) => new URL(url, worker.location.origin))
    .filter(isBuiltAsset);
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE_NAME);
      for (const url of urls) {
        if (await cache.match(url)) continue;
        await cache.add(url).catch(() => undefined);
      }
    })(),
  );
});

worker.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== worker.location.origin || url.pathname.startsWith('/api/')) return;

  // Portal pages come from the network while there is one, so share tags and the register stay
  // current. Without a connection the cached shell opens instead. The dispatcher app is left alone.
  if (request.mode === 'navigate' && !url.pathname.startsWith('/police')) {
    event.respondWith(networkOrShell(request));
    return;
  }
  // Built files have a content hash in their name, so a cached copy never goes stale.
  if (isBuiltAsset(url)) event.respondWith(cacheOrNetwork(request));
});

async function networkOrShell(request: Request): Promise<Response> {
  try {
    return await fetch(request);
  } catch (error) {
    const shell = await caches.match(SHELL_URL, { cacheName: CACHE_NAME });
    if (shell) return shell;
    throw error;
  }
}

async function cacheOrNetwork(request: Request): Promise<Response> {
  const cache = await caches.open(CACHE_NAME);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

export {};
