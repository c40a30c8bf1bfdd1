import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import iconv from 'iconv-lite';
import { SourceFormatError } from './source.js';

/** The text encoding chosen for an XML file, and where it came from. */
export interface XmlEncoding {
  /** An encoding name that iconv-lite supports, e.g. "utf-8" or "windows-1256". */
  encoding: string;
  /** E.g. "XML declaration", "byte order mark", "--encoding" or "XML default". */
  origin: string;
}

const DECLARATION = /^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._:-]*)["']/;

/**
 * Chooses the encoding of an XML file: `override` (the --encoding option) when given, else a byte
 * order mark, else the encoding named in the XML declaration, else UTF-8 as XML prescribes.
 * UTF-16 without a byte order mark is recognised by its first bytes "<?". Throws SourceFormatError
 * for an encoding that iconv-lite cannot decode.
 */
export function chooseXmlEncoding(file: string, override: string | undefined): XmlEncoding {
  const chosen = override
    ? { encoding: override, origin: '--encoding' }
    : sniffEncoding(readHead(file, 1024));
  if (!iconv.encodingExists(chosen.encoding)) {
    throw new SourceFormatError(
      `${file}: the text encoding "${chosen.encoding}" (${chosen.origin}) is unknown; ` +
        'pass a known one with --encoding, e.g. --encoding utf-8.',
    );
  }
  return chosen;
}

function sniffEncoding(head: Buffer): XmlEncoding {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf)
    return { encoding: 'utf-8', origin: 'byte order mark' };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', origin: 'byte order mark' };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', origin: 'byte order mark' };
  if (head[0] === 0x3c && head[1] === 0x00 && head[2] === 0x3f && head[3] === 0x00) {
    return { encoding: 'utf-16le', origin: 'first bytes' };
  }
  if (head[0] === 0x00 && head[1] === 0x3c && head[2] === 0x00 && head[3] === 0x3f) {
    return { encoding: 'utf-16be', origin: 'first bytes' };
  }

  // Without a byte order mark the declaration is read as ASCII, which covers UTF-8 and the
  // single-byte and multi-byte encodings that extend ASCII; EBCDIC files are not recognised.
  const declared = DECLARATION.exec(head.toString('latin1'))?.[1];
  if (declared) return { encoding: declared.toLowerCase(), origin: 'XML declaration' };
  return { encoding: 'utf-8', origin: 'XML default' };
}

function readHead(file: string, bytes: number): Buffer {
  const descriptor = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    return buffer.subarray(0, readSync(descriptor, buffer, 0, bytes, 0));
  } finally {
    closeSync(descriptor);
  }
}

/**
 * Reads a file in chunks and yields its text decoded with `encoding`, without a byte order mark.
 * `onBytesRead` receives the number of bytes read so far after each chunk.
 */
export async function* readDecodedText(
  file: string,
  encoding: string,
  onBytesRead: (bytes: number) => void,
): AsyncGenerator<string> {
  const decoder = iconv.getDecoder(encoding);
  const stream = createReadStream(file);
  try {
    for await (const chunk of stream) {
      onBytesRead(stream.bytesRead);
      const text = decoder.write(chunk as Buffer);
      if (text) yield text;
    }
    const rest = decoder.end();
    if (rest) yield rest;
  } finally {
    stream.destroy();
  }
}
