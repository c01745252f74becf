// Opening an event file for replay: stdin (`-`) or a path; gzip'ed content is decompressed (rotated audit
// logs, .scap.gz captures) and the format is recognised from the first bytes, so that a reader for a new
// format only has to say what its files start with.

import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { FileChunks } from './file-chunks.js';
import type { EventReader } from './reader.js';

const HEAD_BYTES = 64 * 1024;

export interface OpenedInput {
  readonly name: string;
  readonly reader: EventReader;
  /**
   * The file's content, decompressed, from its first byte. A plain file's content is a FileChunks: a reader
   * that can tell when it is done with a chunk (the .scap reader) hands it back through `recycle`.
   */
  readonly content: AsyncIterable<Uint8Array>;
  /** Size on disk, when known (not for stdin or pipes). */
  readonly size: number | undefined;
  /** Bytes of the file (as stored, compressed or not) read so far. */
  readonly consumed: () => number;
}

/** Reads at least `min` bytes (or to the end) and hands back those bytes plus a stream of everything. */
async function peek(source: AsyncIterable<Uint8Array>, min: number): Promise<{ head: Uint8Array; all: AsyncIterable<Uint8Array> }> {
  const iterator = source[Symbol.asyncIterator]();
  const buffered: Uint8Array[] = [];
  let length = 0;
  let done = false;
  while (length < min) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    buffered.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(buffered).subarray(0, min);
  async function* all(): AsyncIterable<Uint8Array> {
    yield* buffered;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head, all: all() };
}

/** An empty file holds no events; that is not an error. */
const EMPTY: EventReader = {
  format: 'empty',
  sources: [],
  detect: () => false,
  // eslint-disable-next-line require-yield
  async *read() {},
};

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** The first bytes of a regular file. */
async function readHead(name: string): Promise<Buffer> {
  const fh = await open(name, 'r');
  try {
    const head = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(head, 0, HEAD_BYTES, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * A regular file that is not gzip'ed, read through FileChunks (recycled buffers: a fresh 1 MiB chunk per
 * MiB, as fs.createReadStream hands them, costs page faults and the collector's time); null for gzip'ed
 * content, which goes through the stream path below.
 */
async function plainFile(name: string, readers: readonly EventReader[]): Promise<Omit<OpenedInput, 'name' | 'size'> | null> {
  const head = await readHead(name);
  if (head[0] === 0x1f && head[1] === 0x8b) return null;
  const chunks = new FileChunks(name);
  const consumed = (): number => chunks.consumed;
  if (head.length === 0) return { reader: EMPTY, content: chunks, consumed };
  const reader = readers.find((r) => r.detect(head));
  if (!reader) throw unknownFormat(name, readers);
  return { reader, content: chunks, consumed };
}

function unknownFormat(name: string, readers: readonly EventReader[]): InputError {
  const formats = readers.map((r) => r.format).join(', ');
  return new InputError(`${name}: not an event file saker knows (formats: ${formats})`);
}

export async function openInput(name: string, readers: readonly EventReader[]): Promise<OpenedInput> {
  let size: number | undefined;
  let stream: Readable;
  if (name === '-') {
    stream = process.stdin;
  } else {
    const info = await stat(name).catch((err: NodeJS.ErrnoException) => {
      throw new InputError(`${name}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
    });
    if (info.isDirectory()) throw new InputError(`${name}: is a directory; name the event files`);
    size = info.isFile() ? info.size : undefined;
    if (size !== undefined) {
      const plain = await plainFile(name, readers);
      if (plain !== null) return { name, size, ...plain };
    }
    stream = createReadStream(name, { highWaterMark: 1024 * 1024 });
  }
  let consumed = 0;
  async function* counted(): AsyncIterable<Uint8Array> {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      consumed += chunk.length;
      yield chunk;
    }
  }
  let { head, all } = await peek(counted(), HEAD_BYTES);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = Readable.from(all).pipe(createGunzip());
    ({ head, all } = await peek(gunzip as AsyncIterable<Uint8Array>, HEAD_BYTES));
  }
  if (head.length === 0) return { name, reader: EMPTY, content: all, size, consumed: () => consumed };
  const reader = readers.find((r) => r.detect(head));
  if (!reader) {
    stream.destroy();
    throw unknownFormat(name, readers);
  }
  return { name, reader, content: all, size, consumed: () => consumed };
}
