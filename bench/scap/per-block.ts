// The cost per event block of one corpus capture, without start-up and without the capture's metadata, for
// sysdig and for saker alike.
//
// A corpus capture holds a few hundred to a few thousand event blocks: sysdig reads them in about 0.1 ms,
// while its start-up (≈ 35 ms of CPU, ± 3.5 ms on the shared machine) also depends on the capture's process
// and fd lists — falco_empty.scap's cost more to read than most captures' whole runs. So "sysdig on the capture
// minus sysdig on falco_empty.scap" is noise and metadata, however often it is repeated. Instead each capture
// is written twice, gzip'ed like the corpus, into a temporary directory (bench/scap/generate.ts): its metadata
// and its event blocks once, and its metadata and its event blocks K times over (increasing timestamps), K such
// that the file holds ≥ `targetBlocks` blocks. Both files have the same start-up and the same metadata: the
// difference of the medians of their runs, interleaved, divided by the (K − 1) extra rounds' blocks, is the
// cost per block of that capture's events.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateCapture } from './generate.js';
import { median, timeSysdig } from './timing.js';

export interface Copies {
  source: string;
  once: string;
  /** A path for a third copy, of two rounds (deleted with the others). */
  twice: string;
  many: string;
  /** Rounds of event blocks in `many`. */
  k: number;
  /** Event blocks per round. */
  blocks: number;
}

export interface Cost {
  wall: number;
  cpu: number;
}

/** Calls `measure` with the copies of `file` (once, K times; and a path for two rounds), deleted afterwards. */
export async function withCopies<T>(file: string, dir: string, targetBlocks: number, measure: (c: Copies) => Promise<T>): Promise<T> {
  const once = join(dir, 'once.scap.gz');
  const many = join(dir, 'many.scap.gz');
  const twice = join(dir, 'twice.scap.gz');
  try {
    const { eventsPerRound: blocks } = await generateCapture(file, once, { rounds: 1 }, true);
    const k = Math.max(2, Math.ceil(targetBlocks / blocks));
    await generateCapture(file, many, { rounds: k }, true);
    return await measure({ source: file, once, twice, many, k, blocks });
  } finally {
    for (const f of [once, twice, many]) rmSync(f, { force: true });
  }
}

/** Seconds per event block from `pairs` interleaved runs of `time` on each copy (clamped at ≥ 0). */
export async function perBlock(c: Copies, pairs: number, time: (path: string, many: boolean) => Promise<Cost>): Promise<Cost> {
  const a: Cost[] = [];
  const b: Cost[] = [];
  for (let i = 0; i < pairs; i++) {
    a.push(await time(c.once, false));
    b.push(await time(c.many, true));
  }
  const extra = (c.k - 1) * c.blocks;
  const diff = (f: (t: Cost) => number): number => Math.max(0, median(b.map(f)) - median(a.map(f))) / extra;
  return { wall: diff((t) => t.wall), cpu: diff((t) => t.cpu) };
}

/** The `evt.num` of the last event sysdig prints (state-only events are read, not printed); null if none. */
async function lastPrinted(file: string): Promise<number | null> {
  const out = (await timeSysdig(file, 'evt.num>0', '%evt.num')).stdout.trim();
  return out === '' ? null : Number(out.slice(out.lastIndexOf('\n') + 1));
}

/**
 * sysdig's cost per block on the copies; null when it cannot read the capture (section-header options).
 * Each run prints the last printable event only — proof that sysdig read the whole file, at the cost of a
 * filter like the issue's `evt.num=0`. sysdig numbers fewer events than there are blocks in some captures (it
 * drops some old event types), hence the numbering step measured on the first two rounds.
 */
export async function sysdigPerBlock(c: Copies, pairs: number): Promise<Cost | null> {
  let last1: number | null;
  let step: number | null = null;
  try {
    last1 = await lastPrinted(c.once);
    if (last1 !== null) {
      await generateCapture(c.source, c.twice, { rounds: 2 }, true);
      step = (await lastPrinted(c.twice))! - last1;
    }
  } catch {
    return null;
  } finally {
    rmSync(c.twice, { force: true });
  }
  return perBlock(c, pairs, async (path, many) => {
    const last = last1 === null || step === null ? null : many ? last1 + (c.k - 1) * step : last1;
    const t = await timeSysdig(path, `evt.num=${last ?? 0}`, '%evt.num');
    if (t.stdout.trim() !== String(last ?? '')) throw new Error(`sysdig stopped before event ${last} of ${path}`);
    return t;
  });
}
