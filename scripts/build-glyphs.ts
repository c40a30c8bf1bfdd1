// `npx tsx scripts/build-glyphs.ts`: renders the SDF glyph files the dashboard map serves from
// ui/public/glyphs/{fontstack}/{range}.pbf, so map labels need no outside font host.
//
// Each glyph is rasterised by the browser's own text engine (headless Chromium, the font loaded as a
// FontFace) and turned into a signed distance field by @mapbox/tiny-sdf. The result is written in the
// glyph protobuf format MapLibre reads: fontstack { name, range, glyphs { id, bitmap, width, height,
// left, top, advance } }, with the bitmap padded by a 3 px border on every side.
//
// The font files come from the Debian package fonts-noto-core (`apt-get install -y fonts-noto-core`).
// The output is committed, so building the app never needs this script or those fonts.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import opentype from 'opentype.js';
import { PbfWriter } from 'pbf';
import { chromium, type Page } from 'playwright-core';

type FontSource = { family: string; file: string };

type FontstackSpec = {
  name: string;
  // Fonts in order of preference. A code point is drawn from the first font whose cmap contains it,
  // so the Arabic stack can take digits and brackets that the Arabic font lacks from Noto Sans.
  fonts: FontSource[];
  ranges: number[];
};

type RenderedGlyph = {
  id: number;
  bitmap: number[];
  width: number;
  height: number;
  left: number;
  top: number;
  advance: number;
};

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outputDir = path.join(repoRoot, 'ui/public/glyphs');
const fontDir = process.env.NOTO_FONT_DIR ?? '/usr/share/fonts/truetype/noto';
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// MapLibre reads glyph PBFs as 24 px em bitmaps with a 3 px border on every side
// (GLYPH_PBF_BORDER in maplibre-gl 6.20). The 8 px distance radius is TinySDF's default.
const FONT_SIZE = 24;
const BORDER = 3;
const RADIUS = 8;

// MapLibre measures `top` from an origin above the em box, not from the baseline that TinySDF
// reports. 27.5 px is the offset maplibre-gl 6.20 applies to the glyphs it draws itself with TinySDF
// (topAdjustment in src/render/glyph_manager.ts), so these files line up with locally drawn glyphs.
const TOP_ADJUSTMENT = 27.5;

const notoSans: FontSource = { family: 'Noto Sans', file: 'NotoSans-Regular.ttf' };
const notoNaskhArabic: FontSource = { family: 'Noto Naskh Arabic', file: 'NotoNaskhArabic-Regular.ttf' };

// Range starts, each covering 256 code points. The Arabic stack includes the presentation forms
// (U+FB50..U+FDFF and U+FE70..U+FEFF), because MapLibre shapes Arabic script into those code points
// before it looks glyphs up.
const fontstacks: FontstackSpec[] = [
  { name: 'Noto Sans Regular', fonts: [notoSans], ranges: [0, 256, 8192] },
  {
    name: 'Noto Naskh Arabic Regular',
    fonts: [notoNaskhArabic, notoSans],
    ranges: [0, 1536, 8192, 64256, 64512, 64768, 65024],
  },
];

function readCodePoints(fontPath: string): Set<number> {
  const bytes = readFileSync(fontPath);
  const font = opentype.parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return new Set(Object.keys(font.tables.cmap.glyphIndexMap).map(Number));
}

async function loadFontsIntoPage(page: Page, fonts: FontSource[]): Promise<void> {
  for (const font of fonts) {
    const base64 = readFileSync(path.join(fontDir, font.file)).toString('base64');
    await page.evaluate(
      async ({ family, base64 }) => {
        const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
        const face = new FontFace(family, bytes);
        await face.load();
        document.fonts.add(face);
      },
      { family: `glyph-source ${font.family}`, base64 },
    );
  }
}

async function renderGlyphs(page: Page, family: string, codePoints: number[]): Promise<RenderedGlyph[]> {
  return page.evaluate(
    ({ family, codePoints, fontSize, border, radius, topAdjustment }) => {
      const TinySDF = (window as unknown as { TinySDF: new (options: object) => TinySdfInstance }).TinySDF;
      const sdf = new TinySDF({ fontSize, buffer: border, radius, cutoff: 0.25, fontFamily: `"${family}"` });

      return codePoints.map((id) => {
        const glyph = sdf.draw(String.fromCodePoint(id));
        const isEmpty = glyph.glyphWidth === 0 || glyph.glyphHeight === 0;
        return {
          id,
          bitmap: isEmpty ? [] : Array.from(glyph.data),
          width: isEmpty ? 0 : glyph.glyphWidth,
          height: isEmpty ? 0 : glyph.glyphHeight,
          left: glyph.glyphLeft,
          top: Math.round(glyph.glyphTop - topAdjustment),
          advance: Math.round(glyph.glyphAdvance),
        };
      });

      type TinySdfInstance = {
        draw(char: string): {
          data: Uint8ClampedArray;
          glyphWidth: number;
          glyphHeight: number;
          glyphLeft: number;
          glyphTop: number;
          glyphAdvance: number;
        };
      };
    },
    {
      family,
      codePoints,
      fontSize: FONT_SIZE,
      border: BORDER,
      radius: RADIUS,
      topAdjustment: TOP_ADJUSTMENT,
    },
  );
}

function encodeRange(fontstack: string, start: number, glyphs: RenderedGlyph[]): Uint8Array {
  const pbf = new PbfWriter();

  pbf.writeMessage(
    1,
    (stackGlyphs: RenderedGlyph[], writer: PbfWriter) => {
      writer.writeStringField(1, fontstack);
      writer.writeStringField(2, `${start}-${start + 255}`);
      for (const glyph of stackGlyphs) {
        writer.writeMessage(3, writeGlyph, glyph);
      }
    },
    glyphs,
  );

  return pbf.finish();
}

function writeGlyph(glyph: RenderedGlyph, writer: PbfWriter): void {
  writer.writeVarintField(1, glyph.id);
  if (glyph.bitmap.length > 0) writer.writeBytesField(2, Uint8Array.from(glyph.bitmap));
  writer.writeVarintField(3, glyph.width);
  writer.writeVarintField(4, glyph.height);
  writer.writeSVarintField(5, glyph.left);
  writer.writeSVarintField(6, glyph.top);
  writer.writeVarintField(7, glyph.advance);
}

async function buildFontstack(page: Page, spec: FontstackSpec): Promise<void> {
  const coverage = spec.fonts.map((font) => readCodePoints(path.join(fontDir, font.file)));
  const stackDir = path.join(outputDir, spec.name);
  mkdirSync(stackDir, { recursive: true });

  for (const start of spec.ranges) {
    const glyphs: RenderedGlyph[] = [];

    for (const [index, font] of spec.fonts.entries()) {
      const claimedEarlier = coverage.slice(0, index);
      const codePoints: number[] = [];
      for (let id = start; id < start + 256; id++) {
        if (coverage[index]?.has(id) && !claimedEarlier.some((earlier) => earlier.has(id)))
          codePoints.push(id);
      }
      glyphs.push(...(await renderGlyphs(page, `glyph-source ${font.family}`, codePoints)));
    }

    glyphs.sort((a, b) => a.id - b.id);
    const file = path.join(stackDir, `${start}-${start + 255}.pbf`);
    writeFileSync(file, encodeRange(spec.name, start, glyphs));
    console.log(`wrote ${path.relative(repoRoot, file)}: ${glyphs.length} glyphs`);
  }
}

async function main(): Promise<void> {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });

  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');

    const tinySdfSource = readFileSync(path.join(repoRoot, 'node_modules/@mapbox/tiny-sdf/index.js'), 'utf8');
    await page.addScriptTag({
      type: 'module',
      content: `${tinySdfSource.replace('export default class TinySDF', 'class TinySDF')}\nwindow.TinySDF = TinySDF;`,
    });
    await page.waitForFunction(() => 'TinySDF' in window);

    await loadFontsIntoPage(page, [notoSans, notoNaskhArabic]);
    for (const spec of fontstacks) {
      await buildFontstack(page, spec);
    }
  } finally {
    await browser.close();
  }
}

await main();
