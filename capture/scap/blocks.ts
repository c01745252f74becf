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
const EMPTY_VIEW = new DataView(EMPTY.buffer, EMPTY.byteOffset, 0);

/**
 * A DataView over a buffer's bytes. Its little-endian reads compile to one bounds check and one load, where
 * four byte reads (each checked) and the shifts cost twice as many instructions: the splitter and the
 * reader read every block's header through it.
 */
export function viewOf(b: Buffer): DataView {
  return new DataView(b.buffer, b.byteOffset, b.length);
}
/** Sanity bound for one block: LARGE event blocks may exceed 64 KiB, but never by this much. */
const MAX_BLOCK = 256 * 1024 * 1024;

/**
 * Pull-based: push() chunks, then call next() until it returns false; the current block is then described
 * by blockType / buf / bodyStart / bodyEnd / blockOffset (valid until the next call).
 */
export class BlockSplitter {
  blockType = 0;
  buf: Buffer = EMPTY;
  /** A view of `buf` (see viewOf). */
  view: DataView = EMPTY_VIEW;
  bodyStart = 0;
  bodyEnd = 0;
  /** Offset of the current block's first byte in the file. */
  blockOffset = 0;

  private data: Buffer = EMPTY;
  private dataView: DataView = EMPTY_VIEW;
  private pos = 0;
  /** File offset of data[0]. */
  private dataOffset = 0;
  /** The rest of a chunk, read after `data` (which then holds exactly the block that straddled chunks). */
  private following: Buffer | null = null;

  /** Bytes consumed so far (the offset of the next block). */
  get offset(): number {
    return this.dataOffset + this.pos;
  }

  push(chunk: Buffer): void {
    if (this.pos >= this.data.length) {
      this.dataOffset += this.data.length;
      this.data = chunk;
      this.dataView = viewOf(chunk);
      this.pos = 0;
      return;
    }
    // A block straddles the chunks. When this chunk completes it, only that block is copied (into a buffer
    // of its own), and the chunk is read from where the block ends; otherwise keep the unread tail and
    // append the chunk.
    const rest = this.data.subarray(this.pos);
    this.dataOffset += this.pos;
    this.pos = 0;
    const total = rest.length + chunk.length >= 8 ? blockLength(rest, chunk) : -1;
    const need = total - rest.length;
    if (total >= 12 && total <= MAX_BLOCK && need > 0 && need <= chunk.length) {
      const block = Buffer.allocUnsafe(total);
      rest.copy(block, 0);
      chunk.copy(block, rest.length, 0, need);
      this.data = block;
      this.following = need < chunk.length ? chunk.subarray(need) : null;
    } else {
      this.data = Buffer.concat([rest, chunk]);
    }
    this.dataView = viewOf(this.data);
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
    if (this.pos >= this.data.length && this.following !== null) {
      this.dataOffset += this.data.length;
      this.data = this.following;
      this.dataView = viewOf(this.data);
      this.following = null;
      this.pos = 0;
    }
    const d = this.data;
    const p = this.pos;
    if (d.length - p < 8) return false;
    // Through the DataView (Buffer#readUInt32LE checks its arguments on every call: this runs once per block).
    const v = this.dataView;
    const total = v.getUint32(p + 4, true);
    if (total < 12 || (total & 3) !== 0 || total > MAX_BLOCK) {
      throw new ScapError(
        `corrupt block header (type 0x${d.readUInt32LE(p).toString(16)}, length ${total})`,
        this.dataOffset + p,
      );
    }
    if (d.length - p < total) return false;
    this.blockType = v.getUint32(p, true);
    // Usually the same chunk as the last block's: skip the stores (and their write barriers).
    if (this.buf !== d) {
      this.buf = d;
      this.view = v;
    }
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

/** The length field (bytes 4…7) of a block whose first bytes are `a` then `b`. */
function blockLength(a: Buffer, b: Buffer): number {
  if (a.length >= 8) return a.readUInt32LE(4);
  const head = Buffer.concat([a, b.subarray(0, 8 - a.length)]);
  return head.readUInt32LE(4);
}
