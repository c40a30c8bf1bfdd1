import { isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';
import iconv from 'iconv-lite';

/** A field descriptor from a dBASE (.dbf) header. */
export interface DbfField {
  name: string;
  type: string;
  length: number;
  decimals: number;
  offset: number;
}

export interface DbfHeader {
  recordCount: number;
  headerLength: number;
  recordLength: number;
  /** Language driver id (byte 29): the code page the writer declared, 0 when none. */
  languageDriver: number;
  fields: DbfField[];
}

/** How the bytes of each text field look across all records. */
export type FieldTextKind = 'ascii' | 'utf-8' | 'other';

// Language driver ids and their code pages, after the table that ESRI and GDAL use. 0x57 means
// "Windows ANSI", the code page of whichever machine wrote the file, so it names no code page.
const LANGUAGE_DRIVER_CODE_PAGES: Record<number, string> = {
  1: 'cp437',
  2: 'cp850',
  3: 'windows-1252',
  8: 'cp865',
  9: 'cp437',
  10: 'cp850',
  11: 'cp437',
  13: 'cp437',
  14: 'cp850',
  15: 'cp437',
  16: 'cp850',
  17: 'cp437',
  18: 'cp850',
  19: 'cp932',
  20: 'cp850',
  21: 'cp437',
  22: 'cp850',
  23: 'cp865',
  24: 'cp437',
  25: 'cp437',
  26: 'cp850',
  27: 'cp437',
  28: 'cp863',
  29: 'cp850',
  31: 'cp852',
  34: 'cp852',
  35: 'cp852',
  36: 'cp860',
  37: 'cp850',
  38: 'cp866',
  55: 'cp850',
  64: 'cp852',
  77: 'cp936',
  78: 'cp949',
  79: 'cp950',
  80: 'cp874',
  88: 'windows-1252',
  89: 'windows-1252',
  100: 'cp852',
  101: 'cp866',
  102: 'cp865',
  103: 'cp861',
  106: 'cp737',
  107: 'cp857',
  120: 'cp950',
  121: 'cp949',
  122: 'cp936',
  123: 'cp932',
  124: 'cp874',
  125: 'windows-1255',
  126: 'windows-1256',
  200: 'windows-1250',
  201: 'windows-1251',
  202: 'windows-1254',
  203: 'windows-1253',
};

/** Returns the code page that a DBF language driver id names, or undefined for none or "Windows ANSI". */
export function codePageOfLanguageDriver(languageDriver: number): string | undefined {
  return LANGUAGE_DRIVER_CODE_PAGES[languageDriver];
}

/**
 * Maps the content of a shapefile .cpg file ("UTF-8", "1252", "CP1256", "ANSI 1256", "ISO-8859-1")
 * to an encoding name that iconv-lite knows. Returns undefined when it names nothing known.
 */
export function encodingOfCpg(content: string): string | undefined {
  const text = content.trim().toLowerCase();
  if (text === '') return undefined;
  const digits = /^(?:ansi\s*|cp\s*|windows-?|ibm\s*)?(\d{3,5})$/.exec(text);
  const candidates = digits
    ? [`windows-${digits[1]}`, `cp${digits[1]}`]
    : [text, text.replace(/^iso(\d)/, 'iso-$1'), text.replace(/^(\d{4,5})$/, 'iso-$1')];
  if (/^8859-?\d+$/.test(text)) candidates.unshift(`iso-8859-${text.split(/-?8859-?/)[1] ?? ''}`);
  if (/^885\d{2}$/.test(text)) candidates.unshift(`iso-8859-${text.slice(4)}`);
  return candidates.find((candidate) => iconv.encodingExists(candidate));
}

/** Reads the header and field descriptors of a .dbf file. */
export async function readDbfHeader(path: string): Promise<DbfHeader> {
  const handle = await open(path, 'r');
  try {
    const fixed = Buffer.alloc(32);
    await handle.read(fixed, 0, 32, 0);
    const headerLength = fixed.readUInt16LE(8);
    const descriptors = Buffer.alloc(Math.max(0, headerLength - 32));
    await handle.read(descriptors, 0, descriptors.length, 32);

    const fields: DbfField[] = [];
    let offset = 1; // byte 0 of every record is the deletion flag
    for (let at = 0; at + 32 <= descriptors.length && descriptors[at] !== 0x0d; at += 32) {
      const rawName = descriptors.subarray(at, at + 11);
      const end = rawName.indexOf(0);
      const field = {
        name: rawName
          .subarray(0, end === -1 ? 11 : end)
          .toString('latin1')
          .trim(),
        type: String.fromCharCode(descriptors[at + 11] ?? 0x43),
        length: descriptors[at + 16] ?? 0,
        decimals: descriptors[at + 17] ?? 0,
        offset,
      };
      fields.push(field);
      offset += field.length;
    }
    return {
      recordCount: fixed.readUInt32LE(4),
      headerLength,
      recordLength: fixed.readUInt16LE(10),
      languageDriver: fixed[29] ?? 0,
      fields,
    };
  } finally {
    await handle.close();
  }
}

/** Yields the raw bytes of each record, reading the file in blocks so memory stays bounded. */
export async function* readDbfRecords(path: string, header: DbfHeader): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r');
  try {
    const perBlock = Math.max(1, Math.floor((1 << 20) / Math.max(1, header.recordLength)));
    const block = Buffer.alloc(perBlock * header.recordLength);
    for (let first = 0; first < header.recordCount; first += perBlock) {
      const count = Math.min(perBlock, header.recordCount - first);
      const position = header.headerLength + first * header.recordLength;
      const { bytesRead } = await handle.read(block, 0, count * header.recordLength, position);
      const complete = Math.floor(bytesRead / header.recordLength);
      for (let i = 0; i < complete; i += 1) {
        yield Buffer.from(block.subarray(i * header.recordLength, (i + 1) * header.recordLength));
      }
      if (complete < count) return; // truncated file: the shapefile reader reports the missing records
    }
  } finally {
    await handle.close();
  }
}

/** Scans every text field of every record and classifies its bytes as ASCII, UTF-8 or other. */
export async function classifyTextFields(
  path: string,
  header: DbfHeader,
): Promise<Map<string, FieldTextKind>> {
  const kinds = new Map<string, FieldTextKind>();
  const textFields = header.fields.filter((field) => field.type === 'C');
  for (const field of textFields) kinds.set(field.name, 'ascii');

  for await (const record of readDbfRecords(path, header)) {
    for (const field of textFields) {
      if (kinds.get(field.name) === 'other') continue;
      const bytes = record.subarray(field.offset, field.offset + field.length);
      if (bytes.every((byte) => byte < 0x80)) continue;
      kinds.set(field.name, isUtf8(trimUtf8Tail(bytes)) ? 'utf-8' : 'other');
    }
  }
  return kinds;
}

// A fixed-width field can cut a multi-byte UTF-8 character at its end; such a tail is not a sign
// of another encoding.
function trimUtf8Tail(bytes: Buffer): Buffer {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0x20) end -= 1;
  let start = end;
  while (start > 0 && start > end - 4 && ((bytes[start - 1] ?? 0) & 0xc0) === 0x80) start -= 1;
  if (start > 0 && ((bytes[start - 1] ?? 0) & 0xc0) === 0xc0) {
    const lead = bytes[start - 1] ?? 0;
    const needed = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    if (end - (start - 1) < needed) return bytes.subarray(0, start - 1);
  }
  return bytes.subarray(0, end);
}

/** Decodes one record into attribute values, text decoded with `encoding`. */
export function decodeDbfRecord(
  record: Buffer,
  fields: DbfField[],
  encoding: string,
): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const field of fields) {
    const bytes = record.subarray(field.offset, field.offset + field.length);
    properties[field.name] = decodeValue(bytes, field, encoding);
  }
  return properties;
}

function decodeValue(bytes: Buffer, field: DbfField, encoding: string): unknown {
  switch (field.type) {
    case 'C': {
      const text = iconv.decode(bytes, encoding).replace(/\0+$/, '').trim();
      return text;
    }
    case 'N':
    case 'F': {
      const text = bytes.toString('latin1').trim();
      if (text === '' || /^\*+$/.test(text)) return null;
      const value = Number(text);
      return Number.isFinite(value) ? value : null;
    }
    case 'L': {
      const flag = bytes.toString('latin1').trim().toUpperCase();
      if ('YT'.includes(flag) && flag !== '') return true;
      if ('NF'.includes(flag) && flag !== '') return false;
      return null;
    }
    case 'D': {
      const text = bytes.toString('latin1').trim();
      return /^\d{8}$/.test(text) ? `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}` : null;
    }
    case 'I':
      return bytes.length >= 4 ? bytes.readInt32LE(0) : null;
    case 'O':
      return bytes.length >= 8 ? bytes.readDoubleLE(0) : null;
    default:
      return bytes.toString('latin1').trim();
  }
}
