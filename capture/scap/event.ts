// One event of a capture, read lazily from the bytes of its block: parameters are decoded only when a
// parser or an extractor asks for them, so events nobody looks at cost little more than their header.

import type { EventInfo } from './eventInfo.js';
import { EVENT_TABLE } from './tables/events.js';
import type { FdInfo } from './state/fd.js';
import type { ThreadInfo } from './state/thread.js';
import type { CaptureState } from './state/state.js';

const TWO_32 = 0x1_0000_0000;

export function readU16(b: Buffer, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}
export function readU32(b: Buffer, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000;
}
export function readI32(b: Buffer, o: number): number {
  return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
}
/** A 64-bit signed integer as a number (exact within ±2^53, which covers fds, pids, errnos and sizes). */
export function readI64(b: Buffer, o: number): number {
  return readI32(b, o + 4) * TWO_32 + readU32(b, o);
}
/** A 64-bit unsigned integer as a number (inexact above 2^53: use readU64Big for those). */
export function readU64(b: Buffer, o: number): number {
  return readU32(b, o + 4) * TWO_32 + readU32(b, o);
}
export function readU64Big(b: Buffer, o: number): bigint {
  return b.readBigUInt64LE(o);
}

/**
 * An event as sinsp hands it to filters: the raw parameters plus, once the capture state has parsed it,
 * its thread, its fd and its ordinal. State objects are live: extract fields before the next event is read.
 */
export class ScapEvent {
  /** evt.num: 1-based ordinal among the events delivered (after the converter dropped some). */
  num = 0;
  /** The thread the state machine associated with this event (undefined for meta events without one). */
  thread: ThreadInfo | undefined = undefined;
  /** The fd the event uses (fd.*), when it is in the thread's table. */
  fd: FdInfo | undefined = undefined;
  /** fd.num: the event's fd number, or undefined for events that use none. */
  fdNum: number | undefined = undefined;
  /** The capture state, for lookups extractors need (parents, users, containers, interfaces). */
  state: CaptureState | undefined = undefined;
  /** Set by the parsers for events whose fd is not in the table (open failures…): fd.name fallback. */
  /** fd.name_changed: the event changed the name of its fd (a UDP tuple, a connect…). */
  fdNameChanged = false;

  /** The previous event's timestamp (evt.deltatime), as two 32-bit halves to avoid a bigint per event. */
  prevTsLo = 0;
  prevTsHi = 0;

  /** Offsets of the parameters (computed on first use; the array is kept across reinit). */
  private offs: Int32Array | null = null;
  private offsValid = false;
  /**
   * A gathered event (the converter's combination of an exit event and its enter event's parameters, see
   * gather()): its parameters lie in `buf` at these offsets with these lengths, not after a length array.
   */
  private gathered = false;
  private gOff: Int32Array | null = null;
  private gLen: Int32Array | null = null;
  private tidCache: number | undefined = undefined;
  private tsBig: bigint | undefined = undefined;

  constructor(
    public buf: Buffer,
    /** Offset of the event header (ts) in buf. */
    public start: number,
    /** Event type id (index into EVENT_TABLE). */
    public type: number,
    public nparams: number,
    /** Offset of the parameter length array. */
    public lenOff: number,
    /** 2 or 4: bytes per entry of the length array. */
    public lenSize: number,
    public cpu: number,
    /** Byte offset of the event's block in the (uncompressed) file, for error messages. */
    public fileOffset: number,
  ) {}

  /** Points this object at another event (stored-event slots, and the reader's event when it reuses one). */
  reinit(buf: Buffer, start: number, type: number, nparams: number, lenOff: number, lenSize: number, cpu: number, fileOffset: number): this {
    // pointAt's body, written out: calling it from here cost 30-40 instructions per event block (cachegrind,
    // bench/scap worker on generated captures, two pairs side by side).
    // Usually the same chunk as the last event's: skip the store (and its write barrier: a chunk is young).
    if (this.buf !== buf) this.buf = buf;
    this.start = start;
    this.type = type;
    this.nparams = nparams;
    this.lenOff = lenOff;
    this.lenSize = lenSize;
    this.cpu = cpu;
    this.fileOffset = fileOffset;
    this.offsValid = false;
    this.gathered = false;
    this.tidCache = undefined;
    this.tsBig = undefined;
    this.num = 0;
    this.thread = undefined;
    this.fd = undefined;
    this.fdNum = undefined;
    this.state = undefined;
    this.fdNameChanged = false;
    return this;
  }

  /**
   * Points this object at an event whose parameters only are read (the converter's stored enter events,
   * never handed over): reinit without resetting what the state and the reader set on handed-over events.
   */
  pointAt(buf: Buffer, start: number, type: number, nparams: number, lenOff: number, lenSize: number, cpu: number, fileOffset: number): this {
    if (this.buf !== buf) this.buf = buf;
    this.start = start;
    this.type = type;
    this.nparams = nparams;
    this.lenOff = lenOff;
    this.lenSize = lenSize;
    this.cpu = cpu;
    this.fileOffset = fileOffset;
    this.offsValid = false;
    this.gathered = false;
    this.tidCache = undefined;
    this.tsBig = undefined;
    return this;
  }

  /**
   * Points this object at an event whose header (ts, tid) is at `start` in `buf` and whose `nparams`
   * parameters are the byte ranges (offs[i], lens[i]) of `buf`: the converter's combined events, read in
   * place instead of copied. `lenSize` is the type's, for whoever writes the event out (detach).
   */
  gather(buf: Buffer, start: number, type: number, nparams: number, lenSize: number, cpu: number, fileOffset: number, offs: Int32Array, lens: Int32Array): this {
    this.startGather(buf, start, type, nparams, lenSize, cpu, fileOffset);
    const gOff = this.gOff!;
    const gLen = this.gLen!;
    for (let i = 0; i < nparams; i++) {
      gOff[i] = offs[i]!;
      gLen[i] = lens[i]!;
    }
    return this;
  }

  /**
   * gather() for a caller that writes the offsets and lengths itself, into gatheredOffs and gatheredLens
   * (`nparams` entries each, to be filled before the event is read): no copy from arrays of its own.
   */
  startGather(buf: Buffer, start: number, type: number, nparams: number, lenSize: number, cpu: number, fileOffset: number): void {
    this.reinit(buf, start, type, nparams, -1, lenSize, cpu, fileOffset);
    if (this.gOff === null || this.gLen === null || this.gOff.length < nparams) {
      this.gOff = new Int32Array(Math.max(nparams, 16));
      this.gLen = new Int32Array(Math.max(nparams, 16));
    }
    this.gathered = true;
  }

  /** A gathered event's parameter offsets (see startGather). */
  get gatheredOffs(): Int32Array {
    return this.gOff!;
  }

  /** A gathered event's parameter lengths (see startGather). */
  get gatheredLens(): Int32Array {
    return this.gLen!;
  }

  /** True for gathered events (parameters not laid out after a length array: copy them one by one). */
  get isGathered(): boolean {
    return this.gathered;
  }

  get info(): EventInfo {
    return EVENT_TABLE[this.type]!;
  }

  /** ns since the epoch, as a double (good to ~256 ns: enough for durations, not for display). */
  get tsApprox(): number {
    return readU64(this.buf, this.start);
  }

  /** ns since the epoch, exact. */
  get ts(): bigint {
    if (this.tsBig === undefined) this.tsBig = this.buf.readBigUInt64LE(this.start);
    return this.tsBig;
  }

  get prevTs(): bigint {
    return (BigInt(this.prevTsHi) << 32n) | BigInt(this.prevTsLo);
  }

  /** The thread id; -1 for meta events written with tid 0xFFFFFFFFFFFFFFFF. */
  get tid(): number {
    let t = this.tidCache;
    if (t === undefined) {
      t = readI64(this.buf, this.start + 8);
      this.tidCache = t;
    }
    return t;
  }

  /** Sets the thread id when the caller has already read it (the reader, through its DataView). */
  knowTid(tid: number): void {
    this.tidCache = tid;
  }

  /** Total event length from the header (header + lengths + parameters). */
  get length(): number {
    return readU32(this.buf, this.start + 16);
  }

  paramLen(i: number): number {
    if (i >= this.nparams) return 0;
    if (this.gathered === true) return this.gLen![i]!; // `=== true`: one comparison (see the reader)
    // Once the offsets are known (the reader computes them for every v2 event it builds), the difference of
    // two of them: cheaper than decoding the length again.
    if (this.offsValid === true) return this.offs![i + 1]! - this.offs![i]!;
    return this.lenSize === 2
      ? readU16(this.buf, this.lenOff + 2 * i)
      : readU32(this.buf, this.lenOff + 4 * i);
  }

  /** Offset in buf of parameter i's bytes. */
  paramOff(i: number): number {
    if (this.gathered === true) return i < this.nparams ? this.gOff![i]! : 0;
    if (this.offsValid !== true) this.layout();
    return this.offs![i]!;
  }

  /**
   * Computes the parameters' offsets from the length array (once per event) and returns where the last
   * parameter ends: the reader checks that against the event's length, so validating an event and
   * locating its parameters is one pass over its lengths.
   */
  layout(): number {
    const n = this.nparams;
    let offs = this.offs;
    if (offs === null || offs.length < n + 1) offs = this.offs = new Int32Array(Math.max(n + 1, 16));
    const b = this.buf;
    const lenOff = this.lenOff;
    let o = lenOff + n * this.lenSize;
    if (this.lenSize === 2) {
      for (let k = 0; k < n; k++) {
        offs[k] = o;
        o += b[lenOff + 2 * k]! | (b[lenOff + 2 * k + 1]! << 8);
      }
    } else {
      for (let k = 0; k < n; k++) {
        offs[k] = o;
        o += readU32(b, lenOff + 4 * k);
      }
    }
    // Past 2^31 (a corrupt 32-bit length) the Int32Array would wrap: such an event is rejected anyway.
    offs[n] = o > 0x7fff_ffff ? 0x7fff_ffff : o;
    this.offsValid = true;
    return o;
  }

  /**
   * layout() reading the lengths through `view`, a DataView of `buf` (the reader's, whose checks put the
   * length array inside it): one load per length instead of two or four byte loads, each checked.
   */
  layoutIn(view: DataView): number {
    const n = this.nparams;
    let offs = this.offs;
    if (offs === null || offs.length < n + 1) offs = this.offs = new Int32Array(Math.max(n + 1, 16));
    const lenOff = this.lenOff;
    let o = lenOff + n * this.lenSize;
    if (this.lenSize === 2) {
      for (let k = 0; k < n; k++) {
        offs[k] = o;
        o += view.getUint16(lenOff + 2 * k, true);
      }
    } else {
      for (let k = 0; k < n; k++) {
        offs[k] = o;
        o += view.getUint32(lenOff + 4 * k, true);
      }
    }
    offs[n] = o > 0x7fff_ffff ? 0x7fff_ffff : o;
    this.offsValid = true;
    return o;
  }

  /** True when the event has parameter i with at least one byte (sinsp's "non-empty" check). */
  has(i: number): boolean {
    return i < this.nparams && this.paramLen(i) > 0;
  }

  /** A signed integer parameter of any width (1/2/4/8 bytes by its length); undefined when absent/empty. */
  int(i: number): number | undefined {
    const len = this.paramLen(i);
    if (len === 0) return undefined;
    const o = this.paramOff(i);
    const b = this.buf;
    switch (len) {
      case 1:
        return (b[o]! << 24) >> 24;
      case 2:
        return (readU16(b, o) << 16) >> 16;
      case 4:
        return readI32(b, o);
      case 8:
        return readI64(b, o);
      default:
        return undefined;
    }
  }

  /** An unsigned integer parameter of any width; undefined when absent/empty. */
  uint(i: number): number | undefined {
    const len = this.paramLen(i);
    if (len === 0) return undefined;
    const o = this.paramOff(i);
    const b = this.buf;
    switch (len) {
      case 1:
        return b[o]!;
      case 2:
        return readU16(b, o);
      case 4:
        return readU32(b, o);
      case 8:
        return readU64(b, o);
      default:
        return undefined;
    }
  }

  /** A 64-bit unsigned parameter, exact (capabilities, inode times). */
  u64Big(i: number): bigint | undefined {
    const len = this.paramLen(i);
    if (len === 0) return undefined;
    const o = this.paramOff(i);
    if (len === 8) return this.buf.readBigUInt64LE(o);
    const v = this.uint(i);
    return v === undefined ? undefined : BigInt(v);
  }

  /**
   * A 64-bit unsigned parameter, exact: a number when below 2^53 (counters always are: no BigInt to
   * allocate for the state's page-fault figures on every switch event), else a bigint.
   */
  u64Exact(i: number): number | bigint | undefined {
    const len = this.paramLen(i);
    if (len !== 8) return len === 0 ? undefined : this.uint(i);
    const o = this.paramOff(i);
    const hi = readU32(this.buf, o + 4);
    return hi < 0x20_0000 ? hi * TWO_32 + readU32(this.buf, o) : this.buf.readBigUInt64LE(o);
  }

  /** Raw bytes of parameter i (a view, not a copy). */
  bytes(i: number): Buffer {
    const o = this.paramOff(i);
    return this.buf.subarray(o, o + this.paramLen(i));
  }

  /**
   * A string parameter (CHARBUF/FSPATH/FSRELPATH) up to its NUL; undefined when absent or empty, `<NA>` for
   * the legacy `(NULL)` marker (both render `<NA>`; callers that care test has() first).
   */
  str(i: number): string | undefined {
    const len = this.paramLen(i);
    if (len === 0) return undefined;
    const o = this.paramOff(i);
    const b = this.buf;
    let end = o + len;
    if (b[end - 1] === 0) end--;
    const nul = b.indexOf(0, o);
    if (nul >= 0 && nul < end) end = nul;
    const s = b.toString('utf8', o, end);
    return s === '(NULL)' ? '<NA>' : s;
  }

  /** A NUL-separated list (args, env, cgroups): one trailing NUL dropped, interior empties kept. */
  strList(i: number): string[] {
    const len = this.paramLen(i);
    if (len === 0) return [];
    const o = this.paramOff(i);
    return splitNulList(this.buf, o, o + len);
  }
}

/** Splits `a\0b\0` into ['a', 'b'] (libscap semantics: one trailing NUL is a terminator, not an item). */
export function splitNulList(b: Buffer, start: number, end: number): string[] {
  if (end > start && b[end - 1] === 0) end--;
  if (end <= start) return [];
  const out: string[] = [];
  let s = start;
  for (;;) {
    const nul = b.indexOf(0, s);
    if (nul < 0 || nul >= end) {
      out.push(b.toString('utf8', s, end));
      return out;
    }
    out.push(b.toString('utf8', s, nul));
    s = nul + 1;
  }
}
