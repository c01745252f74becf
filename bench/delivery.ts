// `npm run bench:delivery`: end to end, from `POST /` through Redis to a local webhook receiver, with saker
// as a child process (as `npm start` runs it) and autocannon generating load from this process — all on
// the same machine, so the figures include the load generator's and the receiver's share of the CPU.
//
//   1. sustained: BENCH_RATE alerts/s (20000) offered in 100-alert arrays for BENCH_DURATION s (60): the rate
//      delivered to the receiver, the backlog left when the load stops and how long it takes to drain.
//   2. latency: BENCH_LATENCY_RATE single-alert requests/s (5000) for BENCH_LATENCY_DURATION s (20): each
//      alert carries its send time; the receiver computes request → receiver latency percentiles.
// Plus saker's peak RSS, Redis' used_memory before, at its peak and after the run, and
// `redis-benchmark -q -t set -P 16` against the same Redis (its ceiling here).

import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ALERT } from './alert.js';
import { freePort } from '../test/peers/free-port.js';
import { redisBenchmarkSet, startBenchRedis, type BenchRedis } from './redis-server.js';
import { sakerNodeArgs } from './saker-node-args.js';

const RATE = Number(process.env['BENCH_RATE'] ?? 20_000);
const DURATION = Number(process.env['BENCH_DURATION'] ?? 60);
const LATENCY_RATE = Number(process.env['BENCH_LATENCY_RATE'] ?? 5000);
const LATENCY_DURATION = Number(process.env['BENCH_LATENCY_DURATION'] ?? 20);
// BENCH_CLI=/path/to/other/dist/src/cli.js measures another build (a reference) with the same generator.
const CLI = process.env['BENCH_CLI'] ?? fileURLToPath(new URL('../src/cli.js', import.meta.url));

const UUID_KEY = Buffer.from('"uuid":');
const SENT_KEY = Buffer.from('"bench.sent":');

/**
 * The webhook receiver. Counts alerts by their `"uuid":` keys (parsing every body would make it, sharing
 * the machine with saker, the bottleneck) and, for alerts stamped with `bench.sent`, records the latency.
 */
class Receiver {
  received = 0;
  readonly latencies: number[] = [];
  private server!: http.Server;

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const now = Date.now();
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        for (let at = body.indexOf(UUID_KEY); at !== -1; at = body.indexOf(UUID_KEY, at + UUID_KEY.length)) this.received++;
        for (let at = body.indexOf(SENT_KEY); at !== -1; at = body.indexOf(SENT_KEY, at + SENT_KEY.length)) {
          const start = at + SENT_KEY.length;
          this.latencies.push(now - Number(body.subarray(start, start + 13).toString()));
        }
        res.end();
      });
    });
    this.server.keepAliveTimeout = 60_000;
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  close(): void {
    this.server.closeAllConnections();
    this.server.close();
  }
}

async function startSaker(redis: BenchRedis, sinkUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [...sakerNodeArgs(), CLI, 'run'], {
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'production',
      LISTENADDRESS: '127.0.0.1',
      LISTENPORT: String(port),
      STDOUT_ENABLED: 'false',
      LOG_LEVEL: 'warn',
      REDIS_URL: redis.url,
      WEBHOOK_ADDRESS: sinkUrl,
      WEBHOOK_BATCHSIZE: '100',
      ...extraEnv(),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) return { child, url };
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`saker did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** BENCH_SAKER_ENV='WEBHOOK_CONCURRENCY=8,REDIS_BATCH_LINGER=5ms': settings to try against the defaults. */
function extraEnv(): Record<string, string> {
  const pairs = (process.env['BENCH_SAKER_ENV'] ?? '').split(',').filter(Boolean);
  return Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

function rssMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** CPU seconds (user + system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!condition() && Date.now() - started < timeoutMs) await new Promise((r) => setTimeout(r, 50));
  return Date.now() - started;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function sustained(url: string, receiver: Receiver, redis: BenchRedis, pid: number): Promise<Record<string, number | string>> {
  const cpuBefore = { saker: cpuSeconds(pid), redis: cpuSeconds(redis.pid) };
  const perRequest = 100;
  const body = JSON.stringify(Array.from({ length: perRequest }, () => ALERT));
  let peakRedis = await redis.usedMemory();
  const sampler = setInterval(() => {
    void redis.usedMemory().then((m) => (peakRedis = Math.max(peakRedis, m)));
  }, 1000);
  const before = receiver.received;
  const result = await autocannon({
    url: `${url}/`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: 16,
    overallRate: RATE / perRequest,
    duration: DURATION,
  });
  const deliveredDuringLoad = receiver.received - before;
  const accepted = result['2xx'] * perRequest;
  const backlog = accepted - deliveredDuringLoad;
  const drainMs = await waitFor(() => receiver.received - before >= accepted, 60_000);
  clearInterval(sampler);
  // CPU per alert, ingested and delivered: steadier than rates on a shared machine.
  const perAlertUs = (seconds: number) => Math.round((seconds * 1e6 * 10) / Math.max(1, accepted)) / 10;
  return {
    'offered alerts/s': RATE,
    'accepted alerts/s': Math.round(accepted / DURATION),
    'delivered alerts/s': Math.round(deliveredDuringLoad / DURATION),
    'backlog at end': backlog,
    'drain ms': drainMs,
    'request p99 ms': result.latency.p99,
    'non-2xx': result.non2xx,
    errors: result.errors + result.timeouts,
    'saker CPU µs/alert': perAlertUs(cpuSeconds(pid) - cpuBefore.saker),
    'Redis CPU µs/alert': perAlertUs(cpuSeconds(redis.pid) - cpuBefore.redis),
    'saker RSS MB': rssMb(pid, 'VmRSS'),
    'Redis peak MB': mb(peakRedis),
  };
}

async function latency(url: string, receiver: Receiver): Promise<Record<string, number | string>> {
  receiver.latencies.length = 0;
  const result = await autocannon({
    url: `${url}/`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    connections: 32,
    overallRate: LATENCY_RATE,
    duration: LATENCY_DURATION,
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({ ...ALERT, output_fields: { ...ALERT.output_fields, 'bench.sent': Date.now() } }),
        }),
      },
    ],
  });
  await waitFor(() => receiver.latencies.length >= result['2xx'], 30_000);
  const l = receiver.latencies;
  return {
    'alerts/s': Math.round(result['2xx'] / LATENCY_DURATION),
    'request→receiver p50 ms': percentile(l, 50),
    'p99 ms': percentile(l, 99),
    'max ms': Math.max(...l),
    'HTTP p99 ms': result.latency.p99,
    'non-2xx': result.non2xx,
  };
}

const redis = await startBenchRedis();
const redisSet = redisBenchmarkSet(redis.port);
const receiver = new Receiver();
const sinkUrl = await receiver.start();
const saker = await startSaker(redis, sinkUrl);
try {
  // Warm-up: JIT, connection pools, BullMQ's scripts loaded.
  await autocannon({ url: `${saker.url}/`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([ALERT]), connections: 8, duration: 2 });
  await waitFor(() => false, 1000);
  const redisBefore = await redis.usedMemory();

  const load = await sustained(saker.url, receiver, redis, saker.child.pid!);
  process.stderr.write(`sustained: ${JSON.stringify(load)}\n`);
  const lat = await latency(saker.url, receiver);
  process.stderr.write(`latency: ${JSON.stringify(lat)}\n`);
  await waitFor(() => false, 3000);
  const redisAfter = await redis.usedMemory();
  const peakRss = rssMb(saker.child.pid!, 'VmHWM');

  const report = {
    node: process.version,
    redisBenchmark: redisSet,
    sustained: load,
    latency: lat,
    sakerPeakRssMb: peakRss,
    redisUsedMemoryMb: { before: mb(redisBefore), peak: load['Redis peak MB'], after: mb(redisAfter) },
  };
  mkdirSync('.bench', { recursive: true });
  writeFileSync('.bench/delivery.json', `${JSON.stringify(report, null, 2)}\n`);
  const table = (row: Record<string, number | string>) =>
    `| ${Object.keys(row).join(' | ')} |\n|${Object.keys(row).map(() => '---').join('|')}|\n| ${Object.values(row).join(' | ')} |\n`;
  process.stdout.write(`\nsaker delivery: POST / → Redis → webhook receiver (batchsize 100), Node ${process.version}\n\n`);
  process.stdout.write(`Sustained, ${DURATION} s of 100-alert arrays at ${RATE} alerts/s offered:\n\n${table(load)}\n`);
  process.stdout.write(`Latency, ${LATENCY_DURATION} s of single-alert requests at ${LATENCY_RATE}/s:\n\n${table(lat)}\n`);
  process.stdout.write(`saker peak RSS: ${peakRss} MB; Redis used_memory: ${mb(redisBefore)} MB before, ${load['Redis peak MB']} MB peak, ${mb(redisAfter)} MB after\n`);
  process.stdout.write(`redis-benchmark -q -t set -P 16: ${redisSet}\n`);
} finally {
  saker.child.kill('SIGTERM');
  await once(saker.child, 'exit');
  receiver.close();
  await redis.stop();
}
