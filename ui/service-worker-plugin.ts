import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Plugin, type Rolldown, transformWithOxc } from 'vite';

const SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'src', 'portal', 'service-worker.ts');

/**
 * Lists the built files that the portal's entry loads, statically or on demand, with their CSS. Chunks
 * that contain maplibre-gl (about 1 MB) are left out: the map is optional and the portal works
 * without it, so a phone on a slow connection does not download it in the background.
 */
export function portalFiles(bundle: Rolldown.OutputBundle, entryName: string): string[] {
  const chunks = new Map<string, Rolldown.OutputChunk>();
  for (const output of Object.values(bundle))
    if (output.type === 'chunk') chunks.set(output.fileName, output);

  const entry = [...chunks.values()].find((chunk) => chunk.isEntry && chunk.name === entryName);
  if (!entry) throw new Error(`the build has no entry chunk named ${entryName}`);

  const files = new Set<string>();
  const pending = [entry];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const chunk = pending.pop();
    if (!chunk || seen.has(chunk.fileName)) continue;
    seen.add(chunk.fileName);
    if (chunk.moduleIds.some((id) => id.includes('/node_modules/maplibre-gl/'))) continue;

    files.add(chunk.fileName);
    for (const css of chunk.viteMetadata?.importedCss ?? []) files.add(css);
    for (const next of [...chunk.imports, ...chunk.dynamicImports]) {
      const imported = chunks.get(next);
      if (imported) pending.push(imported);
    }
  }
  return [...files].sort().map((file) => `/${file}`);
}

/**
 * Builds the portal's service worker as /sw.js: the TypeScript source without its types, preceded by
 * the list of built files to keep offline and a build id that names the cache.
 */
export function portalServiceWorker(entryName = 'portal'): Plugin {
  return {
    name: 'talash-portal-service-worker',
    apply: 'build',
    // Runs after Vite's own build plugins, so the bundle already contains the written index.html.
    enforce: 'post',
    async generateBundle(_options, bundle) {
      const urls = portalFiles(bundle, entryName);
      // The id changes with the page too, so a new index.html replaces the cached shell.
      const page = bundle['index.html'];
      if (page?.type !== 'asset') throw new Error('the build has no index.html to name the cache after');
      const pageSource = String(page.source);
      const build = createHash('sha256')
        .update(urls.join('\n'))
        .update(pageSource)
        .digest('hex')
        .slice(0, 12);

      const source = await readFile(SOURCE, 'utf8');
      const { code } = await transformWithOxc(source, SOURCE, { lang: 'ts' });
      const script = code.replace(/^export \{\};?\s*$/m, '');
      // /sw.js is registered as a classic script, which cannot hold import or export statements.
      if (/^\s*(import|export)\b/m.test(script)) {
        throw new Error(
          `${SOURCE} must not import or export anything: the service worker is a classic script`,
        );
      }
      this.emitFile({
        type: 'asset',
        fileName: 'sw.js',
        source: `const TALASH_PRECACHE = ${JSON.stringify({ build, urls })};\n${script}`,
      });
    },
  };
}
