// A plain (not gzip'ed) event file read in 1 MiB chunks whose buffers are used again once the reader is
// done with them (the .scap reader calls `recycle`; other readers just iterate). Fresh chunks, as fs.createReadStream allocates them, cost
// the kernel a page fault per 4 KiB touched (the bench worker on a 50 MB capture read 4 times: 39k minor
// faults, 22.5k with these buffers) and keep V8's collector busy with their external memory.

import { open } from 'node:fs/promises';

const CHUNK = 1 << 20;
/** Buffers kept for reuse: the one being read, the one read ahead, and the one just handed back. */
const KEEP = 3;

/** Chunks of a capture, with the way to hand a chunk back once nothing points into it any more. */
export interface CaptureChunks extends AsyncIterable<Buffer> {
  /** The chunk (as yielded) will not be read again by anyone: its buffer may be filled with later bytes. */
  recycle?(chunk: Buffer): void;
}

export class FileChunks implements CaptureChunks {
  private readonly free: ArrayBuffer[] = [];
  /** Bytes handed over so far (for a progress bar). */
  consumed = 0;

  constructor(private readonly path: string) {}

  recycle(chunk: Buffer): void {
    const ab = chunk.buffer as ArrayBuffer;
    if (chunk.byteOffset === 0 && ab.byteLength === CHUNK && this.free.length < KEEP && !this.free.includes(ab)) {
      this.free.push(ab);
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    const fh = await open(this.path, 'r');
    let position = 0;
    // One read ahead, so that the next chunk is on its way while this one is being replayed.
    const readAt = async (at: number): Promise<Buffer | null> => {
      const ab = this.free.pop() ?? new ArrayBuffer(CHUNK);
      const b = Buffer.from(ab, 0, CHUNK);
      const { bytesRead } = await fh.read(b, 0, CHUNK, at);
      return bytesRead === 0 ? null : bytesRead < CHUNK ? b.subarray(0, bytesRead) : b;
    };
    let next: Promise<Buffer | null> | null = readAt(position);
    try {
      for (;;) {
        const chunk: Buffer | null = await next;
        next = null;
        if (chunk === null) return;
        position += chunk.length;
        this.consumed = position;
        next = readAt(position);
        yield chunk;
      }
    } finally {
      // Stopped early (an error, a consumer that broke off): let the read in flight finish before closing.
      if (next !== null) await next.catch(() => null);
      await fh.close();
    }
  }
}
