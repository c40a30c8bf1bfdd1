import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';
import { portalServiceWorker } from './service-worker-plugin.ts';

const uiRoot = path.dirname(fileURLToPath(import.meta.url));

// Two pages: the public portal (index.html, served at `/`) and the dispatcher app (police/index.html,
// served at `/police/`). The API serves ui/dist; during `npm run dev:ui` the dev server forwards /api to it.
// The build also writes the portal's service worker, /sw.js, which keeps the portal usable offline.
export default defineConfig({
  root: uiRoot,
  base: '/',
  plugins: [svelte(), portalServiceWorker()],
  build: {
    outDir: path.join(uiRoot, 'dist'),
    emptyOutDir: true,
    // maplibre-gl alone is about 1 MB minified; one chunk for it is expected.
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      input: {
        portal: path.join(uiRoot, 'index.html'),
        police: path.join(uiRoot, 'police', 'index.html'),
      },
    },
  },
  server: {
    proxy: {
      '/api': { target: process.env.TALASH_API_URL ?? 'http://127.0.0.1:8080', changeOrigin: false },
    },
  },
});
