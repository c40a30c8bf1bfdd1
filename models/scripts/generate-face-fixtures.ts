/**
 * Copies the openly licensed photos of the face benchmark set into test/fixtures/faces and derives
 * the hard-case variants (EXIF orientation, transparency, grayscale, WEBP, non-image) from them.
 *
 *   npx tsx models/scripts/generate-face-fixtures.ts [--source DIR]
 *
 * Only photos whose licence is MIT or public domain are used; ATTRIBUTION.md lists each file.
 */
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const repositoryRoot = path.resolve(import.meta.dirname, '../..');
const { values } = parseArgs({ options: { source: { type: 'string' } } });
const source = path.resolve(values.source ?? path.join(repositoryRoot, '../shared/data/faces'));
const target = path.join(repositoryRoot, 'test/fixtures/faces');

const COPIES: Record<string, string> = {
  'azure_son_1.jpg': 'azure_family1_son/1.jpg',
  'azure_son_2.jpg': 'azure_family1_son/2.jpg',
  'obama_1.jpg': 'barack_obama/1.jpg',
  'obama_2.jpg': 'barack_obama/2.jpg',
  'obama_4.jpg': 'barack_obama/4.jpg',
  'biden_1.jpg': 'joe_biden/1.jpg',
  'biden_2.jpg': 'joe_biden/2.jpg',
  'composite_obama_biden.jpg': '_hard/composite_obama_biden.jpg',
  'letterbox_small_obama.jpg': '_hard/letterbox_small_obama.jpg',
  'person_from_behind_exif6.jpg': '_noface/person_from_behind_exif6.jpg',
  'blank_white.png': '_noface/blank_white.png',
};

await mkdir(target, { recursive: true });
for (const [name, relativePath] of Object.entries(COPIES)) {
  await copyFile(path.join(source, relativePath), path.join(target, name));
  // The shared set is read-only; the copies are ordinary repository files.
  await chmod(path.join(target, name), 0o644);
}

// Pixels stored rotated 90° counter-clockwise with EXIF Orientation 6, so the photo is upright
// only when a decoder applies the orientation.
await sharp(path.join(source, 'barack_obama/1.jpg'))
  .rotate(270)
  .withMetadata({ orientation: 6 })
  .jpeg({ quality: 85 })
  .toFile(path.join(target, 'obama_1_exif6.jpg'));

// Real transparency: the outer 20% of the frame is fully transparent black, which turns into a
// black frame unless alpha is flattened onto a light background.
{
  const { data, info } = await sharp(path.join(source, 'joe_biden/2.jpg'))
    .resize(480, 480)
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const margin = Math.round(info.width * 0.2);
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      const outside = x < margin || y < margin || x >= info.width - margin || y >= info.height - margin;
      if (outside) {
        data.fill(0, (y * info.width + x) * 4, (y * info.width + x) * 4 + 4);
      }
    }
  }
  await sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } })
    .png()
    .toFile(path.join(target, 'biden_2_transparent.png'));
}

// Single-channel grayscale PNG.
await sharp(path.join(source, 'barack_obama/2.jpg'))
  .resize({ width: 400 })
  .toColourspace('b-w')
  .png()
  .toFile(path.join(target, 'obama_2_grayscale.png'));

await sharp(path.join(source, 'joe_biden/2.jpg'))
  .resize(600, 600)
  .webp({ quality: 80 })
  .toFile(path.join(target, 'biden_2.webp'));

await writeFile(
  path.join(target, 'not_an_image.png'),
  'This text file has a .png name but is not an image.\n',
);

console.log(`fixtures written to ${target}`);
