import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const uiRoot = path.dirname(fileURLToPath(import.meta.url));

// The API serves ui/dist at `/`; during `npm run dev:ui` the dev server forwards /api to it.
export default defineConfig({
  root: uiRoot,
  base: '/',
  plugins: [svelte()],
  build: {
    outDir: path.join(uiRoot, 'dist'),
    emptyOutDir: true,
    // maplibre-gl alone is about 1 MB minified; one chunk for it is expected.
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: {
      '/api': { target: process.env.TALASH_API_URL ?? 'http://127.0.0.1:8080', changeOrigin: false },
    },
  },
});
