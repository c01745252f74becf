// `npm run bench:k8saudit`: Kubernetes audit events through the upstream k8s_audit_rules.yaml.
//  1. replay: the corpus samples repeated into a JSON-lines file of BENCH_EVENTS (500,000) events, read,
//     parsed and evaluated with `first` matching by the same code as `saker replay` (one core: one process);
//  2. webhook: `saker run` (built, a child process) taking 400-event EventLists on POST /k8s-audit, as the
//     API server batches them, with the embedded queue delivering alerts to a local sink; autocannon
//     generates the load from this process.
//  3. memory (only with BENCH_ONLY=memory): replay's steps (the JSON reader, the engine, the JSON alert
//     lines) on BENCH_EVENTS events held in memory, once, for instruction counts, which a shared machine
//     does not disturb: under `valgrind --tool=cachegrind` with `node --single-threaded`, the difference
//     between two BENCH_EVENTS divided by the difference of events is the instructions per event.
// Figures are medians of BENCH_RUNS (3) runs. Environment: BENCH_EVENTS, BENCH_RUNS, BENCH_DURATION (s, 10),
// BENCH_CONNECTIONS (4), BENCH_ONLY (replay|webhook|memory|count), BENCH_BATCHES (count: 16), BENCH_SAKER (the saker CLI the webhook runs);
// K8SAUDIT_THREADS is passed on to saker.

import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { jsonReader } from '../capture/files/json-reader.js';
import { eventReaders } from '../capture/files/readers.js';
import { sourceDefinitions } from '../capture/sources.js';
import { Engine } from '../src/engine/engine.js';
import { falcoJsonLine } from '../src/replay/falco-lines.js';
import { replay } from '../src/replay/replay.js';

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 500_000);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const DURATION = Number(process.env['BENCH_DURATION'] ?? 10);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 4);
const ONLY = process.env['BENCH_ONLY'];
const BATCH = 400;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CORPUS = `${ROOT}../shared/corpus/`;
const SAMPLES = `${CORPUS}k8s_audit/samples/`;
const RULES = `${CORPUS}rules/upstream/k8s_audit_rules.yaml`;
// BENCH_SAKER: another build's dist/src/cli.js, to measure it with this harness (old against new).
const CLI = process.env['BENCH_SAKER'] ?? fileURLToPath(new URL('../src/cli.js', import.meta.url));

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function samples(): string[] {
  return readdirSync(SAMPLES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => readFileSync(SAMPLES + f, 'utf8').trim());
}

/** The samples repeated into a JSON-lines file (kept in .bench/ between runs). */
async function eventsFile(lines: string[]): Promise<string> {
  mkdirSync(`${ROOT}.bench`, { recursive: true });
  const path = `${ROOT}.bench/k8saudit-${EVENTS}.jsonl`;
  if (existsSync(path)) return path;
  const out = createWriteStream(path);
  for (let i = 0; i < EVENTS; i++) {
    if (!out.write(lines[i % lines.length] + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return path;
}

const discard = (): Writable => new Writable({ write: (_c, _e, cb) => cb() });

/** CPU seconds used (user + system) by a process or one of its threads, from /proc (clock ticks of 1/100 s). */
function ticks(path: string): number {
  const fields = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function replayBench(): Promise<void> {
  const path = await eventsFile(samples());
  const mib = statSync(path).size / (1024 * 1024);
  const rates: number[] = [];
  // On a shared machine wall time measures the neighbours too; CPU time is what the process spent. The
  // main thread (its thread id is the process id) reads, evaluates and writes: its CPU time is the one
  // core replay needs; the rest is V8's collector threads and the kernel copying the file on libuv's.
  const cpuRates: number[] = [];
  const mainRates: number[] = [];
  const mainThread = `/proc/${process.pid}/task/${process.pid}/stat`;
  let alerts = 0;
  for (let run = 0; run < RUNS; run++) {
    const engine = new Engine({ sources: sourceDefinitions(), match: 'first', uuids: false });
    const loaded = engine.loadFiles([RULES]);
    if (loaded.some((r) => !r.ok)) throw new Error('the upstream rules did not load');
    const started = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    const mainStart = ticks(mainThread);
    const { stats } = await replay(
      engine,
      { files: [path], json: true, allEvents: false, maxEventBytes: 256 * 1024, readers: eventReaders, sources: new Set(['k8s_audit', 'json']) },
      { stdout: discard(), stderr: discard() },
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuStart);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const mainSeconds = ticks(mainThread) - mainStart;
    if (stats.events !== EVENTS) throw new Error(`read ${stats.events} events, expected ${EVENTS}`);
    alerts = stats.alerts;
    rates.push(EVENTS / seconds);
    cpuRates.push(EVENTS / cpuSeconds);
    mainRates.push(EVENTS / mainSeconds);
    console.log(
      `  replay run ${run + 1}: ${Math.round(EVENTS / seconds).toLocaleString('en')} events/s wall (${seconds.toFixed(2)} s), ` +
        `${Math.round(EVENTS / cpuSeconds).toLocaleString('en')} events per CPU-second, ${Math.round(EVENTS / mainSeconds).toLocaleString('en')} per main-thread CPU-second`,
    );
  }
  console.log(
    `replay: ${EVENTS.toLocaleString('en')} events (${mib.toFixed(0)} MiB of JSON lines), ${alerts.toLocaleString('en')} alerts, ` +
      `median ${Math.round(median(rates)).toLocaleString('en')} events/s wall, ${Math.round(median(cpuRates)).toLocaleString('en')} events per CPU-second, ` +
      `${Math.round(median(mainRates)).toLocaleString('en')} per main-thread CPU-second (target ≥ 100,000 on one core), bench process RSS ${Math.round(process.memoryUsage().rss / 1048576)} MiB`,
  );
}

async function memoryBench(): Promise<void> {
  const lines = samples();
  // Whole repetitions of the samples, a chunk of about 1 MiB at a time, as a file would be read.
  const perChunk = lines.length * Math.max(1, Math.floor((1 << 20) / (lines.join('\n').length + 1)));
  const chunk = Buffer.from(Array.from({ length: perChunk }, (_, i) => lines[i % lines.length]!).join('\n') + '\n');
  const chunks = Math.ceil(EVENTS / perChunk);
  async function* content(): AsyncIterable<Uint8Array> {
    for (let i = 0; i < chunks; i++) yield chunk;
  }
  const engine = new Engine({ sources: sourceDefinitions(), match: 'first', uuids: false });
  engine.loadFiles([RULES]);
  const context = { name: 'memory', allEvents: false, maxEventBytes: 256 * 1024, problem: () => {} };
  const cpuStart = process.cpuUsage();
  let events = 0;
  let alerts = 0;
  for await (const batch of jsonReader.read(content(), context)) {
    events += batch.events.length;
    for (const event of batch.events) {
      for (const alert of engine.evaluate(batch.source, event)) {
        falcoJsonLine(alert);
        alerts++;
      }
    }
  }
  const cpu = process.cpuUsage(cpuStart);
  console.log(
    `memory: ${events.toLocaleString('en')} events, ${alerts.toLocaleString('en')} alerts, ` +
      `${Math.round(events / ((cpu.user + cpu.system) / 1e6)).toLocaleString('en')} events per CPU-second`,
  );
}

async function startSink(): Promise<{ server: http.Server; url: string; received: () => number }> {
  let received = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      received += Array.isArray(body) ? body.length : 1;
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, received: () => received };
}

async function startSaker(
  sinkUrl: string,
  wrapper: string[] = [],
): Promise<{ child: ChildProcess; url: string; rss: () => number; cpuSeconds: () => number; mainCpuSeconds: () => number; stderr: () => string }> {
  // BENCH_PROFILE=DIR: saker writes a CPU profile there when it stops.
  const profile = process.env['BENCH_PROFILE'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROFILE']}`] : [];
  const command = [...wrapper, process.execPath, ...profile, CLI, 'run', '--port', '0'];
  const child = spawn(command[0]!, command.slice(1), {
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'production',
      LISTENADDRESS: '127.0.0.1',
      STDOUT_ENABLED: 'false',
      LOG_LEVEL: 'info',
      RULES_FILES: RULES,
      RULES_WATCH: 'false',
      WEBHOOK_ADDRESS: sinkUrl,
      WEBHOOK_BATCHSIZE: '1000',
      // k8saudit.threads (evaluation threads; 0: the main thread evaluates), when set for the benchmark.
      ...(process.env['K8SAUDIT_THREADS'] !== undefined ? { K8SAUDIT_THREADS: process.env['K8SAUDIT_THREADS'] } : {}),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`saker did not start:\n${stderr}`));
    }, wrapper.length > 0 ? 300_000 : 30_000);
    child.stderr!.on('data', (c: string) => {
      stderr += c;
      const m = /saker listening on [^"]*?:(\d+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`saker exited (${code}):\n${stderr}`)));
  });
  const cpuSeconds = () => ticks(`/proc/${child.pid}/stat`);
  /** The main thread's alone (its thread id is the process id): the thread that serves HTTP and routes. */
  const mainCpuSeconds = () => ticks(`/proc/${child.pid}/task/${child.pid}/stat`);
  const rss = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    } catch {
      return 0;
    }
  };
  return { child, url: `http://127.0.0.1:${port}/k8s-audit`, rss, cpuSeconds, mainCpuSeconds, stderr: () => stderr };
}

async function webhookBench(): Promise<void> {
  const lines = samples();
  const items = Array.from({ length: BATCH }, (_, i) => lines[i % lines.length]!).join(',');
  const body = `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[${items}]}`;
  const sink = await startSink();
  const saker = await startSaker(sink.url);
  try {
    // One batch first: saker starts its evaluation threads with the first request, which is start-up, not load.
    const first = await fetch(saker.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (!first.ok) throw new Error(`the first batch got ${first.status}: ${await first.text()}`);
    const rates: number[] = [];
    const cpuRates: number[] = [];
    const mainRates: number[] = [];
    const p50: number[] = [];
    const p99: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const cpuBefore = saker.cpuSeconds();
      const mainBefore = saker.mainCpuSeconds();
      const result = await autocannon({
        url: saker.url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections: CONNECTIONS,
        duration: DURATION,
      });
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors`);
      const events = result.requests.total * BATCH;
      const eventsPerSecond = events / DURATION;
      const perCpuSecond = events / (saker.cpuSeconds() - cpuBefore);
      // What the main thread can take with a core to itself: the webhook's ceiling when evaluation threads have theirs.
      const perMainCpuSecond = events / (saker.mainCpuSeconds() - mainBefore);
      rates.push(eventsPerSecond);
      cpuRates.push(perCpuSecond);
      mainRates.push(perMainCpuSecond);
      p50.push(result.latency.p50);
      p99.push(result.latency.p99);
      console.log(
        `  webhook run ${run + 1}: ${Math.round(eventsPerSecond).toLocaleString('en')} events/s, ` +
          `${Math.round(perCpuSecond).toLocaleString('en')} per saker CPU-second (${Math.round(perMainCpuSecond).toLocaleString('en')} per main-thread CPU-second), p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`,
      );
    }
    console.log(
      `webhook: ${BATCH}-event EventLists (${(body.length / 1048576).toFixed(2)} MiB each), ${CONNECTIONS} connections, ` +
        `median ${Math.round(median(rates)).toLocaleString('en')} events/s, ${Math.round(median(cpuRates)).toLocaleString('en')} per saker CPU-second, ${Math.round(median(mainRates)).toLocaleString('en')} per main-thread CPU-second (target ≥ 50,000 events/s), p50 ${median(p50)} ms, p99 ${median(p99)} ms, ` +
        `saker peak RSS ${Math.round(saker.rss())} MiB, ${sink.received().toLocaleString('en')} alerts delivered`,
    );
  } finally {
    saker.child.kill('SIGTERM');
    await once(saker.child, 'exit');
    sink.server.close();
  }
}

/**
 * BENCH_ONLY=count: saker under cachegrind (every thread's instructions), one batch to start, then
 * BENCH_BATCHES (16) 400-event batches, one at a time; prints the instructions counted. The difference
 * between two BENCH_BATCHES, divided by the events between them, is the instructions per event of the
 * whole webhook path (HTTP, reading, evaluation, routing, delivery to the local sink), load-independent.
 */
async function countBench(): Promise<void> {
  const batches = Number(process.env['BENCH_BATCHES'] ?? 16);
  const lines = samples();
  const body = `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[${Array.from({ length: BATCH }, (_, i) => lines[i % lines.length]!).join(',')}]}`;
  mkdirSync(`${ROOT}.bench`, { recursive: true });
  const valgrind = ['valgrind', '--tool=cachegrind', '--cache-sim=no', `--cachegrind-out-file=${ROOT}.bench/cachegrind.webhook.%p`];
  const sink = await startSink();
  const saker = await startSaker(sink.url, valgrind);
  try {
    for (let i = 0; i <= batches; i++) {
      const res = await fetch(saker.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if (!res.ok) throw new Error(`batch ${i} got ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    }
  } finally {
    // saker delivers what it queued before it exits.
    saker.child.kill('SIGTERM');
    await once(saker.child, 'exit');
    sink.server.close();
  }
  const refs = /I\s+refs:\s+([\d,]+)/.exec(saker.stderr())?.[1];
  console.log(`count: 1 + ${batches} batches of ${BATCH} events, ${refs ?? '(no count: is valgrind installed?)'} instructions, ${sink.received()} alerts delivered`);
}

if (!existsSync(SAMPLES)) {
  console.error(`bench:k8saudit: the corpus is not at ${CORPUS}`);
  process.exit(2);
}
if (ONLY === 'memory') await memoryBench();
else if (ONLY === 'count') await countBench();
else {
  if (ONLY !== 'webhook') await replayBench();
  if (ONLY !== 'replay') await webhookBench();
}
