// The share preview image and share texts in English and Urdu. The Urdu image must be drawn with the
// shipped Nastaliq font, which sharp's libvips can load only after it is unpacked from WOFF.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { PublicRegisterEntry } from '../src/services/public-register-service.js';
import { renderRegisterPreview } from '../src/services/register-preview.js';
import { registerShareText } from '../src/services/register-share-text.js';
import { NASTALIQ_FAMILY, nastaliqFontFile, woffToSfnt } from '../src/services/urdu-font.js';

const entry: PublicRegisterEntry = {
  publicId: 'a'.repeat(32),
  name: 'Ayesha',
  age: 8,
  sex: 'female',
  district: { code: 'PK-PB-LAHORE', name: 'Lahore', nameUr: 'لاہور' },
  lastSeenOn: '2026-12-03',
  lastSeenArea: { lat: 31.52, lon: 74.36, bounds: [74.355, 31.515, 74.365, 31.525] },
  photos: [],
};

/** Renders one line of text with sharp's text input (Pango) and returns its raw RGBA pixels. */
async function renderLine(text: string, font: string, fontfile?: string): Promise<Buffer> {
  return sharp({ text: { text, font, fontfile, rgba: true, dpi: 72 } })
    .raw()
    .toBuffer();
}

/** Mean RGB colour of a square of the JPEG around (x, y). */
async function colourAt(image: Buffer, x: number, y: number): Promise<number[]> {
  const { data } = await sharp(image)
    .extract({ left: x - 5, top: y - 5, width: 10, height: 10 })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const sums = [0, 0, 0];
  for (let index = 0; index < data.length; index += 3) {
    for (let channel = 0; channel < 3; channel++)
      sums[channel] = (sums[channel] ?? 0) + (data[index + channel] ?? 0);
  }
  return sums.map((sum) => Math.round(sum / (data.length / 3)));
}

/** Number of dark pixels (text) in a region of the JPEG. */
async function darkPixels(image: Buffer, left: number, width: number): Promise<number> {
  const { data } = await sharp(image)
    .extract({ left, top: 0, width, height: 630 })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return data.filter((value) => value < 128).length;
}

describe('Urdu font for server images', () => {
  it('unpacks the WOFF font to TrueType', async () => {
    const file = await nastaliqFontFile();
    const sfnt = await readFile(file);
    // TrueType outlines start with version 1.0; the file must hold the glyph and layout tables.
    expect(sfnt.readUInt32BE(0)).toBe(0x00010000);
    const tags = new Set<string>();
    for (let index = 0; index < sfnt.readUInt16BE(4); index++) {
      tags.add(sfnt.subarray(12 + index * 16, 16 + index * 16).toString('latin1'));
    }
    for (const tag of ['cmap', 'glyf', 'GSUB', 'GPOS']) expect(tags.has(tag)).toBe(true);
    expect(() => woffToSfnt(Buffer.from('not a font at all, just some text'))).toThrow(/wOFF signature/);
  });

  it('draws Urdu with the Nastaliq font, not a fallback', async () => {
    const text = 'گمشدہ بچہ';
    const withFont = await renderLine(text, `${NASTALIQ_FAMILY} 40`, await nastaliqFontFile());
    // When the font file does not load, Pango falls back to a system font, as for this request.
    const fallback = await renderLine(text, 'DejaVu Sans 40');
    expect(withFont.equals(fallback)).toBe(false);
  });
});

describe('register share texts', () => {
  it('writes the Urdu texts with Urdu digits and names', () => {
    const text = registerShareText(entry, 'ur');
    expect(text.locale).toBe('ur_PK');
    expect(text.alternateLocale).toBe('en_PK');
    expect(text.title).toBe('گمشدہ: Ayesha، ۸ سال');
    expect(text.description).toContain('لاہور');
    expect(text.description).toContain('۳ دسمبر، ۲۰۲۶');
    expect(text.image.districtLine).toBe('ضلع لاہور');
  });

  it('keeps the English texts', () => {
    const text = registerShareText(entry, 'en');
    expect(text.locale).toBe('en_PK');
    expect(text.title).toBe('Missing: Ayesha, 8');
    expect(text.description).toBe(
      'Missing girl, 8 years, last seen 2026-12-03 in Lahore. Have you seen this child? Tell the police on Talash.',
    );
    expect(text.image.childLine).toBe('Girl, 8 years');
    expect(registerShareText({ ...entry, district: null }, 'en').image.districtLine).toBe('Pakistan');
  });
});

describe('register preview image', () => {
  const photoColour = [0x22, 0x66, 0xaa];

  async function preview(language: 'en' | 'ur'): Promise<Buffer> {
    const photo = await sharp({
      create: { width: 300, height: 300, channels: 3, background: { r: 0x22, g: 0x66, b: 0xaa } },
    })
      .jpeg()
      .toBuffer();
    return renderRegisterPreview(entry, photo, language);
  }

  function near(actual: number[], expected: number[]): boolean {
    return actual.every((value, index) => Math.abs(value - (expected[index] ?? 0)) < 12);
  }

  // English has the photo on the left and the text beside it; Urdu mirrors the layout.
  for (const layout of [
    { language: 'en', photoX: 240, blankX: 1180, textLeft: 500 },
    { language: 'ur', photoX: 960, blankX: 20, textLeft: 0 },
  ] as const) {
    it(`lays out the photo and text (${layout.language})`, async () => {
      const image = await preview(layout.language);
      expect(await sharp(image).metadata()).toMatchObject({ format: 'jpeg', width: 1200, height: 630 });
      expect(near(await colourAt(image, layout.photoX, 315), photoColour)).toBe(true);
      expect(near(await colourAt(image, layout.blankX, 600), [255, 255, 255])).toBe(true);
      expect(await darkPixels(image, layout.textLeft, 700)).toBeGreaterThan(5000);
    });
  }
});
