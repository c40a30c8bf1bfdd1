// The part of opentype.js 2.0 that scripts/build-glyphs.ts reads, because the package ships no types.
declare module 'opentype.js' {
  type Font = { tables: { cmap: { glyphIndexMap: Record<string, number> } } };
  const opentype: { parse(buffer: ArrayBuffer): Font };
  export default opentype;
}
