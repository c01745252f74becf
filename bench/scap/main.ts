// npm run bench:scap — saker's .scap replay against sysdig 0.29 (figures in the README, Benchmarks: ".scap replay").
//  1. saker: the corpus captures replayed back to back until ≥ 1,000,000 events, through every rule of the
//     current falco_rules.yaml (and, for comparison, through reader + state + field extraction alone);
//  2. sysdig and saker: their cost per event block of each capture, without start-up or metadata
//     (bench/scap/per-block.ts), for the same rounds of the captures;
//  3. a generated capture of ≥ 1 GB (a sample's metadata, then its events repeated with increasing
//     timestamps) in a temporary directory, deleted after: saker's peak RSS and rate through all rules, and
//     sysdig reading the same file to its end.
// Wall-clock figures depend on the machine's load (it is shared); CPU seconds (user + system) are given too.
// Options (env): SCAP_BENCH_REPEAT (default 3), SCAP_BENCH_BIG_MB (default 1100), SCAP_BENCH_SKIP_BIG=1,
// SCAP_BENCH_COPY_BLOCKS (default 1,000,000: the blocks of each capture's repeated copy in step 2),
// SAKER_CORPUS (default ../shared/corpus).

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScapReader } from '../../capture/scap/reader.js';
import { generateCapture } from './generate.js';
import { perBlock, sysdigPerBlock, withCopies } from './per-block.js';
import { median, run, timeCommand, timeSysdig } from './timing.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..', '..');
const corpusRoot = resolve(process.env.SAKER_CORPUS ?? join(root, '..', 'shared', 'corpus'));
const corpus = join(corpusRoot, 'scap');
const RULES = join(corpusRoot, 'rules', 'upstream', 'falco_rules.yaml');
const REPEAT = Math.max(1, Number(process.env.SCAP_BENCH_REPEAT ?? 3));
const BIG_MB = Number(process.env.SCAP_BENCH_BIG_MB ?? 1100);
const COPY_BLOCKS = Number(process.env.SCAP_BENCH_COPY_BLOCKS ?? 1_000_000);

interface WorkerResult {
  events: number;
  blocks: number;
  alerts: number;
  seconds: number;
  cpuSeconds: number;
  maxRssMb: number;
}

async function worker(minEvents: number, rules: string, files: string[]): Promise<WorkerResult> {
  const child = spawn(process.execPath, [join(here, 'worker.js'), String(minEvents), rules, ...files], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number>((res) => child.on('close', (c) => res(c ?? 1)));
  if (code !== 0) throw new Error(`bench worker exited with ${code}`);
  return JSON.parse(out) as WorkerResult;
}

async function median3(minEvents: number, rules: string, files: string[]): Promise<WorkerResult> {
  const runs: WorkerResult[] = [];
  for (let i = 0; i < REPEAT; i++) runs.push(await worker(minEvents, rules, files));
  return {
    events: runs[0]!.events,
    blocks: runs[0]!.blocks,
    alerts: runs[0]!.alerts,
    seconds: median(runs.map((r) => r.seconds)),
    cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
    maxRssMb: Math.max(...runs.map((r) => r.maxRssMb)),
  };
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
  if (!existsSync(RULES)) throw new Error(`no rules at ${RULES}`);
  const files = readdirSync(corpus)
    .filter((f) => f.endsWith('.scap'))
    .sort()
    .map((f) => join(corpus, f));
  const version = await sysdigVersion();
  console.log(
    `node ${process.version}; ${version ?? 'sysdig not installed'}; ${files.length} captures; medians of ${REPEAT} runs; ` +
      `load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}\n`,
  );
  const rows: string[] = [];
  const row = (what: string, events: number, blocks: number, r: { wall: number; cpu: number; rssMb?: number }): void => {
    rows.push(
      `| ${what} | ${fmt(events)} | ${fmt(blocks)} | ${r.wall.toFixed(2)} s | ${fmt(blocks / r.wall)} | ${r.cpu.toFixed(2)} s | ${fmt(blocks / r.cpu)} | ${r.rssMb === undefined ? '—' : `${r.rssMb.toFixed(0)} MB`} |`,
    );
  };

  // 1. saker, back to back.
  const withRules = await median3(1_000_000, RULES, files);
  row(
    `saker, ${files.length} captures back to back, all rules of falco_rules.yaml (${fmt(withRules.alerts)} alerts)`,
    withRules.events,
    withRules.blocks,
    { wall: withRules.seconds, cpu: withRules.cpuSeconds, rssMb: withRules.maxRssMb },
  );
  const noRules = await median3(1_000_000, '-', files);
  row(`saker, same, reader + state + 8 fields per event, no rules`, noRules.events, noRules.blocks, {
    wall: noRules.seconds,
    cpu: noRules.cpuSeconds,
    rssMb: noRules.maxRssMb,
  });

  // 2. the cost per event block of each capture without start-up or metadata (bench/scap/per-block.ts), for
  //    sysdig and saker, weighted as the saker run replays the captures: the time each would take for the
  //    same rounds of the captures sysdig reads.
  if (version !== null) {
    const perRound = (await Promise.all(files.map(eventBlocks))).reduce((a, b) => a + b, 0);
    const rounds = withRules.blocks / perRound;
    const dir = mkdtempSync(join(tmpdir(), 'saker-scap-bench-'));
    const sum = { readable: 0, blocks: 0, sysdig: { wall: 0, cpu: 0 }, saker: { wall: 0, cpu: 0 } };
    try {
      for (const f of files) {
        await withCopies(f, dir, COPY_BLOCKS, async (c) => {
          const sysdig = await sysdigPerBlock(c, Math.max(7, REPEAT));
          if (sysdig === null) return; // sysdig cannot read it (section-header options): not part of the figure
          const saker = await perBlock(c, REPEAT, async (path) => {
            const r = await worker(1, RULES, [path]);
            return { wall: r.seconds, cpu: r.cpuSeconds };
          });
          const n = rounds * c.blocks;
          sum.readable++;
          sum.blocks += n;
          for (const [total, cost] of [[sum.sysdig, sysdig], [sum.saker, saker]] as const) {
            total.wall += n * cost.wall;
            total.cpu += n * cost.cpu;
          }
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const what = `the same rounds of the ${sum.readable} captures sysdig reads, per event block without start-up or metadata`;
    row(`${version}, ${what} (\`evt.num=N\`)`, NaN, sum.blocks, sum.sysdig);
    row(`saker, ${what} (all rules)`, NaN, sum.blocks, sum.saker);
  }

  // 3. the large capture.
  if (process.env.SCAP_BENCH_SKIP_BIG !== '1') {
    const dir = mkdtempSync(join(tmpdir(), 'saker-scap-bench-'));
    try {
      const big = join(dir, 'big.scap');
      const sample = join(corpus, 'falco_psp_run_as_user_0_container.scap');
      const gen = await generateCapture(sample, big, { bytes: BIG_MB * 1024 * 1024 });
      const size = statSync(big).size;
      const s = await worker(1, RULES, [big]);
      row(`saker, generated capture of ${(size / 2 ** 30).toFixed(2)} GiB, all rules (${fmt(s.alerts)} alerts)`, s.events, s.blocks, {
        wall: s.seconds,
        cpu: s.cpuSeconds,
        rssMb: s.maxRssMb,
      });
      // The same through the command line (`saker replay`, stats on stderr): what a user runs.
      const cli = await timeCommand(process.execPath, [join(root, 'dist', 'src', 'cli.js'), 'replay', '-r', RULES, big]);
      row(`\`saker replay -r falco_rules.yaml\` on the same capture (the whole CLI)`, s.events, s.blocks, cli);
      if (version !== null) {
        // sysdig reads it to the end: print the numbers of its last events only.
        const perRound = Number((await timeSysdig(sample, 'evt.num>0', '%evt.num')).stdout.trim().split('\n').pop());
        const last = perRound * gen.rounds;
        const t = await timeSysdig(big, `evt.num>${last - 100}`, '%evt.num');
        const seen = Number(t.stdout.trim().split('\n').pop() ?? 0);
        row(`${version}, same generated capture, \`evt.num>${last - 100}\` (its last event: #${fmt(seen)} of ${fmt(last)} expected)`, NaN, gen.rounds * gen.eventsPerRound, t);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  console.log('| measurement | events delivered | event blocks | wall | blocks/s (wall) | CPU | blocks/s (CPU) | peak RSS |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(r.replace('| NaN |', '| — |'));
  console.log(
    '\nevents delivered: what rules see (libscap folds enter events into exits); event blocks: events read from the file, what sysdig counts.',
  );
}

await main();
