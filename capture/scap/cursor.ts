// A bounds-checked little-endian reader over one metadata block, whose errors name the file offset.

import { ScapError } from './blocks.js';
// need() checks the bounds: the plain reads of event.ts (no Buffer method's own checks) are enough.
import { readI32, readI64, readU16, readU32, splitNulList } from './event.js';

/** A bounds-checked little-endian cursor whose errors name the file offset. */
export class Cursor {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    public end: number,
    /** File offset of buf[0]. */
    private readonly base: number,
    private readonly what: string,
  ) {}

  fail(msg: string): never {
    throw new ScapError(`${this.what}: ${msg}`, this.base + this.pos);
  }
  need(n: number): void {
    if (this.pos + n > this.end) this.fail(`needs ${n} bytes, ${this.end - this.pos} left`);
  }
  left(): number {
    return this.end - this.pos;
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = readU16(this.buf, this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = readU32(this.buf, this.pos);
    this.pos += 4;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = readI32(this.buf, this.pos);
    this.pos += 4;
    return v;
  }
  /** Signed 64-bit as a number (ids and limits fit). */
  i64(): number {
    this.need(8);
    const v = readI64(this.buf, this.pos);
    this.pos += 8;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** Steps over n bytes (with the same bounds check as reading them). */
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
  /** Steps over a u16-length string or list, checked as str() and list() check it. */
  skipStr(max: number, field: string): void {
    const n = this.u16();
    if (n > max) this.fail(`${field} length ${n} exceeds ${max}`);
    this.skip(n);
  }
  /** u16 length + bytes (no terminator on disk; a stray trailing NUL is dropped). */
  str(max: number, field: string): string {
    const n = this.u16();
    if (n > max) this.fail(`${field} length ${n} exceeds ${max}`);
    this.need(n);
    // Read in place (no view per string): up to the first NUL, if any.
    const b = this.buf;
    const start = this.pos;
    const stop = start + n;
    let end = start;
    while (end < stop && b[end] !== 0) end++;
    this.pos = stop;
    return b.toString('utf8', start, end);
  }
  /** u16 length + NUL-separated list, as a view of its bytes (null when empty). */
  listBytes(max: number, field: string): Buffer | null {
    const n = this.u16();
    if (n > max) this.fail(`${field} length ${n} exceeds ${max}`);
    return n === 0 ? null : this.bytes(n);
  }
  /** u16 length + NUL-separated list. */
  list(max: number, field: string): string[] {
    const n = this.u16();
    if (n > max) this.fail(`${field} length ${n} exceeds ${max}`);
    this.need(n);
    const items = splitNulList(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return items;
  }
}
