import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** A photo of the face benchmark set; `identity` is null for distractors and the special folders. */
export interface BenchPhoto {
  file: string;
  relativePath: string;
  identity: string | null;
  role: 'labelled' | 'distractor' | 'hard' | 'noface';
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif']);

/**
 * Lists a face set laid out as `<person>/<photo>` plus `_distractors/`, `_hard/` and `_noface/`.
 * Folders starting with `_` other than those three, and manifest files, are skipped.
 */
export function listBenchPhotos(root: string): BenchPhoto[] {
  const photos: BenchPhoto[] = [];
  for (const folder of readdirSync(root).sort()) {
    const folderPath = path.join(root, folder);
    if (!statSync(folderPath).isDirectory()) {
      continue;
    }
    const role = roleOf(folder);
    if (!role) {
      continue;
    }
    for (const name of readdirSync(folderPath).sort(byNumberThenName)) {
      if (role !== 'hard' && !IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase())) {
        continue;
      }
      photos.push({
        file: path.join(folderPath, name),
        relativePath: `${folder}/${name}`,
        identity: role === 'labelled' ? folder : null,
        role,
      });
    }
  }
  return photos;
}

function roleOf(folder: string): BenchPhoto['role'] | null {
  if (folder === '_distractors') return 'distractor';
  if (folder === '_hard') return 'hard';
  if (folder === '_noface') return 'noface';
  if (folder.startsWith('_') || folder.startsWith('.')) return null;
  return 'labelled';
}

function byNumberThenName(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
