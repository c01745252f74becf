// The converter's flat path (reuseEvents: one-step conversions read in place) against its general path
// (without reuseEvents: the instruction interpreter and a copy), for every conversion in the table.

import { describe, expect, it } from 'vitest';
import { Converter } from '../../../capture/scap/converter.js';
import { ScapEvent } from '../../../capture/scap/event.js';
import { CONVERSIONS } from '../../../capture/scap/tables/conversions.js';
import { EVENT_TABLE } from '../../../capture/scap/tables/events.js';

const TID = 77;

/** A v2 event (header, lengths, parameters) with `lens.length` parameters of pseudo-random bytes. */
function rawEvent(type: number, lens: number[], seed: number): Buffer {
  const lenSize = EVENT_TABLE[type]!.lenSize;
  const total = 26 + lens.length * lenSize + lens.reduce((a, b) => a + b, 0);
  const b = Buffer.alloc(total);
  b.writeBigUInt64LE(1_700_000_000_000_000_000n + BigInt(seed), 0);
  b.writeBigInt64LE(BigInt(TID), 8);
  b.writeUInt32LE(total, 16);
  b.writeUInt16LE(type, 20);
  b.writeUInt32LE(lens.length, 22);
  let o = 26 + lens.length * lenSize;
  lens.forEach((len, i) => {
    if (lenSize === 2) b.writeUInt16LE(len, 26 + 2 * i);
    else b.writeUInt32LE(len, 26 + 4 * i);
    for (let j = 0; j < len; j++) b[o + j] = (seed * 31 + i * 7 + j * 13) & 0xff;
    o += len;
  });
  return b;
}

function eventAt(buf: Buffer, start: number): ScapEvent {
  const type = buf.readUInt16LE(start + 20);
  const ev = new ScapEvent(buf, start, type, buf.readUInt32LE(start + 22), start + 26, EVENT_TABLE[type]!.lenSize, 0, start);
  ev.layout();
  return ev;
}

/** What the event says: type and every parameter's bytes (or the error converting it). */
function describeResult(run: () => ScapEvent | null): string {
  try {
    const ev = run();
    if (ev === null) return 'null';
    const params = Array.from({ length: ev.nparams }, (_, i) => ev.bytes(i).toString('hex'));
    return `${ev.type} ${ev.tid} ${ev.ts} [${params.join(' ')}]`;
  } catch (err) {
    return `error ${(err as Error).message}`;
  }
}

/** Parameter lengths that exercise cutting (fit) and empty parameters. */
const lengths = (n: number, seed: number): number[] => Array.from({ length: n }, (_, i) => [0, 1, 4, 8, 12, 3][(seed + i) % 6]!);

describe('converter', () => {
  it('converts every table entry the same in place (reuseEvents) as through the general path', () => {
    let compared = 0;
    for (const key of CONVERSIONS.keys()) {
      const type = Math.floor(key / 64);
      const nparams = key % 64;
      if ((type & 1) === 0 || EVENT_TABLE[type - 1] === undefined) continue;
      const enterType = type - 1;
      const enterN = EVENT_TABLE[enterType]!.params.length;
      // The enter event with all its parameters, with fewer (FromEnter past its count), of another type
      // (a mismatch), or none; in the exit's buffer or in one of its own.
      const cases: Array<{ enter: Buffer | null; sameBuffer: boolean }> = [
        { enter: rawEvent(enterType, lengths(enterN, key), 1), sameBuffer: true },
        { enter: rawEvent(enterType, lengths(enterN, key + 1), 2), sameBuffer: false },
        { enter: rawEvent(enterType, lengths(Math.max(0, enterN - 1), key), 3), sameBuffer: true },
        { enter: rawEvent(enterType === 2 ? 4 : 2, lengths(EVENT_TABLE[enterType === 2 ? 4 : 2]!.params.length, key), 4), sameBuffer: true },
        { enter: null, sameBuffer: true },
      ];
      for (const c of cases) {
        const exit = rawEvent(type, lengths(nparams, key + 5), 9);
        const results = [false, true].map((reuse) => {
          const conv = new Converter(reuse);
          const buf = c.enter !== null && c.sameBuffer ? Buffer.concat([c.enter, exit]) : exit;
          if (c.enter !== null) {
            const enterBuf = c.sameBuffer ? buf : c.enter;
            const e = eventAt(enterBuf, 0);
            describeResult(() => conv.convert(e));
          }
          const x = eventAt(buf, buf.length - exit.length);
          const first = describeResult(() => conv.convert(x));
          // The slot as the conversion left it: a second exit sees whether the enter event was used up.
          const again = eventAt(buf, buf.length - exit.length);
          return `${first} | ${describeResult(() => conv.convert(again))} | ${conv.mismatchedEnters}`;
        });
        expect(results[1], `${EVENT_TABLE[type]!.name} (type ${type}) with ${nparams} parameters`).toBe(results[0]);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(500);
  });
});
