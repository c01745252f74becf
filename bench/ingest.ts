// `npm run bench:ingest`: POST / throughput of the built saker (a child process, as `npm start` runs it)
// with the embedded queue and with the Redis queue (a private redis-server with the append-only file on:
// a 200 then means Redis has the alerts), delivering to a local webhook sink; wrk generates the load when it
// is installed (autocannon from this process otherwise, and always for the fixed-rate scenario: see
// load-generator.ts). Reports accepted alerts/s, latency p50/p99 and saker's peak RSS, as medians of
// several runs.
//
// Environment: BENCH_RUNS (3), BENCH_DURATION seconds per run (10), BENCH_CONNECTIONS (single: 64, arrays: 16),
// BENCH_QUEUES (embedded,redis) or BENCH_QUEUE (one of them), BENCH_SCENARIOS (single,arrays,rate),
// BENCH_NODE_ARGS (Node options after saker's own, src/node-flags.ts), BENCH_SAKER_ENV (saker settings), BENCH_CLI (another build's dist/src/cli.js, e.g. a reference).
// BENCH_GENERATOR (wrk or autocannon; default wrk when installed). BENCH_RATE (600): the fixed-rate scenario's requests/s.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync as readdir, readFileSync, readlinkSync as readlink, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ALERT } from './alert.js';
import { generateLoad } from './load-generator.js';
import { startBenchRedis } from './redis-server.js';
import { sakerNodeArgs } from './saker-node-args.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
// Which queues to measure, in order: BENCH_QUEUES=embedded,redis (default both); BENCH_QUEUE=redis for one.
const QUEUES = (process.env['BENCH_QUEUES'] ?? process.env['BENCH_QUEUE'] ?? 'embedded,redis').split(',').map((q) => q.trim());
const DURATION = Number(process.env['BENCH_DURATION'] ?? 10);
// BENCH_CLI=/path/to/other/dist/src/cli.js measures another build (a reference) with the same generator.
const CLI = process.env['BENCH_CLI'] ?? fileURLToPath(new URL('../src/cli.js', import.meta.url));

const UUID_KEY = Buffer.from('"uuid":');

/**
 * Counts the alerts it receives, one per request or in arrays, by their `"uuid":` keys: parsing every body
 * would make the sink, which shares the machine with saker and the load generator, the bottleneck.
 */
async function startSink(): Promise<{ server: http.Server; url: string; received: () => number }> {
  let received = 0;
  const server = http.createServer((req, res) => {
    req.on('data', (chunk: Buffer) => {
      // A key split across two chunks would be missed; a chunk boundary inside it is rare enough to not
      // matter for a rate, and the total is reported only as a cross-check.
      for (let at = chunk.indexOf(UUID_KEY); at !== -1; at = chunk.indexOf(UUID_KEY, at + UUID_KEY.length)) received++;
    });
    req.on('end', () => res.end());
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, received: () => received };
}

async function startSaker(sinkUrl: string, redisUrl?: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...sakerNodeArgs(), CLI, 'run', '--port', '0'], {
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'production',
      LISTENADDRESS: '127.0.0.1',
      STDOUT_ENABLED: 'false',
      LOG_LEVEL: 'warn',
      WEBHOOK_ADDRESS: sinkUrl,
      WEBHOOK_BATCHSIZE: '1000',
      WEBHOOK_CONCURRENCY: '2',
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      ...extraEnv(),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  // LOG_LEVEL warn hides the "listening" line: find the port from the process's listening socket instead.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const port = listeningPort(child.pid!);
    if (port) return { child, url: `http://127.0.0.1:${port}` };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`saker did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** BENCH_SAKER_ENV='REDIS_BATCH_LINGER=5ms,WEBHOOK_CONCURRENCY=4': settings to try against the defaults. */
function extraEnv(): Record<string, string> {
  const pairs = (process.env['BENCH_SAKER_ENV'] ?? '').split(',').filter(Boolean);
  return Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

/** The TCP port a process listens on, from /proc (Linux). */
function listeningPort(pid: number): number | undefined {
  const inodes = new Set<string>();
  try {
    for (const fd of readdir(`/proc/${pid}/fd`)) {
      const m = /^socket:\[(\d+)\]$/.exec(readlink(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    }
    for (const line of readFileSync(`/proc/${pid}/net/tcp`, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A' && inodes.has(cols[9]!)) return parseInt(cols[1]!.split(':')[1]!, 16);
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * CPU seconds (user + system) a process has used, from /proc; with `mainThread`, only its main thread's
 * (saker's Redis queue delivers from a thread of its own: the main thread's share bounds ingest).
 */
function cpuSeconds(pid: number, mainThread = false): number {
  const fields = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface RunResult {
  generator: string;
  reqPerSec: number;
  alertsPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** Share of one core used during the run by saker, and by the load generator and the sink. */
  sakerCpu: number;
  benchCpu: number;
  /** saker's CPU time per accepted request: what its request path costs, steadier than rates on a busy machine. */
  sakerUsPerRequest: number;
  /** The same, for saker's main thread only (HTTP ingest and enqueueing). */
  mainUsPerRequest: number;
}

async function load(url: string, pid: number, body: string, alertsPerBody: number, connections: number, duration: number, rate?: number): Promise<RunResult> {
  const sakerBefore = cpuSeconds(pid);
  const mainBefore = cpuSeconds(pid, true);
  const benchBefore = process.cpuUsage();
  const started = performance.now();
  const result = await generateLoad({ url: `${url}/`, body, connections, duration, ...(rate ? { rate } : {}) });
  const elapsed = (performance.now() - started) / 1000;
  const sakerSeconds = cpuSeconds(pid) - sakerBefore;
  const mainSeconds = cpuSeconds(pid, true) - mainBefore;
  const bench = process.cpuUsage(benchBefore);
  const ok = result.ok;
  return {
    generator: result.generator,
    sakerCpu: sakerSeconds / elapsed,
    sakerUsPerRequest: (sakerSeconds * 1e6) / Math.max(1, ok),
    mainUsPerRequest: (mainSeconds * 1e6) / Math.max(1, ok),
    // This process (the sink, and autocannon when it generates) plus wrk when that runs as its own process.
    benchCpu: ((bench.user + bench.system) / 1e6 + (result.cpuSeconds ?? 0)) / elapsed,
    reqPerSec: ok / duration,
    alertsPerSec: (ok * alertsPerBody) / duration,
    p50: result.p50Ms,
    p99: result.p99Ms,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** wrk reports latencies in µs; a table wants milliseconds to one decimal. */
const tenths = (ms: number) => Math.round(ms * 10) / 10;

const pct = (share: number) => `${Math.round(share * 100)} %`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function scenario(name: string, url: string, pid: number, alertsPerBody: number, connections: number, rate?: number): Promise<Record<string, number | string>> {
  const body = JSON.stringify(alertsPerBody === 1 ? ALERT : Array.from({ length: alertsPerBody }, () => ALERT));
  await load(url, pid, body, alertsPerBody, connections, 2, rate); // warm-up: JIT, connection pools
  const runs: RunResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await load(url, pid, body, alertsPerBody, connections, DURATION, rate);
    runs.push(r);
    process.stderr.write(`${name} run ${i + 1}: ${Math.round(r.reqPerSec)} req/s, ${Math.round(r.alertsPerSec)} alerts/s, p50 ${tenths(r.p50)} ms, p99 ${tenths(r.p99)} ms, non-2xx ${r.non2xx}, CPU saker ${pct(r.sakerCpu)} (${Math.round(r.sakerUsPerRequest)} µs/request, main thread ${Math.round(r.mainUsPerRequest)}) bench ${pct(r.benchCpu)} (${r.generator})\n`);
  }
  return {
    scenario: name,
    generator: runs[0]!.generator,
    connections,
    'requests/s': Math.round(median(runs.map((r) => r.reqPerSec))),
    'accepted alerts/s': Math.round(median(runs.map((r) => r.alertsPerSec))),
    'p50 ms': tenths(median(runs.map((r) => r.p50))),
    'p99 ms': tenths(median(runs.map((r) => r.p99))),
    'non-2xx (503)': runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    'saker CPU': pct(median(runs.map((r) => r.sakerCpu))),
    'bench CPU': pct(median(runs.map((r) => r.benchCpu))),
    'saker µs/request': Math.round(median(runs.map((r) => r.sakerUsPerRequest))),
    'main thread µs/request': Math.round(median(runs.map((r) => r.mainUsPerRequest))),
  };
}

/** One scenario against a fresh saker (and Redis), so that its peak RSS is its own. */
async function measured(queue: string, name: string, alertsPerBody: number, connections: number, rate?: number): Promise<Record<string, number | string>> {
  const sink = await startSink();
  const redis = queue === 'redis' ? await startBenchRedis() : undefined;
  const saker = await startSaker(sink.url, redis?.url);
  try {
    const row: Record<string, number | string> = { queue, ...(await scenario(`${queue}, ${name}`, saker.url, saker.child.pid!, alertsPerBody, connections, rate)), scenario: name };
    // Let the queue drain to the sink before reading memory and delivery counts.
    await new Promise((r) => setTimeout(r, 1000));
    row['peak RSS MB'] = Math.round(peakRssMb(saker.child.pid!));
    row['delivered'] = sink.received();
    return row;
  } finally {
    saker.child.kill('SIGTERM');
    await once(saker.child, 'exit');
    await redis?.stop();
    sink.server.close();
  }
}

const connections = process.env['BENCH_CONNECTIONS'];
// As fast as saker answers (throughput); then arrays at the target rate, for memory and latency at
// that load (a single-alert run at a fixed rate measures mostly the generator's rate limiter).
const rows: Array<Record<string, number | string>> = [];
// BENCH_SCENARIOS=single,arrays,rate (default all three) picks some of them.
const SCENARIOS = (process.env['BENCH_SCENARIOS'] ?? 'single,arrays,rate').split(',').map((s) => s.trim());
// BENCH_RATE: the fixed-rate scenario's requests/s (600, the 60,000 alerts/s); lower, it compares
// builds' CPU per request on a machine too busy to take the target rate.
const RATE = Number(process.env['BENCH_RATE'] ?? 600);
for (const queue of QUEUES) {
  if (SCENARIOS.includes('single')) rows.push(await measured(queue, '1 alert per request, max', 1, Number(connections ?? 64)));
  if (SCENARIOS.includes('arrays')) rows.push(await measured(queue, '100-alert arrays, max', 100, Number(connections ?? 16)));
  if (SCENARIOS.includes('rate')) rows.push(await measured(queue, `100-alert arrays at ${RATE}/s (${(RATE * 100).toLocaleString('en')} alerts/s)`, 100, Number(connections ?? 16), RATE));
}
mkdirSync('.bench', { recursive: true });
writeFileSync('.bench/ingest.json', `${JSON.stringify({ node: process.version, queues: QUEUES, runs: RUNS, durationSeconds: DURATION, rows }, null, 2)}\n`);
const header = Object.keys(rows[0]!);
process.stdout.write(`\nsaker ingest (webhook sink), ${RUNS} run(s) of ${DURATION}s each, medians; Node ${process.version}\n\n`);
process.stdout.write(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|\n`);
for (const row of rows) process.stdout.write(`| ${header.map((h) => String(row[h])).join(' | ')} |\n`);
