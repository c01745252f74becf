// The libscap savefile converter (FORMAT.md §13): upgrades events written with old layouts to the current
// ones, folds enter-event parameters into exit events and drops most enter events, so that what follows sees
// the same events Falco sees.

import { ScapError } from './blocks.js';
import { ScapEvent } from './event.js';
import { type Conversion, ConversionAction, ConversionInstr } from './eventInfo.js';
import { CONVERSIONS } from './tables/conversions.js';
import { EF, EVENT_TABLE, PPM_EVENT_MAX, PT, PT_SIZE } from './tables/events.js';

const MAX_STEPS = 50;
const EMPTY = Buffer.alloc(0);

interface StoredSlot {
  ev: ScapEvent;
  /** Holds an enter event no exit event has used yet. */
  full: boolean;
  /** The slot's own buffer, when it has one (ev.buf is then either it or the borrowed block's). */
  own: Buffer | null;
  /** ev points into the block it was read from instead of `own` (see Converter.borrowed). */
  borrowing: boolean;
}

/** What the converter does with an event of a given (type, nparams), decided before the event is built. */
export const Plan = { Pass: 0, Drop: 1, Store: 2, Convert: 3 } as const;

export class Converter {
  /**
   * Per thread id, the slot its enter events are stored in. A slot stays when its exit event uses the
   * enter event (marked empty), so that the thread's next enter event reuses its buffer and object.
   */
  private readonly stored = new Map<number, StoredSlot>();
  /**
   * Slots whose enter event still points into the bytes it was read from (no copy: the reader's chunks are
   * never written to). Before the reader moves to another chunk it calls keepBorrowed(), which copies them,
   * so that a thread's stored event never keeps an old chunk alive.
   */
  private borrowed: StoredSlot[] = [];
  private readonly plans = new Int8Array(PPM_EVENT_MAX * 64).fill(-1);
  /**
   * Exit events whose stored enter event was of another syscall (the capture lost events in between).
   * libscap stops reading there; saker fills the parameters as if no enter event had been stored, counts
   * them, and goes on: one lost event should not cost the rest of the capture.
   */
  mismatchedEnters = 0;

  /**
   * With `reuseEvents`, converted events are built into two alternating scratch buffers and event objects
   * (a conversion in several steps reads the previous step's result while it writes the next one): the
   * result is valid until the next event is converted, as the reader's own events are.
   */
  constructor(private readonly reuseEvents = false) {}
  private scratchBufs: [Buffer, Buffer] = [Buffer.allocUnsafe(4096), Buffer.allocUnsafe(4096)];
  private readonly scratchEvents: [ScapEvent, ScapEvent] = [
    new ScapEvent(EMPTY, 0, 0, 0, 0, 2, 0, 0),
    new ScapEvent(EMPTY, 0, 0, 0, 0, 2, 0, 0),
  ];
  private flip = 0;

  /**
   * The last slot looked up, by thread id: an exit event usually follows its enter event on the same
   * thread, so the exit's lookup is a comparison instead of a map lookup.
   */
  private lastTid = NaN;
  private lastSlot: StoredSlot | undefined = undefined;

  private slotOf(tid: number): StoredSlot | undefined {
    if (tid === this.lastTid) return this.lastSlot;
    const slot = this.stored.get(tid);
    this.lastTid = tid;
    this.lastSlot = slot;
    return slot;
  }

  /** Drops stored events (a new capture section starts). */
  reset(): void {
    this.stored.clear();
    this.borrowed.length = 0;
    this.lastTid = NaN;
    this.lastSlot = undefined;
  }

  /** Forgets a thread's stored event (its thread exited: no exit event can pair with it any more). */
  forget(tid: number): void {
    this.stored.delete(tid);
    if (tid === this.lastTid) {
      this.lastTid = NaN;
      this.lastSlot = undefined;
    }
  }

  /**
   * The fast decision for an event as read: pass it unchanged, drop it, store it (an enter event the exit
   * will need), or run the full conversion. Cached per (type, nparams).
   */
  plan(type: number, nparams: number): number {
    if (nparams > 63) return Plan.Convert;
    const key = type * 64 + nparams;
    let p = this.plans[key]!;
    if (p < 0) {
      p = decide(type, nparams);
      this.plans[key] = p;
    }
    return p;
  }

  /** The thread's stored-event slot, made on its first enter event. */
  private slotFor(tid: number): StoredSlot {
    let slot = this.slotOf(tid);
    if (slot === undefined) {
      slot = { ev: new ScapEvent(EMPTY, 0, 0, 0, 0, 2, 0, 0), full: false, own: null, borrowing: false };
      this.stored.set(tid, slot);
      this.lastTid = tid;
      this.lastSlot = slot;
    }
    return slot;
  }

  /**
   * Stores an enter event for its exit. An event read from a block is only pointed at (see `borrowed`); one
   * the converter built in a scratch buffer (which the next conversion overwrites) is copied.
   */
  storeRaw(tid: number, from: ScapEvent): void {
    const slot = this.slotFor(tid);
    slot.full = true;
    if (from.isGathered || from.buf === this.scratchBufs[0] || from.buf === this.scratchBufs[1]) {
      slot.borrowing = false;
      copyInto(slot, from);
      return;
    }
    slot.ev.reinit(from.buf, from.start, from.type, from.nparams, from.lenOff, from.lenSize, from.cpu, from.fileOffset);
    if (!slot.borrowing) {
      slot.borrowing = true;
      this.borrowed.push(slot);
    }
  }

  /**
   * Stores an enter event as read from a block (the reader's Plan.Store): the thread's slot points at its
   * bytes, as storeRaw does for an event read from a block, without an event object built first.
   */
  storeBlock(tid: number, buf: Buffer, start: number, type: number, nparams: number, lenOff: number, lenSize: number, cpu: number, fileOffset: number): ScapEvent {
    const slot = this.slotFor(tid);
    slot.full = true;
    slot.ev.pointAt(buf, start, type, nparams, lenOff, lenSize, cpu, fileOffset);
    if (slot.borrowing !== true) {
      slot.borrowing = true;
      this.borrowed.push(slot);
    }
    return slot.ev;
  }

  /** Copies the stored events that still point into the reader's current chunk (it is about to change). */
  keepBorrowed(): void {
    for (const slot of this.borrowed) {
      if (!slot.borrowing) continue;
      if (slot.full) copyInto(slot, slot.ev);
      else slot.ev.reinit(EMPTY, 0, 0, 0, 0, 2, 0, 0);
      slot.borrowing = false;
    }
    this.borrowed.length = 0;
  }

  /** The event as sinsp receives it, or null when the converter consumes it. */
  convert(ev: ScapEvent): ScapEvent | null {
    if (this.reuseEvents === true && ev.nparams < 64) {
      const flat = flatFor(ev.type * 64 + ev.nparams);
      if (flat !== null) {
        const out = this.gatherFlat(ev, flat);
        if (out !== null) return out;
      }
    }
    return this.convertSteps(ev);
  }

  /**
   * The common case of convert() without interpreting the conversion table: a one-step conversion (see
   * FlatConversion) whose every parameter lies in the bytes `ev` was read from — its own, and those of its
   * stored enter event when that is of the matching type and still points into the same chunk. The result
   * is the gathered event rebuild() + build() would make (the same offsets and lengths), and the slot is
   * emptied as rebuild() empties it. Returns null, having changed nothing, when it is not that case: the
   * caller then takes the general path (mismatched or missing enter events, defaults, copies).
   */
  private gatherFlat(ev: ScapEvent, flat: FlatConversion): ScapEvent | null {
    const n = flat.n;
    let enter: ScapEvent | null = null;
    let slot: StoredSlot | undefined;
    if (flat.fromEnter === true) {
      slot = this.slotOf(ev.tid);
      if (slot === undefined || slot.full !== true) return null;
      enter = slot.ev;
      if (enter.type !== ev.type - 1 || enter.buf !== ev.buf) return null;
    }
    // Written straight into the scratch event the result will be. That is not the last result (the other
    // one is), so that a bail-out below leaves nothing anyone reads half-written: whatever uses that object
    // next points it at an event first.
    const out = this.scratchEvents[this.flip ^ 1]!;
    if (out === ev) return null; // an event from two conversions ago converted again: the general path
    out.startGather(ev.buf, ev.start, flat.to, n, flat.lenSize, ev.cpu, ev.fileOffset);
    const offs = out.gatheredOffs;
    const lens = out.gatheredLens;
    const code = flat.code;
    const arg = flat.arg;
    const fitSize = flat.fitSize;
    let usedEnter = false;
    for (let i = 0; i < n; i++) {
      const c = code[i]!;
      let off = 0;
      let len = 0;
      if (c === FLAT_KEEP) {
        off = ev.paramOff(i);
        len = ev.paramLen(i);
      } else if (c === FLAT_OLD) {
        const k = arg[i]!;
        off = ev.paramOff(k);
        len = ev.paramLen(k);
      } else if (c === FLAT_ENTER) {
        const k = arg[i]!;
        if (k < enter!.nparams) {
          usedEnter = true;
          off = enter!.paramOff(k);
          len = enter!.paramLen(k);
        } else if (flat.emptyIfMissing[i] !== 1) {
          return null; // a default value: not in these bytes
        }
      } // FLAT_EMPTY: nothing
      const size = fitSize[i]!;
      offs[i] = off;
      lens[i] = size > 0 && len > size ? size : len;
    }
    if (usedEnter) slot!.full = false;
    this.flip ^= 1;
    out.knowTid(ev.tid); // the same header
    return out;
  }

  private convertSteps(ev: ScapEvent): ScapEvent | null {
    for (let step = 0; step < MAX_STEPS; step++) {
      const info = EVENT_TABLE[ev.type]!;
      const flags = info.flags;
      if (flags & EF.EF_UNUSED) return null;
      const enter = (ev.type & 1) === 0;
      if ((flags & EF.EF_CONVERTER_MANAGED) === 0) {
        if ((flags & EF.EF_OLD_VERSION) === 0) return ev;
        if (enter) return null;
        throw new ScapError(`old ${info.name} exit event (type ${ev.type}) has no conversion`, ev.fileOffset);
      }
      if (!enter) {
        if (ev.nparams > info.params.length) {
          throw new ScapError(
            `${info.name} exit event (type ${ev.type}) has ${ev.nparams} parameters, more than the ${info.params.length} known`,
            ev.fileOffset,
          );
        }
        if ((flags & EF.EF_OLD_VERSION) === 0 && ev.nparams === info.params.length) return ev;
      }
      const conv = ev.nparams < 64 ? conversionFor(ev.type * 64 + ev.nparams) : undefined;
      if (conv === undefined) {
        throw new ScapError(
          `no conversion for ${info.name} ${enter ? 'enter' : 'exit'} event (type ${ev.type}) with ${ev.nparams} parameters`,
          ev.fileOffset,
        );
      }
      switch (conv.action) {
        case ConversionAction.Store:
          this.storeRaw(ev.tid, ev);
          return null;
        case ConversionAction.Pass:
          return ev;
        case ConversionAction.StoreAndPass:
          this.storeRaw(ev.tid, ev);
          return ev;
        case ConversionAction.AddParams:
        case ConversionAction.ChangeType:
          ev = this.rebuild(ev, conv.action === ConversionAction.ChangeType ? conv.to : ev.type, conv);
          break;
        default:
          throw new ScapError(`unknown conversion action ${conv.action}`, ev.fileOffset);
      }
    }
    throw new ScapError(`event type ${ev.type} still needs converting after ${MAX_STEPS} steps`, ev.fileOffset);
  }

  // Scratch lists of the parameters of the event being built: buffer, offset, length (no view per param),
  // `count` of them in use; grown on demand, never shrunk.
  private srcBuf: Buffer[] = new Array<Buffer>(32).fill(EMPTY);
  private srcOff = new Int32Array(32);
  private srcLen = new Int32Array(32);
  private count = 0;

  private push(buf: Buffer, off: number, len: number): void {
    const i = this.count++;
    if (i === this.srcOff.length) this.grow();
    // Mostly the same buffer as last time in this slot: no store, no write barrier.
    if (this.srcBuf[i] !== buf) this.srcBuf[i] = buf;
    this.srcOff[i] = off;
    this.srcLen[i] = len;
  }

  private grow(): void {
    const n = 2 * this.srcOff.length;
    const off = new Int32Array(n);
    off.set(this.srcOff);
    const len = new Int32Array(n);
    len.set(this.srcLen);
    this.srcOff = off;
    this.srcLen = len;
    for (let i = this.srcBuf.length; i < n; i++) this.srcBuf.push(EMPTY);
  }

  private rebuild(
    ev: ScapEvent,
    type: number,
    conv: { action: number; instrs: ReadonlyArray<readonly [number, number, number]> },
  ): ScapEvent {
    const target = EVENT_TABLE[type]!;
    const params = target.params;
    this.count = 0;
    const keep = conv.action === ConversionAction.AddParams ? ev.nparams : 0;
    for (let i = 0; i < keep; i++) this.push(ev.buf, ev.paramOff(i), ev.paramLen(i));
    let usedEnter = false;
    const tid = ev.tid;
    // The thread's stored enter event, looked up once (FromEnter instructions come in runs).
    let slot: StoredSlot | undefined | null = null;
    const instrs = conv.instrs;
    for (let j = 0; j < instrs.length; j++) {
      const instr = instrs[j]!;
      const code = instr[0];
      const k = instr[1];
      const ptype = this.count < params.length ? params[this.count]!.type : PT.PT_NONE;
      switch (code) {
        case ConversionInstr.FromOld:
          if (k >= ev.nparams) {
            throw new ScapError(
              `conversion of ${target.name} needs parameter ${k} but the event has ${ev.nparams}`,
              ev.fileOffset,
            );
          }
          this.push(ev.buf, ev.paramOff(k), fit(ev.paramLen(k), ptype));
          break;
        case ConversionInstr.FromEnter: {
          if (slot === null) slot = this.slotOf(tid);
          let enter = slot !== undefined && slot.full === true ? slot.ev : undefined;
          if (enter !== undefined && enter.type !== ev.type - 1) {
            this.mismatchedEnters++;
            slot!.full = false;
            enter = undefined;
          }
          if (enter === undefined || k >= enter.nparams) {
            if (instr[2]) this.push(EMPTY, 0, 0);
            else this.pushDefault(ptype);
            break;
          }
          usedEnter = true;
          this.push(enter.buf, enter.paramOff(k), fit(enter.paramLen(k), ptype));
          break;
        }
        case ConversionInstr.FromDefault:
          this.pushDefault(ptype);
          break;
        case ConversionInstr.FromEmpty:
          this.push(EMPTY, 0, 0);
          break;
        case ConversionInstr.FromCallback: {
          const json = containerJson(ev);
          this.push(json, 0, json.length);
          break;
        }
        default:
          throw new ScapError(`unknown conversion instruction ${code}`, ev.fileOffset);
      }
    }
    if (usedEnter) slot!.full = false;
    return this.build(ev, type);
  }

  private pushDefault(ptype: number): void {
    if (ptype === PT.PT_UID || ptype === PT.PT_GID) this.push(ALL_ONES_32, 0, 4);
    else this.push(ZEROS, 0, PT_SIZE[ptype] ?? 0);
  }

  /** A new v2-layout event of `type` from the scratch parameters, with the header of `from`. */
  private build(from: ScapEvent, type: number): ScapEvent {
    const lenSize = EVENT_TABLE[type]!.lenSize;
    const n = this.count;
    if (this.reuseEvents) {
      // When every parameter lies in the bytes `from` was read from (its own and its stored enter event's,
      // both read from the same chunk), the event is read in place: no copy.
      let inPlace = true;
      for (let i = 0; i < n && inPlace; i++) inPlace = this.srcBuf[i] === from.buf || this.srcLen[i] === 0;
      if (inPlace) {
        this.flip ^= 1;
        const gathered = this.scratchEvents[this.flip]!.gather(from.buf, from.start, type, n, lenSize, from.cpu, from.fileOffset, this.srcOff, this.srcLen);
        gathered.knowTid(from.tid); // the same header
        return gathered;
      }
    }
    let total = 26 + n * lenSize;
    for (let i = 0; i < n; i++) total += this.srcLen[i]!;
    let b: Buffer;
    if (this.reuseEvents) {
      this.flip ^= 1;
      b = this.scratchBufs[this.flip]!;
      if (b.length < total) {
        b = Buffer.allocUnsafe(Math.max(total, 2 * b.length));
        this.scratchBufs[this.flip] = b;
      }
    } else {
      b = Buffer.allocUnsafe(total);
    }
    copyBytes(from.buf, from.start, 16, b, 0); // ts, tid
    writeU32(b, 16, total);
    b[20] = type & 0xff;
    b[21] = type >>> 8;
    writeU32(b, 22, n);
    let o = 26;
    for (let i = 0; i < n; i++) {
      const len = this.srcLen[i]!;
      if (lenSize === 2) {
        b[o] = len & 0xff;
        b[o + 1] = len >>> 8;
      } else {
        writeU32(b, o, len);
      }
      o += lenSize;
    }
    for (let i = 0; i < n; i++) o = copyBytes(this.srcBuf[i]!, this.srcOff[i]!, this.srcLen[i]!, b, o);
    if (this.reuseEvents) return this.scratchEvents[this.flip]!.reinit(b, 0, type, n, 26, lenSize, from.cpu, from.fileOffset);
    return new ScapEvent(b, 0, type, n, 26, lenSize, from.cpu, from.fileOffset);
  }
}

/** Copies `from` into the slot's own buffer, and points the slot at the copy. */
function copyInto(slot: StoredSlot, from: ScapEvent): void {
  const total = v2Length(from);
  let b = slot.own;
  if (b === null || b.length < total) {
    b = Buffer.allocUnsafe(Math.max(total, 128));
    slot.own = b;
  }
  writeV2(from, b, total);
  slot.ev.reinit(b, 0, from.type, from.nparams, 26, from.lenSize, from.cpu, from.fileOffset);
}

/** The length of `from` in the v2 layout: header, parameter lengths, parameters. */
function v2Length(from: ScapEvent): number {
  const n = from.nparams;
  let total = 26 + n * from.lenSize;
  if (from.isGathered) {
    for (let i = 0; i < n; i++) total += from.paramLen(i);
  } else if (n > 0) {
    total += from.paramOff(n - 1) + from.paramLen(n - 1) - (from.lenOff + n * from.lenSize);
  }
  return total;
}

/** Writes `from` in the v2 layout (`total` bytes, from v2Length) at the start of `b`. */
function writeV2(from: ScapEvent, b: Buffer, total: number): void {
  const n = from.nparams;
  copyBytes(from.buf, from.start, 16, b, 0); // ts, tid
  writeU32(b, 16, total);
  b[20] = from.type & 0xff;
  b[21] = from.type >>> 8;
  writeU32(b, 22, n);
  if (!from.isGathered) {
    // Lengths and parameters follow each other in the block: one copy.
    copyBytes(from.buf, from.lenOff, total - 26, b, 26);
    return;
  }
  let o = 26;
  for (let i = 0; i < n; i++) {
    const len = from.paramLen(i);
    if (from.lenSize === 2) {
      b[o] = len & 0xff;
      b[o + 1] = len >>> 8;
    } else {
      writeU32(b, o, len);
    }
    o += from.lenSize;
  }
  for (let i = 0; i < n; i++) o = copyBytes(from.buf, from.paramOff(i), from.paramLen(i), b, o);
}

const FLAT_KEEP = 0;
const FLAT_OLD = 1;
const FLAT_ENTER = 2;
const FLAT_EMPTY = 3;

/**
 * A conversion of one (type, nparams) that convertSteps() does in exactly one rebuild step (AddParams or
 * ChangeType), after which the result passes unchanged, and whose instructions are all of the kinds that
 * can be read in place (kept and old parameters, enter parameters, empty ones; no default values, no
 * callback): one entry per parameter of the result, so that gatherFlat() runs no table lookups and no
 * instruction interpreter.
 */
interface FlatConversion {
  readonly to: number;
  readonly n: number;
  readonly lenSize: number;
  readonly fromEnter: boolean;
  /** Per result parameter: FLAT_KEEP (the event's own parameter i), FLAT_OLD, FLAT_ENTER, FLAT_EMPTY. */
  readonly code: Uint8Array;
  /** The parameter index FLAT_OLD and FLAT_ENTER read. */
  readonly arg: Int32Array;
  /** FLAT_ENTER: an enter event without that parameter gives an empty one (else a default: general path). */
  readonly emptyIfMissing: Uint8Array;
  /** The size a fixed-size result parameter is cut to (rebuild's fit()); 0: none (kept parameters). */
  readonly fitSize: Int32Array;
}

/** Per (type × 64 + nparams): its FlatConversion, null when it has none, undefined until asked. */
const FLAT_BY_KEY: Array<FlatConversion | null | undefined> = new Array<FlatConversion | null | undefined>(PPM_EVENT_MAX * 64).fill(undefined);

function flatFor(key: number): FlatConversion | null {
  let flat = FLAT_BY_KEY[key];
  if (flat === undefined) {
    flat = flatten(key);
    FLAT_BY_KEY[key] = flat;
  }
  return flat;
}

/**
 * The FlatConversion of a key, following convertSteps() for an event of that (type, nparams): every
 * condition it tests on the way to one rebuild and then to returning the result depends on the type and
 * parameter count alone, so it is decided here once.
 */
function flatten(key: number): FlatConversion | null {
  const type = Math.floor(key / 64);
  const nparams = key % 64;
  const info = EVENT_TABLE[type];
  if (info === undefined) return null;
  const flags = info.flags;
  // Step 0 must reach the conversion lookup without returning or throwing.
  if ((flags & EF.EF_UNUSED) !== 0 || (flags & EF.EF_CONVERTER_MANAGED) === 0) return null;
  const enter = (type & 1) === 0;
  if (!enter) {
    if (nparams > info.params.length) return null;
    if ((flags & EF.EF_OLD_VERSION) === 0 && nparams === info.params.length) return null;
  }
  const conv = conversionFor(key);
  if (conv === undefined) return null;
  if (conv.action !== ConversionAction.AddParams && conv.action !== ConversionAction.ChangeType) return null;
  const to = conv.action === ConversionAction.ChangeType ? conv.to : type;
  const keep = conv.action === ConversionAction.AddParams ? nparams : 0;
  const n = keep + conv.instrs.length;
  // Step 1 must return the rebuilt event as it is.
  const target = EVENT_TABLE[to];
  if (target === undefined || n >= 64) return null;
  const tflags = target.flags;
  if ((tflags & EF.EF_UNUSED) !== 0) return null;
  const final =
    (tflags & EF.EF_CONVERTER_MANAGED) === 0
      ? (tflags & EF.EF_OLD_VERSION) === 0
      : (to & 1) === 1 && (tflags & EF.EF_OLD_VERSION) === 0 && n === target.params.length;
  if (!final) return null;
  const code = new Uint8Array(n);
  const arg = new Int32Array(n);
  const emptyIfMissing = new Uint8Array(n);
  const fitSize = new Int32Array(n);
  let fromEnter = false;
  for (let i = keep; i < n; i++) {
    const [c, k, empty] = conv.instrs[i - keep]!;
    const ptype = i < target.params.length ? target.params[i]!.type : PT.PT_NONE;
    arg[i] = k;
    fitSize[i] = PT_SIZE[ptype] ?? 0;
    if (c === ConversionInstr.FromOld) {
      if (k >= nparams) return null; // convertSteps() reports it
      code[i] = FLAT_OLD;
    } else if (c === ConversionInstr.FromEnter) {
      code[i] = FLAT_ENTER;
      emptyIfMissing[i] = empty ? 1 : 0;
      fromEnter = true;
    } else if (c === ConversionInstr.FromEmpty) {
      code[i] = FLAT_EMPTY;
    } else {
      return null; // defaults and callbacks are not in the event's bytes
    }
  }
  return { to, n, lenSize: target.lenSize, fromEnter, code, arg, emptyIfMissing, fitSize };
}

/** CONVERSIONS by (type × 64 + nparams), in an array: one load per converted event instead of a map lookup. */
const CONVERSION_BY_KEY: Array<Conversion | undefined> = new Array<Conversion | undefined>(PPM_EVENT_MAX * 64).fill(undefined);
for (const [key, conv] of CONVERSIONS) if (key < CONVERSION_BY_KEY.length) CONVERSION_BY_KEY[key] = conv;

function conversionFor(key: number): Conversion | undefined {
  return key < CONVERSION_BY_KEY.length ? CONVERSION_BY_KEY[key] : CONVERSIONS.get(key);
}

function decide(type: number, nparams: number): number {
  const info = EVENT_TABLE[type]!;
  const flags = info.flags;
  if (flags & EF.EF_UNUSED) return Plan.Drop;
  const enter = (type & 1) === 0;
  if ((flags & EF.EF_CONVERTER_MANAGED) === 0) {
    if ((flags & EF.EF_OLD_VERSION) === 0) return Plan.Pass;
    return enter ? Plan.Drop : Plan.Convert; // an old unmanaged exit: convert() reports it
  }
  if (!enter && (flags & EF.EF_OLD_VERSION) === 0 && nparams === info.params.length) return Plan.Pass;
  const conv = CONVERSIONS.get(type * 64 + nparams);
  if (conv !== undefined && conv.action === ConversionAction.Store) return Plan.Store;
  if (conv !== undefined && conv.action === ConversionAction.Pass) return Plan.Pass;
  return Plan.Convert;
}

function writeU32(b: Buffer, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = v >>> 24;
}

/** Small copies in JS (cheaper than a native call), large ones with Buffer.copy. */
function copyBytes(src: Buffer, off: number, len: number, dst: Buffer, at: number): number {
  if (len <= 32) {
    for (let i = 0; i < len; i++) dst[at + i] = src[off + i]!;
  } else {
    src.copy(dst, at, off, off + len);
  }
  return at + len;
}

/** Fixed-size targets keep at most their size (a wider old value is cut, as libscap does). */
function fit(len: number, ptype: number): number {
  const size = PT_SIZE[ptype] ?? 0;
  return size > 0 && len > size ? size : len;
}

const ZEROS = Buffer.alloc(8);
const ALL_ONES_32 = Buffer.from([0xff, 0xff, 0xff, 0xff]);

/** CONTAINER_E (id, type, name, image) → the JSON CONTAINER_JSON_E carries. */
function containerJson(ev: ScapEvent): Buffer {
  const json = JSON.stringify({
    container: {
      id: ev.str(0) ?? '',
      type: ev.uint(1) ?? 0,
      name: ev.str(2) ?? '',
      image: ev.str(3) ?? '',
    },
  });
  return Buffer.from(json + '\0', 'utf8');
}

/**
 * A copy of an event (v2 layout) that does not keep the chunk it was read from alive, nor the converter's
 * scratch space.
 */
export function detach(ev: ScapEvent): ScapEvent {
  const total = v2Length(ev);
  const b = Buffer.allocUnsafe(total);
  writeV2(ev, b, total);
  return new ScapEvent(b, 0, ev.type, ev.nparams, 26, ev.lenSize, ev.cpu, ev.fileOffset);
}
