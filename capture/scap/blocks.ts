// Splits a stream of bytes into pcapng-style blocks (`u32 type, u32 total_len, body, u32 total_len`)
// without copying, except for the few bytes of a block that straddles two chunks.

export class ScapError extends Error {
  constructor(
    message: string,
    /** Byte offset in the (uncompressed) capture where the problem was found. */
    readonly offset: number,
  ) {
    super(`byte ${offset}: ${message}`);
    this.name = 'ScapError';
  }
}

const EMPTY = Buffer.alloc(0);
/** Sanity bound for one block: LARGE event blocks may exceed 64 KiB, but never by this much. */
const MAX_BLOCK = 256 * 1024 * 1024;

/**
 * Pull-based: push() chunks, then call next() until it returns false; the current block is then described
 * by blockType / buf / bodyStart / bodyEnd / blockOffset (valid until the next call).
 */
export class BlockSplitter {
  blockType = 0;
  buf: Buffer = EMPTY;
  bodyStart = 0;
  bodyEnd = 0;
  /** Offset of the current block's first byte in the file. */
  blockOffset = 0;

  private data: Buffer = EMPTY;
  private pos = 0;
  /** File offset of data[0]. */
  private dataOffset = 0;

  /** Bytes consumed so far (the offset of the next block). */
  get offset(): number {
    return this.dataOffset + this.pos;
  }

  push(chunk: Buffer): void {
    if (this.pos >= this.data.length) {
      this.dataOffset += this.data.length;
      this.data = chunk;
    } else {
      // A block straddles the chunks: keep only its unread tail and append.
      const rest = this.data.subarray(this.pos);
      this.dataOffset += this.pos;
      this.data = Buffer.concat([rest, chunk]);
    }
    this.pos = 0;
  }

  /** Fails early, with a clear message, when the input does not start with `magic`. */
  expectMagic(magic: Buffer): void {
    const head = this.data.subarray(this.pos, this.pos + magic.length);
    if (!magic.subarray(0, head.length).equals(head)) {
      throw new ScapError(
        `not a scap capture: it starts with ${head.toString('hex')}, a capture starts with ${magic.toString('hex')}`,
        this.offset,
      );
    }
  }

  next(): boolean {
    const d = this.data;
    const p = this.pos;
    if (d.length - p < 8) return false;
    const total = d.readUInt32LE(p + 4);
    if (total < 12 || total % 4 !== 0 || total > MAX_BLOCK) {
      throw new ScapError(
        `corrupt block header (type 0x${d.readUInt32LE(p).toString(16)}, length ${total})`,
        this.dataOffset + p,
      );
    }
    if (d.length - p < total) return false;
    this.blockType = d.readUInt32LE(p);
    this.buf = d;
    this.bodyStart = p + 8;
    this.bodyEnd = p + total - 4;
    this.blockOffset = this.dataOffset + p;
    this.pos = p + total;
    return true;
  }

  /** The trailing length of the current block (pcapng repeats it; libscap checks it for metadata). */
  trailer(): number {
    return this.buf.readUInt32LE(this.bodyEnd);
  }

  /** Throws when the input ended inside a block. */
  finish(): void {
    const left = this.data.length - this.pos;
    if (left > 0) {
      const have = left >= 8 ? `; the block needs ${this.data.readUInt32LE(this.pos + 4)} bytes` : '';
      throw new ScapError(`truncated block: ${left} bytes left at end of input${have}`, this.offset);
    }
  }
}
