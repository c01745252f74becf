// The streaming reader: framing, headers, versions, errors, and the corpus captures' event totals.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ScapEvent } from '../../../capture/scap/event.js';
import { scapReader } from '../../../capture/files/scap-reader.js';
import { ScapError, ScapReader, openCaptureStream } from '../../../capture/scap/reader.js';
import { eventTypeName } from '../../../capture/scap/fields/index.js';
import { PPME } from '../../../capture/scap/tables/events.js';
import { chunks, extractor, replay } from './replay.js';
import { capture, event, eventV1, rawBlock, sectionHeader } from './writer.js';

const CORPUS = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'corpus', 'scap');
const haveCorpus = existsSync(CORPUS);
const T0 = 1_700_000_000_000_000_000n;

async function readAll(buf: Buffer, chunk = buf.length): Promise<{ events: ScapEvent[]; reader: ScapReader }> {
  const reader = new ScapReader();
  const events: ScapEvent[] = [];
  await reader.run(chunks(buf, chunk), (ev) => {
    events.push(ev);
  });
  return { events, reader };
}

const SIMPLE_EVENTS = [
  event(PPME.SYSCALL_GETCWD_X, T0, 10, [0, '/']),
  event(PPME.SYSCALL_GETCWD_X, T0 + 1n, 10, [0, '/tmp']),
  event(PPME.SYSCALL_GETCWD_X, T0 + 2n, 10, [0, '/var']),
];
const SIMPLE = capture({ procs: [{ tid: 10, ptid: 1, comm: 'app' }], events: SIMPLE_EVENTS });
/** File offset of the i-th event block of SIMPLE. */
const eventOffset = (i: number): number =>
  SIMPLE.length - SIMPLE_EVENTS.slice(i).reduce((n, b) => n + b.length, 0);

describe('framing', () => {
  it('reads the same events whatever the chunk size, gzip or plain', async () => {
    const whole = await readAll(SIMPLE);
    for (const size of [1, 3, 7, 64]) {
      const split = await readAll(SIMPLE, size);
      expect(split.events.map((e) => e.ts)).toEqual(whole.events.map((e) => e.ts));
    }
    expect(whole.events.map((e) => e.num)).toEqual([1, 2, 3]);
    expect(scapReader.detect(SIMPLE)).toBe(true);
    expect(scapReader.detect(gzipSync(SIMPLE))).toBe(false); // replay inflates before it detects
  });

  it('reads v1 event headers by inferring the parameter count', async () => {
    const buf = capture({
      procs: [{ tid: 10, ptid: 1, comm: 'app' }],
      events: [eventV1(PPME.SYSCALL_CHDIR_X, T0, 10, [0, '/srv']), event(PPME.SYSCALL_GETCWD_X, T0 + 1n, 10, [0, '/x'])],
    });
    const rows = await replay(buf, ['evt.arg.path', 'proc.cwd']);
    expect(rows[0]).toMatchObject({ 'evt.type': 'chdir', 'evt.arg.path': '/srv', 'proc.cwd': '/srv/' });
  });

  it('reads 32-bit parameter lengths of large-payload events', async () => {
    const json = JSON.stringify({ container: { id: 'abcdef012345', name: 'big', labels: { pad: 'x'.repeat(70000) } } });
    const buf = capture({ events: [largeEvent(json)] });
    const { events, reader } = await readAll(buf);
    expect(events).toHaveLength(1);
    expect(reader.state.containers.get('abcdef012345')?.name).toBe('big');
  });

  it('skips and counts unknown event types, and skips section-header options', async () => {
    const unknown = event(PPME.SYSCALL_GETCWD_X, T0, 10, [0, '/']);
    unknown.writeUInt16LE(999, 8 + 2 + 20); // type field of the event header
    const options = Buffer.from([1, 0, 4, 0, 0x61, 0x62, 0x63, 0x64, 0, 0, 0, 0]);
    const buf = Buffer.concat([
      sectionHeader(options),
      capture({ procs: [{ tid: 10, ptid: 1, comm: 'app' }], events: [unknown, event(PPME.SYSCALL_GETCWD_X, T0, 10, [0, '/'])] }).subarray(
        sectionHeader().length,
      ),
    ]);
    const { events, reader } = await readAll(buf);
    expect(events).toHaveLength(1);
    expect(reader.stats.unknownEvents).toBe(1);
  });

  it('starts over with new metadata when a second section follows', async () => {
    const a = capture({ procs: [{ tid: 10, ptid: 1, comm: 'first' }], events: [event(PPME.SYSCALL_GETCWD_X, T0, 10, [0, '/'])] });
    const b = capture({ procs: [{ tid: 10, ptid: 1, comm: 'second' }], events: [event(PPME.SYSCALL_GETCWD_X, T0, 10, [0, '/'])] });
    // Two gzip members back to back: one file, two sections.
    const rows = await replay(Buffer.concat([a, b]), ['proc.name']);
    expect(rows.map((r) => r['proc.name'])).toEqual(['first', 'second']);
  });
});

function largeEvent(json: string): Buffer {
  // CONTAINER_JSON_2_E is EF_LARGE_PAYLOAD: 4-byte parameter lengths, in an EV_V2_LARGE block.
  const payload = Buffer.from(json + '\0');
  const head = Buffer.alloc(26 + 4);
  head.writeBigUInt64LE(T0, 0);
  head.writeBigInt64LE(-1n, 8);
  head.writeUInt32LE(head.length + payload.length, 16);
  head.writeUInt16LE(PPME.CONTAINER_JSON_2_E, 20);
  head.writeUInt32LE(1, 22);
  head.writeUInt32LE(payload.length, 26);
  return rawBlock(0x221, Buffer.concat([Buffer.alloc(2), head, payload]));
}

describe('bad input', () => {
  it('delivers the events before a truncation, then fails naming the byte offset', async () => {
    const cut = SIMPLE.subarray(0, SIMPLE.length - 10);
    const seen: bigint[] = [];
    const reader = new ScapReader();
    const err = await reader.run(chunks(cut, 5), (ev) => void seen.push(ev.ts)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScapError);
    expect(seen).toEqual([T0, T0 + 1n]);
    expect((err as ScapError).offset).toBe(eventOffset(2));
    expect((err as ScapError).message).toMatch(/^byte \d+: truncated block/);
  });

  it('fails on a truncated gzip stream after delivering what it decompressed', async () => {
    const gz = gzipSync(SIMPLE);
    const path = join(import.meta.dirname, '.tmp-truncated.scap.gz');
    const { writeFileSync, rmSync } = await import('node:fs');
    writeFileSync(path, gz.subarray(0, gz.length - 12));
    try {
      const seen: number[] = [];
      const err = await ScapReader.readFile(path, (ev) => void seen.push(ev.num)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ScapError);
      expect((err as Error).message).toMatch(/byte \d+: (input error|truncated)/);
      expect(seen.length).toBeGreaterThanOrEqual(2);
    } finally {
      rmSync(path, { force: true });
    }
  });

  it('rejects what is not a little-endian scap capture', async () => {
    await expect(readAll(Buffer.from('hello world, not a capture'))).rejects.toThrow(/not a scap capture/);
    const swapped = Buffer.from(SIMPLE);
    swapped.writeUInt32BE(0x1a2b3c4d, 8);
    await expect(readAll(swapped)).rejects.toThrow(/byte 8: section header: invalid byte-order magic/);
  });

  it('rejects a corrupt block length and an event that overruns its block', async () => {
    const bad = Buffer.from(SIMPLE);
    bad.writeUInt32LE(7, eventOffset(1) + 4);
    const seen: number[] = [];
    const reader = new ScapReader();
    const err1 = (await reader.run(chunks(bad, bad.length), (e) => void seen.push(e.num)).catch((e: unknown) => e)) as ScapError;
    expect(err1.message).toBe(`byte ${eventOffset(1)}: corrupt block header (type 0x216, length 7)`);
    expect(seen).toEqual([1]);
    const over = Buffer.from(SIMPLE);
    const ev = eventOffset(2);
    over.writeUInt32LE(5000, ev + 8 + 2 + 16);
    const err = (await readAll(over).catch((e: unknown) => e)) as ScapError;
    expect(err.offset).toBe(ev);
    expect(err.message).toMatch(/getcwd event length 5000 overruns its block/);
  });

  it('checks the events it skips for `wants` as it checks the others', async () => {
    const events = [
      event(PPME.SYSCALL_GETCWD_X, T0, 10, [0, '/']),
      event(PPME.PROCINFO_E, T0 + 1n, 10, [1n, 2n]),
      event(PPME.SYSCALL_GETCWD_X, T0 + 2n, 10, [0, '/tmp']),
    ];
    const buf = capture({ procs: [{ tid: 10, ptid: 1, comm: 'app' }], events });
    const at = buf.length - events[1]!.length - events[2]!.length;
    buf.writeUInt16LE(60000, at + 8 + 2 + 26); // the first parameter's length now overruns the event
    const seen: number[] = [];
    const reader = new ScapReader({ wants: (type) => type !== 'procinfo' });
    const err = (await reader.run(chunks(buf, buf.length), (e) => void seen.push(e.num)).catch((e: unknown) => e)) as ScapError;
    expect(err).toBeInstanceOf(ScapError);
    expect(err.offset).toBe(at);
    expect(err.message).toMatch(/procinfo event parameters overrun the event/);
    expect(seen).toEqual([1]);
  });

  it("tells a damaged event header from a newer producer's event type, which alone is skipped", async () => {
    const withType = (type: number, edit: (b: Buffer) => void = () => undefined): Buffer => {
      const b = event(PPME.SYSCALL_GETCWD_X, T0, 10, [0, '/']);
      b.writeUInt16LE(type, 8 + 2 + 20);
      edit(b);
      return capture({ procs: [{ tid: 10, ptid: 1, comm: 'app' }], events: [event(PPME.SYSCALL_GETCWD_X, T0, 10, [0, '/x']), b, event(PPME.SYSCALL_GETCWD_X, T0, 10, [0, '/y'])] });
    };
    const failure = async (buf: Buffer): Promise<{ seen: number; err: ScapError }> => {
      const reader = new ScapReader();
      let seen = 0;
      const err = (await reader.run(chunks(buf, buf.length), () => void seen++).catch((e: unknown) => e)) as ScapError;
      return { seen, err };
    };
    // Well-formed, of a type a few past the table: skipped and counted, the capture goes on.
    const newer = await readAll(withType(500));
    expect(newer.events).toHaveLength(2);
    expect(newer.reader.stats.unknownEvents).toBe(1);
    const large = largeEvent('{"container":{}}'); // 4-byte parameter lengths
    large.writeUInt16LE(500, 8 + 2 + 20);
    const newerLarge = await readAll(capture({ events: [large, event(PPME.SYSCALL_GETCWD_X, T0, 10, [0, '/'])] }));
    expect([newerLarge.events.length, newerLarge.reader.stats.unknownEvents]).toEqual([1, 1]);

    const farPast = await failure(withType(0xffff));
    expect(farPast.seen).toBe(1);
    expect(farPast.err).toBeInstanceOf(ScapError);
    expect(farPast.err.message).toMatch(/^byte \d+: corrupt event block: event type 65535 is far past the \d+ types saker knows/);

    const badLengths = await failure(withType(500, (b) => b.writeUInt16LE(9, 8 + 2 + 26 + 2)));
    expect(badLengths.err.message).toMatch(/corrupt event block: event of unknown type 500: its 2 parameter lengths do not add up to its length \d+$/);
    const overrun = await failure(withType(500, (b) => b.writeUInt32LE(0xffff0000, 8 + 2 + 16)));
    expect(overrun.err.message).toMatch(/corrupt event block: event of unknown type 500: its length 4294901760 does not fit its block$/);

    const v1 = eventV1(PPME.SYSCALL_CHDIR_X, T0, 10, [0, '/srv']);
    v1.writeUInt16LE(500, 8 + 2 + 20);
    const oldBlock = await failure(capture({ procs: [{ tid: 10, ptid: 1, comm: 'app' }], events: [v1] }));
    expect(oldBlock.err.message).toMatch(/event type 500 is unknown, and an old \(v1\) event block cannot hold a newer producer's event/);
  });

  it('rejects a capture without events', async () => {
    await expect(readAll(capture({ events: [] }))).rejects.toThrow(/no events in file/);
  });
});

/** Events sinsp returns per capture after the converter (FORMAT.md §20.1). */
const EXPECTED: Record<string, { blocks: number; events: number }> = {
  falco_cat_write: { blocks: 345, events: 307 },
  falco_connect_localhost: { blocks: 374, events: 371 },
  falco_empty: { blocks: 143, events: 143 },
  'falco_open-multiple-files': { blocks: 1272, events: 1243 },
  falco_ping_sendto: { blocks: 1526, events: 1516 },
  falco_psp_privileged: { blocks: 2059, events: 2059 },
  falco_psp_run_as_user_0_container: { blocks: 4143, events: 2795 },
  falco_psp_run_as_user_65534_container: { blocks: 241, events: 241 },
  falco_psp_write_tmp_test: { blocks: 229, events: 229 },
  falco_syscall: { blocks: 368, events: 366 },
  libs_curl_google: { blocks: 1536, events: 991 },
  libs_curl_google_comments: { blocks: 1536, events: 991 },
  libs_sample: { blocks: 572, events: 485 },
  libs_single_ipv6_conn: { blocks: 1728, events: 1717 },
  libs_test_ipv6_client: { blocks: 326, events: 297 },
};

describe.skipIf(!haveCorpus)(haveCorpus ? 'corpus captures' : 'corpus captures (skipped: ../shared/corpus/scap is absent)', () => {
  for (const [name, want] of Object.entries(EXPECTED)) {
    it(`${name}: ${want.blocks} event blocks, ${want.events} events after the converter`, async () => {
      const file = join(CORPUS, `${name}.scap`);
      const reader = await ScapReader.readFile(file, () => undefined);
      expect(reader.stats.eventBlocks).toBe(want.blocks);
      expect(reader.stats.events).toBe(want.events);
    });
  }

  it('reuseEvents (one event object, converted events in scratch buffers) changes no field of any event', async () => {
    const fields = ['evt.num', 'evt.type', 'evt.args', 'proc.cmdline', 'proc.pname', 'proc.env', 'fd.name', 'container.id', 'user.name'];
    const ex = fields.map(extractor);
    for (const name of ['falco_psp_run_as_user_0_container', 'libs_curl_google', 'libs_sample']) {
      const rows: string[][] = [[], []];
      for (const [i, reuseEvents] of [false, true].entries()) {
        const reader = new ScapReader({ reuseEvents });
        await reader.run(await openCaptureStream(join(CORPUS, `${name}.scap`)), (ev) => {
          rows[i]!.push(JSON.stringify(ex.map((e) => e(ev))));
        });
      }
      expect(rows[1]).toEqual(rows[0]);
    }
  });

  it('with `wants`, skips the unwanted events (procinfo after its header, open after the state took it in), changing no field of the others', async () => {
    const fields = ['evt.num', 'evt.type', 'evt.deltatime', 'evt.args', 'proc.cmdline', 'proc.pname', 'fd.name', 'thread.pfminor'];
    const ex = fields.map(extractor);
    const big = (_: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : v);
    for (const name of ['falco_psp_run_as_user_0_container', 'libs_sample', 'falco_cat_write']) {
      const all: string[] = [];
      const full = new ScapReader({ reuseEvents: true });
      await full.run(await openCaptureStream(join(CORPUS, `${name}.scap`)), (ev) => {
        if (ev.type !== PPME.PROCINFO_E && eventTypeName(ev) !== 'open') all.push(JSON.stringify(ex.map((e) => e(ev)), big));
      });
      const some: string[] = [];
      const skipping = new ScapReader({ reuseEvents: true, wants: (type) => type !== 'procinfo' && type !== 'open' });
      await skipping.run(await openCaptureStream(join(CORPUS, `${name}.scap`)), (ev) => {
        some.push(JSON.stringify(ex.map((e) => e(ev)), big));
      });
      expect(skipping.stats.skippedEvents).toBeGreaterThan(0);
      expect(skipping.stats.skippedEvents).toBe(full.stats.events - all.length);
      expect(skipping.stats.events).toBe(full.stats.events);
      // open events change the state (the fds the events after them use): not handed over, but taken in.
      expect(some).toEqual(all);
    }
  });

  it('reads the same fields in small chunks, where stored enter events must be copied before the chunk changes', async () => {
    // In one chunk, combined exit events read their enter event's parameters where they lie; across chunks
    // the stored enter events are copied when the reader moves on, and process/fd lists are decoded late.
    const fields = ['evt.num', 'evt.args', 'proc.cmdline', 'proc.cwd', 'proc.exepath', 'proc.aname[2]', 'fd.name', 'fd.sip', 'container.id'];
    const ex = fields.map(extractor);
    for (const name of ['falco_psp_run_as_user_0_container', 'falco_connect_localhost', 'libs_sample']) {
      const parts: Buffer[] = [];
      for await (const c of await openCaptureStream(join(CORPUS, `${name}.scap`))) parts.push(c);
      const bytes = Buffer.concat(parts);
      const rows: string[][] = [];
      for (const size of [bytes.length, 4099, 333]) {
        const out: string[] = [];
        await new ScapReader({ reuseEvents: true }).run(chunks(bytes, size), (ev) => {
          out.push(JSON.stringify(ex.map((e) => e(ev))));
        });
        rows.push(out);
      }
      expect(rows[0]!.length).toBeGreaterThan(100);
      expect(rows[1]).toEqual(rows[0]);
      expect(rows[2]).toEqual(rows[0]);
    }
  });

  it('reads the plain capture the same in one chunk and in small ones', async () => {
    const buf = readFileSync(join(CORPUS, 'libs_sample.scap'));
    const a = await readAll(buf);
    for (const size of [1000, 4099, 65537]) {
      const b = await readAll(buf, size);
      expect(b.events.length).toBe(a.events.length);
      expect(b.events.map((e) => e.type)).toEqual(a.events.map((e) => e.type));
    }
  });
});
