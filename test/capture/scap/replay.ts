// Test helper: reads a capture from memory (optionally in small chunks, to cross block boundaries) and
// snapshots fields of every event while its state is current.

import { SYSCALL_EXTRACTORS } from '../../../capture/scap/fields/index.js';
import { ScapReader } from '../../../capture/scap/reader.js';
import type { ScapEvent } from '../../../capture/scap/event.js';

export type Row = Record<string, unknown>;

/** Fields whose argument follows a dot (`evt.arg.flags`) rather than brackets. */
const DOTTED = ['evt.arg', 'evt.rawarg', 'evt.type.is', 'thread.cgroup'];

export function extractor(field: string): (ev: ScapEvent) => unknown {
  let name = field;
  let arg: string | undefined;
  const m = /^([^[]*)\[(.*)\]$/.exec(field);
  if (m) {
    name = m[1]!;
    arg = m[2];
  } else {
    for (const d of DOTTED) {
      if (field.startsWith(d + '.')) {
        name = d;
        arg = field.slice(d.length + 1);
      }
    }
  }
  const factory = SYSCALL_EXTRACTORS[name];
  if (factory === undefined) throw new Error(`no extractor for ${field}`);
  return factory(arg);
}

export async function* chunks(buf: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let o = 0; o < buf.length; o += size) yield buf.subarray(o, Math.min(buf.length, o + size));
}

/** Replays `buf` and returns one row per event with the requested fields (plus evt.type and evt.dir). */
export async function replay(buf: Buffer, fields: string[], chunkSize = buf.length): Promise<Row[]> {
  const all = ['evt.num', 'evt.type', 'evt.dir', ...fields];
  const ex = all.map((f) => [f, extractor(f)] as const);
  const rows: Row[] = [];
  const reader = new ScapReader();
  await reader.run(chunks(buf, Math.max(1, chunkSize)), (ev) => {
    const row: Row = {};
    for (const [f, fn] of ex) row[f] = fn(ev);
    rows.push(row);
  });
  return rows;
}

/** The rows of one event type and direction. */
export function rowsOf(rows: Row[], type: string, dir: '<' | '>' = '<'): Row[] {
  return rows.filter((r) => r['evt.type'] === type && r['evt.dir'] === dir);
}
