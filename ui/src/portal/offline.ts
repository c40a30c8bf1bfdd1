// Registers the portal's service worker (service-worker.ts, built as /sw.js), which keeps the app
// shell so the portal and the report form open without a connection.

/**
 * Registers /sw.js and hands it the built files this page loaded before the worker controlled it,
 * so those are kept offline too. Failures only cost the offline copy, so they are logged and ignored.
 */
export async function registerServiceWorker(): Promise<void> {
  if (!('serviceWorker' in navigator)) return;
  try {
    await navigator.serviceWorker.register('/sw.js', { scope: '/' });
    const registration = await navigator.serviceWorker.ready;
    const loaded = performance
      .getEntriesByType('resource')
      .map((entry) => new URL(entry.name))
      .filter((url) => url.origin === location.origin && url.pathname.startsWith('/assets/'))
      .map((url) => url.pathname);
    registration.active?.postMessage({ type: 'cache-assets', urls: loaded });
  } catch (error) {
    console.warn('The portal could not be kept for offline use', error);
  }
}
