import sharp, { type OverlayOptions } from 'sharp';
import type { PublicRegisterEntry } from './public-register-service.js';
import { type RegisterShareText, registerShareText, type ShareLanguage } from './register-share-text.js';
import { NASTALIQ_FAMILY, nastaliqFontFile } from './urdu-font.js';

const WIDTH = 1200;
const HEIGHT = 630;
const PHOTO_WIDTH = 480;
const TEXT_MARGIN = 50;
const TEXT_WIDTH = WIDTH - PHOTO_WIDTH - 2 * TEXT_MARGIN;

interface PreviewLine {
  text: string;
  size: number;
  bold: boolean;
  fill: string;
}

function previewLines(text: RegisterShareText, name: string): PreviewLine[] {
  return [
    { text: text.image.heading, size: 40, bold: true, fill: '#b3261e' },
    { text: name, size: 64, bold: true, fill: '#111111' },
    { text: text.image.childLine, size: 40, bold: false, fill: '#111111' },
    { text: text.image.lastSeenLine, size: 36, bold: false, fill: '#333333' },
    { text: text.image.districtLine, size: 36, bold: false, fill: '#333333' },
    { text: text.image.callToAction, size: 30, bold: false, fill: '#0b5394' },
  ];
}

function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/**
 * Renders the 1200 × 630 JPEG that share links show (the Open Graph size): the child's first photo and
 * the same facts as the register card, so no detail leaves the register that it does not show. The
 * English image has the photo on the left; the Urdu image is mirrored, with the photo on the right.
 */
export async function renderRegisterPreview(
  entry: PublicRegisterEntry,
  photo: Buffer | undefined,
  language: ShareLanguage = 'en',
): Promise<Buffer> {
  const lines = previewLines(registerShareText(entry, language), entry.name);
  const photoLeft = language === 'ur' ? WIDTH - PHOTO_WIDTH : 0;

  const layers: OverlayOptions[] = [];
  if (photo) {
    const resized = await sharp(photo)
      .resize(PHOTO_WIDTH, HEIGHT, { fit: 'cover', position: 'attention' })
      .toBuffer();
    layers.push({ input: resized, left: photoLeft, top: 0 });
  }
  layers.push(...(language === 'ur' ? await urduText(lines) : [latinText(lines)]));
  return sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: '#ffffff' } })
    .composite(layers)
    .jpeg({ quality: 82 })
    .toBuffer();
}

/** English lines as one SVG drawn by librsvg, left-aligned beside the photo. */
function latinText(lines: PreviewLine[]): OverlayOptions {
  let y = 110;
  const text = lines
    .map((line) => {
      const element = `<text x="${PHOTO_WIDTH + TEXT_MARGIN}" y="${y}" font-family="DejaVu Sans, sans-serif" font-size="${line.size}" font-weight="${line.bold ? 700 : 400}" fill="${line.fill}">${escapeXml(line.text)}</text>`;
      y += line.size + 44;
      return element;
    })
    .join('');
  const svg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}">${text}</svg>`,
  );
  return { input: svg, left: 0, top: 0 };
}

/**
 * Urdu lines in Noto Nastaliq Urdu, each rendered by Pango (sharp's text input, which shapes the
 * script with HarfBuzz) and right-aligned before the photo. Nastaliq needs tall lines. A line that
 * would run past the bottom edge is left out, so a name that wraps can push out the last line.
 */
async function urduText(lines: PreviewLine[]): Promise<OverlayOptions[]> {
  const fontfile = await nastaliqFontFile();
  const rightEdge = WIDTH - PHOTO_WIDTH - TEXT_MARGIN;
  const layers: OverlayOptions[] = [];
  let top = 24;
  for (const line of lines) {
    // Pango markup: the text is escaped, and bold is synthesised since only the regular face is loaded.
    const markup = `<span foreground="${line.fill}"${line.bold ? ' weight="bold"' : ''}>${escapeXml(line.text)}</span>`;
    const { data, info } = await sharp({
      text: {
        text: markup,
        font: `${NASTALIQ_FAMILY} ${line.size}`,
        fontfile,
        rgba: true,
        dpi: 72,
        width: TEXT_WIDTH,
        wrap: 'word-char',
      },
    })
      .png()
      .toBuffer({ resolveWithObject: true });
    if (top + info.height > HEIGHT - 12) break;
    layers.push({ input: data, left: rightEdge - info.width, top });
    top += info.height + 6;
  }
  return layers;
}
