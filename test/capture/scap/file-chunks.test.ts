// A plain capture larger than the read-at-once limit is read into recycled buffers: the chunks hold the
// file's bytes in order, and the reader hands back only chunks nothing points into any more, so that the
// events it delivers (and the state behind them) are those of a read without recycling.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCapture } from '../../../bench/scap/generate.js';
import { FileChunks } from '../../../capture/files/file-chunks.js';
import { ScapReader, openCaptureStream } from '../../../capture/scap/reader.js';
import { chunks, extractor } from './replay.js';

const CORPUS = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'corpus', 'scap');
const SAMPLE = join(CORPUS, 'falco_psp_run_as_user_0_container.scap');
const dir = mkdtempSync(join(tmpdir(), 'saker-file-chunks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(SAMPLE))('plain captures read into recycled buffers', () => {
  it('yields the file in order, reusing the buffers handed back', async () => {
    const path = join(dir, 'bytes.bin');
    await generateCapture(SAMPLE, path, { bytes: 5 * 1024 * 1024 });
    const source = new FileChunks(path);
    const parts: Buffer[] = [];
    const seen = new Set<ArrayBufferLike>();
    for await (const chunk of source) {
      parts.push(Buffer.from(chunk)); // a copy: the chunk's buffer is filled again after recycle
      seen.add(chunk.buffer);
      source.recycle(chunk);
    }
    expect(Buffer.concat(parts).equals(readFileSync(path))).toBe(true);
    expect(parts.length).toBeGreaterThan(5);
    expect(seen.size).toBeLessThanOrEqual(3);
  });

  it('replays the same fields as a read of the whole file in one chunk', async () => {
    const path = join(dir, 'capture.scap');
    await generateCapture(SAMPLE, path, { bytes: 6 * 1024 * 1024 });
    const fields = ['evt.num', 'evt.type', 'evt.deltatime', 'evt.args', 'proc.cmdline', 'proc.pname', 'fd.name', 'thread.pfminor', 'container.id'];
    const ex = fields.map(extractor);
    const read = async (source: AsyncIterable<Buffer>): Promise<string[]> => {
      const rows: string[] = [];
      await new ScapReader({ reuseEvents: true }).run(source, (ev) => {
        rows.push(JSON.stringify(ex.map((e) => e(ev)), (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
      });
      return rows;
    };
    const stream = await openCaptureStream(path);
    expect(stream).toBeInstanceOf(FileChunks);
    const recycled = await read(stream);
    const whole = readFileSync(path);
    const once = await read(chunks(whole, whole.length));
    expect(recycled.length).toBeGreaterThan(10_000);
    expect(recycled).toEqual(once);
  });

  it('hands back no chunk the state still reads from, and none when events are not reused', async () => {
    // Every chunk handed back is scribbled over at once (as its buffer's next read would): whatever the
    // state decodes late from the metadata's bytes (threads' strings, fd tables) must come out as from a
    // read that recycles nothing.
    const path = join(dir, 'pinned.scap');
    await generateCapture(SAMPLE, path, { bytes: 2 * 1024 * 1024 });
    const snapshot = async (reuseEvents: boolean, scribble: boolean): Promise<{ state: string; back: number }> => {
      const whole = Buffer.from(readFileSync(path));
      let back = 0;
      const source = {
        [Symbol.asyncIterator]: () => chunks(whole, 64 * 1024),
        recycle: (c: Buffer): void => {
          back++;
          if (scribble) c.fill(0xaa);
        },
      };
      const reader = new ScapReader({ reuseEvents });
      await reader.run(source, () => undefined);
      const st = reader.state;
      const threads = [...st.threads.values()].map((t) => ({
        tid: t.tid,
        comm: t.comm,
        exe: t.exe,
        exepath: t.exepath,
        args: t.args,
        cwd: t.cwd,
        root: t.root,
        env: t.env,
        fds: [...st.fdTable(t).entries()].map(([fd, info]) => `${fd} ${info.type} ${info.name}`),
      }));
      return { state: JSON.stringify(threads), back };
    };
    const plain = await snapshot(true, false);
    const scribbled = await snapshot(true, true);
    expect(scribbled.back).toBeGreaterThan(20);
    expect(scribbled.state).toEqual(plain.state);
    expect((await snapshot(false, true)).back).toBe(0);
  });
});
