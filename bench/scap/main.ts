// npm run bench:scap — saker's .scap replay against sysdig 0.29 (see README "Replaying .scap captures").
//  1. saker: the corpus captures replayed back to back until ≥ 1,000,000 events (reader, state, fields);
//  2. sysdig: `sysdig -r F "evt.num=0"` per capture minus its start-up (the same on falco_empty.scap);
//  3. a generated capture of ≥ 1 GB (a sample's metadata, then its events repeated): saker's peak RSS and
//     rate, and sysdig reading the same file.
// Options (env): SCAP_BENCH_REPEAT (default 3), SCAP_BENCH_BIG_MB (default 1100), SCAP_BENCH_SKIP_BIG=1.

import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ScapReader } from '../../capture/scap/reader.js';
import { generateCapture } from './generate.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..', '..');
const corpus = resolve(process.env.SAKER_CORPUS ?? join(root, '..', 'shared', 'corpus'), 'scap');
const REPEAT = Number(process.env.SCAP_BENCH_REPEAT ?? 3);
const BIG_MB = Number(process.env.SCAP_BENCH_BIG_MB ?? 1100);

interface WorkerResult {
  events: number;
  seconds: number;
  maxRssMb: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function worker(minEvents: number, files: string[]): Promise<WorkerResult> {
  const child = spawn(process.execPath, [join(here, 'worker.js'), String(minEvents), ...files], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number>((res) => child.on('close', (c) => res(c ?? 1)));
  if (code !== 0) throw new Error(`bench worker exited with ${code}`);
  return JSON.parse(out) as WorkerResult;
}

async function timeSysdig(file: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  await run('sysdig', ['-r', file, 'evt.num=0'], { maxBuffer: 1 << 26 });
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function sysdigVersion(): Promise<string | null> {
  try {
    return (await run('sysdig', ['--version'])).stdout.trim();
  } catch {
    return null;
  }
}

async function eventBlocks(file: string): Promise<number> {
  const r = await ScapReader.readFile(file, () => undefined);
  return r.stats.eventBlocks;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

async function main(): Promise<void> {
  if (!existsSync(corpus)) throw new Error(`no captures at ${corpus} (set SAKER_CORPUS)`);
  const files = readdirSync(corpus)
    .filter((f) => f.endsWith('.scap'))
    .sort()
    .map((f) => join(corpus, f));
  console.log(`node ${process.version}; ${files.length} captures; medians of ${REPEAT} runs; machine shared, figures noisy\n`);

  // 1. saker, back to back.
  const sakerRuns: WorkerResult[] = [];
  for (let i = 0; i < REPEAT; i++) sakerRuns.push(await worker(1_000_000, files));
  const sakerRate = median(sakerRuns.map((r) => r.events / r.seconds));
  const sakerRss = Math.max(...sakerRuns.map((r) => r.maxRssMb));
  const sakerEvents = sakerRuns[0]!.events;

  // 2. sysdig per-event cost without start-up.
  const version = await sysdigVersion();
  let sysdigRate: number | undefined;
  if (version !== null) {
    const readable: Array<{ file: string; blocks: number }> = [];
    for (const f of files) {
      try {
        await timeSysdig(f);
        readable.push({ file: f, blocks: await eventBlocks(f) });
      } catch {
        // sysdig cannot read it (section-header options): not part of its figure.
      }
    }
    const empty = readable.find((r) => r.file.endsWith('falco_empty.scap'))!.file;
    let totalEvents = 0;
    let totalSeconds = 0;
    for (const r of readable) {
      if (r.file === empty) continue;
      const t: number[] = [];
      const s: number[] = [];
      for (let i = 0; i < REPEAT; i++) {
        s.push(await timeSysdig(empty));
        t.push(await timeSysdig(r.file));
      }
      totalEvents += r.blocks;
      totalSeconds += Math.max(0, median(t) - median(s));
    }
    sysdigRate = totalEvents / totalSeconds;
  }

  console.log('| measurement | events/s | peak RSS |');
  console.log('|---|---:|---:|');
  console.log(
    `| saker, ${files.length} captures back to back, ${fmt(sakerEvents)} events (reader + state + 9 fields per event) | ${fmt(sakerRate)} | ${sakerRss.toFixed(0)} MB |`,
  );
  if (sysdigRate !== undefined) console.log(`| ${version}, per event without start-up (\`-r F "evt.num=0"\`) | ${fmt(sysdigRate)} | — |`);

  // 3. the large capture.
  if (process.env.SCAP_BENCH_SKIP_BIG === '1') return;
  const dir = mkdtempSync(join(tmpdir(), 'saker-scap-bench-'));
  try {
    const big = join(dir, 'big.scap');
    const sample = join(corpus, 'falco_psp_run_as_user_0_container.scap');
    const gen = await generateCapture(sample, big, BIG_MB * 1024 * 1024);
    const size = statSync(big).size;
    const blocks = gen.rounds * gen.eventsPerRound;
    const s = await worker(1, [big]);
    console.log(
      `| saker, generated capture of ${(size / 2 ** 30).toFixed(2)} GiB (${fmt(blocks)} event blocks, ${fmt(s.events)} events delivered) | ${fmt(s.events / s.seconds)} (${fmt(blocks / s.seconds)} blocks/s) | ${s.maxRssMb.toFixed(0)} MB |`,
    );
    if (version !== null) {
      const t = await timeSysdig(big);
      console.log(`| ${version}, same generated capture (reads it: yes) | ${fmt(blocks / t)} blocks/s | — |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
