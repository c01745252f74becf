// Writes a large capture for the memory benchmark: the metadata of a sample capture (section header to the
// last fd list), then its event blocks again and again with increasing timestamps, until `until.bytes` are
// written or `until.rounds` rounds; gzip'ed with `gzip` (as the corpus captures are).

import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGunzip, createGzip } from 'node:zlib';

async function readAll(path: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let stream: NodeJS.ReadableStream = createReadStream(path);
  const head = await new Promise<Buffer>((res, rej) => {
    const s = createReadStream(path, { start: 0, end: 1 });
    s.once('data', (d) => res(d as Buffer));
    s.once('error', rej);
  });
  if (head[0] === 0x1f && head[1] === 0x8b) stream = stream.pipe(createGunzip());
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

const EVENT_BLOCKS = new Set([0x204, 0x208, 0x216, 0x217, 0x221, 0x222, 0x8010abcd]);

export async function generateCapture(
  sample: string,
  out: string,
  until: { bytes: number } | { rounds: number },
  gzip = false,
): Promise<{ bytes: number; rounds: number; eventsPerRound: number }> {
  const buf = await readAll(sample);
  let firstEvent = -1;
  const events: Array<{ start: number; end: number; tsOff: number }> = [];
  let minTs = -1n;
  let maxTs = 0n;
  for (let p = 0; p + 8 <= buf.length; ) {
    const type = buf.readUInt32LE(p);
    const len = buf.readUInt32LE(p + 4);
    if (EVENT_BLOCKS.has(type)) {
      if (firstEvent < 0) firstEvent = p;
      const flags = type === 0x208 || type === 0x217 || type === 0x222 ? 4 : 0;
      const tsOff = p + 8 + 2 + flags;
      const ts = buf.readBigUInt64LE(tsOff);
      // Some captures hold events stamped 0: they would make the span (hence the shift) overflow.
      if (ts > 0n && (minTs < 0n || ts < minTs)) minTs = ts;
      if (ts > maxTs) maxTs = ts;
      events.push({ start: p, end: p + len, tsOff });
    }
    p += len;
  }
  if (firstEvent < 0) throw new Error(`${sample} has no events`);
  const span = maxTs - minTs + 1_000_000n;
  const file = createWriteStream(out);
  const ws = gzip ? createGzip() : file;
  if (gzip) ws.pipe(file);
  let written = 0;
  const write = async (b: Buffer): Promise<void> => {
    written += b.length;
    if (!ws.write(b)) await once(ws, 'drain');
  };
  await write(buf.subarray(0, firstEvent));
  const round = Buffer.from(buf.subarray(firstEvent));
  let rounds = 0;
  while ('bytes' in until ? written < until.bytes : rounds < until.rounds) {
    const shift = span * BigInt(rounds);
    for (const e of events) {
      const o = e.tsOff - firstEvent;
      round.writeBigUInt64LE(buf.readBigUInt64LE(e.tsOff) + shift, o);
    }
    await write(Buffer.from(round));
    rounds++;
  }
  ws.end();
  await once(file, 'finish');
  return { bytes: written, rounds, eventsPerRound: events.length };
}
