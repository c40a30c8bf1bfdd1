import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { SourceFormatError } from './source.js';

/** Largest total of uncompressed bytes accepted from one archive, against zip bombs. */
const MAX_UNCOMPRESSED_BYTES = 4 * 1024 ** 3;

export interface ExtractedArchive {
  directory: string;
  /** Paths of the extracted files, relative to `directory`. */
  files: string[];
  remove(): Promise<void>;
}

/**
 * Extracts a .zip (or .kmz) into a new temporary directory, streaming each entry to disk. Entries
 * that would land outside the directory and macOS resource forks are skipped.
 */
export async function extractZip(zipPath: string): Promise<ExtractedArchive> {
  const directory = await mkdtemp(join(tmpdir(), 'talash-import-'));
  const remove = () => rm(directory, { recursive: true, force: true });
  try {
    const files = await extractInto(zipPath, directory);
    return { directory, files, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

function extractInto(zipPath: string, directory: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true, autoClose: true }, (openError, zip) => {
      if (openError || !zip) {
        reject(new SourceFormatError(`${zipPath} is not a readable ZIP archive (${openError?.message}).`));
        return;
      }
      const files: string[] = [];
      let total = 0;
      zip.on('error', (error: Error) => reject(new SourceFormatError(`${zipPath}: ${error.message}`)));
      zip.on('end', () => resolve(files));
      zip.on('entry', (entry: yauzl.Entry) => {
        const name = normalize(entry.fileName);
        const skipped =
          entry.fileName.endsWith('/') ||
          name.startsWith('..') ||
          name.startsWith(sep) ||
          name.includes('__MACOSX');
        if (skipped) {
          zip.readEntry();
          return;
        }
        total += entry.uncompressedSize;
        if (total > MAX_UNCOMPRESSED_BYTES) {
          zip.close();
          reject(new SourceFormatError(`${zipPath} unpacks to more than ${MAX_UNCOMPRESSED_BYTES} bytes.`));
          return;
        }
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) {
            reject(
              new SourceFormatError(`${zipPath}: cannot read ${entry.fileName} (${streamError?.message}).`),
            );
            return;
          }
          const target = join(directory, name);
          mkdir(dirname(target), { recursive: true })
            .then(() => pipeline(stream, createWriteStream(target)))
            .then(() => {
              files.push(name);
              zip.readEntry();
            })
            .catch(reject);
        });
      });
      zip.readEntry();
    });
  });
}
