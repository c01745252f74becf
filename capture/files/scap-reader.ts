// .scap captures (sysdig / Falco `-w`, gzip'ed or not) for `saker replay`: recognised by the section
// header's magic, read as a stream by capture/scap/reader.ts. Events are stateful (each one is evaluated
// against the process, fd and container tables as they stand after it, as Falco does), so they are handed
// over one at a time: the next event is only parsed once the previous one has been evaluated (readEach,
// which replay uses; read, the generic path, yields one-event batches).
// `-A` changes nothing here: Falco ignores it when reading a capture file too.

import { SCAP_MAGIC, ScapReader } from '../scap/reader.js';
import type { EachEvent, EventReader, ReadContext, SourcedBatch } from './reader.js';

function checkSource(context: ReadContext): void {
  if (context.source !== undefined && context.source !== 'syscall') {
    throw new Error(`${context.name}: a .scap capture holds syscall events, not ${context.source} events`);
  }
}

/** A capture that cannot be read to its end: where it stopped (the reader's message names the byte). */
function stopped(context: ReadContext, reader: ScapReader, err: unknown): Error {
  return new Error(`${context.name}: ${err instanceof Error ? err.message : String(err)} (after ${reader.stats.events} events)`);
}

function reportSkipped(context: ReadContext, reader: ScapReader): void {
  const skipped = reader.stats.unknownEvents;
  if (skipped > 0) {
    context.problem({
      where: context.name,
      reason: `${skipped} event(s) of types this version does not know (a newer producer) were skipped`,
    });
  }
}

async function* read(input: AsyncIterable<Uint8Array>, context: ReadContext): AsyncIterable<SourcedBatch> {
  checkSource(context);
  const reader = new ScapReader({ reuseEvents: true });
  const events: unknown[] = [undefined];
  const batch: SourcedBatch = { source: 'syscall', events };
  try {
    for await (const ev of reader.events(input)) {
      events[0] = ev;
      yield batch;
    }
  } catch (err) {
    throw stopped(context, reader, err);
  } finally {
    reportSkipped(context, reader);
  }
}

async function readEach(input: AsyncIterable<Uint8Array>, context: ReadContext, each: EachEvent): Promise<void> {
  checkSource(context);
  const wants = context.wants;
  const reader = new ScapReader({
    reuseEvents: true,
    ...(wants !== undefined ? { wants: (type: string) => wants('syscall', type) } : {}),
  });
  try {
    await reader.run(input, (ev) => each('syscall', ev));
  } catch (err) {
    throw stopped(context, reader, err);
  } finally {
    if (reader.stats.skippedEvents > 0) context.skipped?.('syscall', reader.stats.skippedEvents);
    reportSkipped(context, reader);
  }
}

export const scapReader: EventReader = {
  format: 'scap',
  sources: ['syscall'],
  detect: (head) => head.length >= 4 && SCAP_MAGIC.equals(head.subarray(0, 4)),
  read,
  readEach,
};
