// .scap captures (sysdig / Falco `-w`, gzip'ed or not) for `saker replay`: recognised by the section
// header's magic, read as a stream by capture/scap/reader.ts. Events are stateful (each one is evaluated
// against the process, fd and container tables as they stand after it, as Falco does), so they are handed
// over one at a time: the next event is only parsed once the previous one has been evaluated.
// `-A` changes nothing here: Falco ignores it when reading a capture file too.

import { SCAP_MAGIC, ScapReader } from '../scap/reader.js';
import type { EventReader, ReadContext, SourcedBatch } from './reader.js';

async function* read(input: AsyncIterable<Uint8Array>, context: ReadContext): AsyncIterable<SourcedBatch> {
  if (context.source !== undefined && context.source !== 'syscall') {
    throw new Error(`${context.name}: a .scap capture holds syscall events, not ${context.source} events`);
  }
  const reader = new ScapReader();
  const events: unknown[] = [undefined];
  const batch: SourcedBatch = { source: 'syscall', events };
  try {
    for await (const ev of reader.events(input)) {
      events[0] = ev;
      yield batch;
    }
  } catch (err) {
    throw new Error(`${context.name}: ${err instanceof Error ? err.message : String(err)} (after ${reader.stats.events} events)`);
  } finally {
    const skipped = reader.stats.unknownEvents;
    if (skipped > 0) {
      context.problem({
        where: context.name,
        reason: `${skipped} event(s) of types this version does not know (a newer producer) were skipped`,
      });
    }
  }
}

export const scapReader: EventReader = {
  format: 'scap',
  sources: ['syscall'],
  detect: (head) => head.length >= 4 && SCAP_MAGIC.equals(head.subarray(0, 4)),
  read,
};
