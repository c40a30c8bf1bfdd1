// A TrueType copy of Noto Nastaliq Urdu for text that the server renders into images. The font ships
// with the app as WOFF (@fontsource/noto-nastaliq-urdu). The FreeType inside sharp 0.35's libvips
// did not load the WOFF file given as `fontfile`, so this module unpacks it to a TrueType file once.
import { createHash } from 'node:crypto';
import { access, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';

const WOFF_SIGNATURE = 0x774f4646; // 'wOFF'
const WOFF_HEADER_BYTES = 44;
const WOFF_TABLE_ENTRY_BYTES = 20;
const SFNT_HEADER_BYTES = 12;
const SFNT_TABLE_RECORD_BYTES = 16;

/** Pango's name of the font family in the file. */
export const NASTALIQ_FAMILY = 'Noto Nastaliq Urdu';

let fontFile: Promise<string> | undefined;

/** Returns the path of the TrueType file of Noto Nastaliq Urdu (regular), unpacking it on the first call. */
export function nastaliqFontFile(): Promise<string> {
  fontFile ??= writeTrueTypeCopy().catch((error: unknown) => {
    fontFile = undefined;
    throw error;
  });
  return fontFile;
}

async function writeTrueTypeCopy(): Promise<string> {
  const woffPath = createRequire(import.meta.url).resolve(
    '@fontsource/noto-nastaliq-urdu/files/noto-nastaliq-urdu-arabic-400-normal.woff',
  );
  const woff = await readFile(woffPath);
  const digest = createHash('sha256').update(woff).digest('hex').slice(0, 12);
  const target = path.join(os.tmpdir(), `talash-noto-nastaliq-urdu-400-${digest}.ttf`);
  // The name carries the WOFF file's hash, so a file already there was made from this very font.
  if (
    await access(target).then(
      () => true,
      () => false,
    )
  )
    return target;

  // Written under a unique name and renamed, so a concurrent process never reads half a file.
  const partial = `${target}.${process.pid}.${Date.now()}`;
  await writeFile(partial, woffToSfnt(woff));
  await rename(partial, target);
  return target;
}

/**
 * Converts a WOFF 1.0 file to the TrueType or OpenType (sfnt) file it wraps: each table is inflated
 * with zlib where it was compressed, and the tables are laid out again with 4-byte alignment.
 */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.length < WOFF_HEADER_BYTES || woff.readUInt32BE(0) !== WOFF_SIGNATURE) {
    throw new Error('not a WOFF 1.0 file: the wOFF signature is missing');
  }
  const flavor = woff.readUInt32BE(4);
  const tableCount = woff.readUInt16BE(12);

  const tables: { tag: number; checksum: number; data: Buffer }[] = [];
  for (let index = 0; index < tableCount; index++) {
    const entry = WOFF_HEADER_BYTES + index * WOFF_TABLE_ENTRY_BYTES;
    const offset = woff.readUInt32BE(entry + 4);
    const compressedLength = woff.readUInt32BE(entry + 8);
    const length = woff.readUInt32BE(entry + 12);
    const stored = woff.subarray(offset, offset + compressedLength);
    const data = compressedLength < length ? inflateSync(stored) : Buffer.from(stored);
    if (data.length !== length)
      throw new Error(`WOFF table ${index} unpacked to ${data.length} bytes, not ${length}`);
    tables.push({ tag: woff.readUInt32BE(entry), checksum: woff.readUInt32BE(entry + 16), data });
  }

  const directoryBytes = SFNT_HEADER_BYTES + SFNT_TABLE_RECORD_BYTES * tableCount;
  const padded = (length: number) => (length + 3) & ~3;
  const sfnt = Buffer.alloc(tables.reduce((sum, table) => sum + padded(table.data.length), directoryBytes));

  // The binary-search fields of the sfnt header: the largest power of two not above the table count.
  let power = 1;
  let exponent = 0;
  while (power * 2 <= tableCount) {
    power *= 2;
    exponent++;
  }
  sfnt.writeUInt32BE(flavor, 0);
  sfnt.writeUInt16BE(tableCount, 4);
  sfnt.writeUInt16BE(power * SFNT_TABLE_RECORD_BYTES, 6);
  sfnt.writeUInt16BE(exponent, 8);
  sfnt.writeUInt16BE((tableCount - power) * SFNT_TABLE_RECORD_BYTES, 10);

  let offset = directoryBytes;
  tables.forEach((table, index) => {
    const record = SFNT_HEADER_BYTES + index * SFNT_TABLE_RECORD_BYTES;
    sfnt.writeUInt32BE(table.tag, record);
    sfnt.writeUInt32BE(table.checksum, record + 4);
    sfnt.writeUInt32BE(offset, record + 8);
    sfnt.writeUInt32BE(table.data.length, record + 12);
    table.data.copy(sfnt, offset);
    offset += padded(table.data.length);
  });
  return sfnt;
}
