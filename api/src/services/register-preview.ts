import sharp, { type OverlayOptions } from 'sharp';
import type { PublicRegisterEntry } from './public-register-service.js';

const WIDTH = 1200;
const HEIGHT = 630;
const PHOTO_WIDTH = 480;

const SEX_WORDS: Record<string, string> = { female: 'Girl', male: 'Boy', other: 'Child', unknown: 'Child' };

function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/**
 * Renders the 1200 × 630 JPEG that share links show (the Open Graph size): the child's first photo and
 * the same facts as the register card, in English, so no detail leaves the register that it does not show.
 */
export async function renderRegisterPreview(
  entry: PublicRegisterEntry,
  photo: Buffer | undefined,
): Promise<Buffer> {
  const district = entry.district?.name ?? 'Pakistan';
  const lines = [
    { text: 'MISSING CHILD', size: 40, weight: 700, fill: '#b3261e' },
    { text: entry.name, size: 64, weight: 700, fill: '#111111' },
    {
      text: `${SEX_WORDS[entry.sex] ?? 'Child'}, ${entry.age} years`,
      size: 40,
      weight: 400,
      fill: '#111111',
    },
    { text: `Last seen ${entry.lastSeenOn}`, size: 36, weight: 400, fill: '#333333' },
    { text: `${district} district`, size: 36, weight: 400, fill: '#333333' },
    { text: 'Seen this child? Tell the police on Talash.', size: 30, weight: 400, fill: '#0b5394' },
  ];
  let y = 110;
  const text = lines
    .map((line) => {
      const element = `<text x="${PHOTO_WIDTH + 50}" y="${y}" font-family="DejaVu Sans, sans-serif" font-size="${line.size}" font-weight="${line.weight}" fill="${line.fill}">${escapeXml(line.text)}</text>`;
      y += line.size + 44;
      return element;
    })
    .join('');
  const svg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}">${text}</svg>`,
  );

  const layers: OverlayOptions[] = [];
  if (photo) {
    const resized = await sharp(photo)
      .resize(PHOTO_WIDTH, HEIGHT, { fit: 'cover', position: 'attention' })
      .toBuffer();
    layers.push({ input: resized, left: 0, top: 0 });
  }
  layers.push({ input: svg, left: 0, top: 0 });
  return sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: '#ffffff' } })
    .composite(layers)
    .jpeg({ quality: 82 })
    .toBuffer();
}
