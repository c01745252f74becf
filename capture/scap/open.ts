// Opening a capture file: plain or gzip'ed, recognised by its first bytes. Small files are read and
// inflated at once; larger ones are streamed so that memory stays bounded whatever their size.

import { createReadStream, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import { type CaptureChunks, FileChunks } from '../files/file-chunks.js';

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
/** The section header block type, as its first four bytes appear in a file. */
export const SCAP_MAGIC = Buffer.from([0x0a, 0x0d, 0x0d, 0x0a]);

/** Files up to this size (as stored) are read in one go; larger ones are streamed. */
const SMALL_FILE_BYTES = 4 * 1024 * 1024;
/** …and a small gzip'ed file is inflated in one go only up to this size (else it is streamed too). */
const SMALL_INFLATED_BYTES = 32 * 1024 * 1024;

/**
 * The bytes of a capture file, decompressed when it is gzip. Small files (the usual test and incident
 * captures) come as one chunk, read and inflated at once; anything larger is streamed in 1 MiB chunks, so
 * memory stays bounded whatever the capture's size (a plain file's chunks are recycled: see FileChunks).
 */
export async function openCaptureStream(path: string): Promise<CaptureChunks> {
  // A small file is read synchronously: a few hundred µs at most, and no trip through the thread pool.
  if (statSync(path).size <= SMALL_FILE_BYTES) {
    const small = wholeCapture(readFileSync(path));
    if (small !== null) return once(small);
  }
  const fh = await open(path, 'r');
  const head = Buffer.alloc(2);
  try {
    await fh.read(head, 0, 2, 0);
  } finally {
    await fh.close();
  }
  if (head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1) {
    const file = createReadStream(path, { highWaterMark: 1 << 20 });
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    file.on('error', (err) => gunzip.destroy(err));
    return file.pipe(gunzip) as Readable as AsyncIterable<Buffer>;
  }
  return new FileChunks(path);
}

async function* once(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}

/** A small file's content, inflated when gzip'ed; null when it must be streamed (corrupt or too large). */
function wholeCapture(file: Buffer): Buffer | null {
  if (!(file[0] === GZIP_MAGIC_0 && file[1] === GZIP_MAGIC_1)) return file;
  // The gzip trailer's ISIZE (the inflated length mod 2^32) sizes the output buffer: one buffer filled
  // in one go instead of 16 KiB chunks concatenated at the end. Only a hint: a wrong value costs speed.
  const isize = file.length >= 18 ? file.readUInt32LE(file.length - 4) : 0;
  const chunkSize = Math.min(Math.max(isize + 64, 16 * 1024), SMALL_INFLATED_BYTES);
  try {
    return gunzipSync(file, { maxOutputLength: SMALL_INFLATED_BYTES, chunkSize });
  } catch {
    // Too large inflated, or damaged: the stream path reads what it can and says where it stops.
    return null;
  }
}
