// The libscap savefile converter (FORMAT.md §13): upgrades events written with old layouts to the current
// ones, folds enter-event parameters into exit events and drops most enter events, so that what follows sees
// the same events Falco sees.

import { ScapError } from './blocks.js';
import { ScapEvent } from './event.js';
import { ConversionAction, ConversionInstr } from './eventInfo.js';
import { CONVERSIONS } from './tables/conversions.js';
import { EF, EVENT_TABLE, PT, PT_SIZE } from './tables/events.js';

const MAX_STEPS = 50;
const EMPTY = Buffer.alloc(0);

export class Converter {
  /** The stored enter event per thread id. */
  private readonly stored = new Map<number, ScapEvent>();

  /** Drops stored events (a new capture section starts). */
  reset(): void {
    this.stored.clear();
  }

  /** Forgets a thread's stored event (its thread exited: no exit event can pair with it any more). */
  forget(tid: number): void {
    this.stored.delete(tid);
  }

  /** The event as sinsp receives it, or null when the converter consumes it. */
  convert(ev: ScapEvent): ScapEvent | null {
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
      const conv = CONVERSIONS.get(ev.type * 64 + ev.nparams);
      if (conv === undefined) {
        throw new ScapError(
          `no conversion for ${info.name} ${enter ? 'enter' : 'exit'} event (type ${ev.type}) with ${ev.nparams} parameters`,
          ev.fileOffset,
        );
      }
      switch (conv.action) {
        case ConversionAction.Store:
          this.stored.set(ev.tid, detach(ev));
          return null;
        case ConversionAction.Pass:
          return ev;
        case ConversionAction.StoreAndPass:
          this.stored.set(ev.tid, detach(ev));
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

  private rebuild(
    ev: ScapEvent,
    type: number,
    conv: { action: number; instrs: ReadonlyArray<readonly [number, number, number]> },
  ): ScapEvent {
    const target = EVENT_TABLE[type]!;
    const params: Buffer[] = [];
    if (conv.action === ConversionAction.AddParams) {
      for (let i = 0; i < ev.nparams; i++) params.push(ev.bytes(i));
    }
    let usedEnter = false;
    const tid = ev.tid;
    for (const [code, k, fallbackEmpty] of conv.instrs) {
      const slot = params.length;
      const ptype = target.params[slot]?.type ?? PT.PT_NONE;
      switch (code) {
        case ConversionInstr.FromOld:
          if (k >= ev.nparams) {
            throw new ScapError(
              `conversion of ${target.name} needs parameter ${k} but the event has ${ev.nparams}`,
              ev.fileOffset,
            );
          }
          params.push(fit(ev.bytes(k), ptype));
          break;
        case ConversionInstr.FromEnter: {
          const enter = this.stored.get(tid);
          if (enter === undefined) {
            params.push(fallbackEmpty ? EMPTY : defaultParam(ptype));
            break;
          }
          if (enter.type !== ev.type - 1) {
            throw new ScapError(
              `the stored enter event for ${EVENT_TABLE[ev.type]!.name} exit (tid ${tid}) is a ${EVENT_TABLE[enter.type]!.name} ${enter.type & 1 ? 'exit' : 'enter'} event`,
              ev.fileOffset,
            );
          }
          usedEnter = true;
          params.push(k < enter.nparams ? fit(enter.bytes(k), ptype) : fallbackEmpty ? EMPTY : defaultParam(ptype));
          break;
        }
        case ConversionInstr.FromDefault:
          params.push(defaultParam(ptype));
          break;
        case ConversionInstr.FromEmpty:
          params.push(EMPTY);
          break;
        case ConversionInstr.FromCallback:
          params.push(containerJson(ev));
          break;
        default:
          throw new ScapError(`unknown conversion instruction ${code}`, ev.fileOffset);
      }
    }
    if (usedEnter) this.stored.delete(tid);
    return buildEvent(ev, type, params);
  }
}

/** Fixed-size targets keep at most their size (a wider old value is cut, as libscap does). */
function fit(b: Buffer, ptype: number): Buffer {
  const size = PT_SIZE[ptype] ?? 0;
  return size > 0 && b.length > size ? b.subarray(0, size) : b;
}

const ZEROS = Buffer.alloc(8);
const ALL_ONES_32 = Buffer.from([0xff, 0xff, 0xff, 0xff]);

function defaultParam(ptype: number): Buffer {
  if (ptype === PT.PT_UID || ptype === PT.PT_GID) return ALL_ONES_32;
  const size = PT_SIZE[ptype] ?? 0;
  return size > 0 ? ZEROS.subarray(0, size) : EMPTY;
}

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

/** A new v2-layout event with the header of `from`. */
export function buildEvent(from: ScapEvent, type: number, params: readonly Buffer[]): ScapEvent {
  const lenSize = EVENT_TABLE[type]!.lenSize;
  const n = params.length;
  let total = 26 + n * lenSize;
  for (const p of params) total += p.length;
  const b = Buffer.allocUnsafe(total);
  from.buf.copy(b, 0, from.start, from.start + 16); // ts, tid
  b.writeUInt32LE(total, 16);
  b.writeUInt16LE(type, 20);
  b.writeUInt32LE(n, 22);
  let o = 26;
  for (const p of params) {
    if (lenSize === 2) b.writeUInt16LE(p.length, o);
    else b.writeUInt32LE(p.length, o);
    o += lenSize;
  }
  for (const p of params) {
    p.copy(b, o);
    o += p.length;
  }
  return new ScapEvent(b, 0, type, n, 26, lenSize, from.cpu, from.fileOffset);
}

/** A copy of an event that does not keep the chunk it was read from alive. */
export function detach(ev: ScapEvent): ScapEvent {
  const params: Buffer[] = [];
  for (let i = 0; i < ev.nparams; i++) params.push(ev.bytes(i));
  return buildEvent(ev, ev.type, params);
}
