// `npm run bench:startup`: what an idle saker costs before any alert arrives. The built saker (a child process,
// as `npm start` runs it) is started BENCH_RUNS times (5) per scenario; each run reports the time from spawn to
// its "saker listening" log line and the processor time it used until then (user + system, from /proc: steadier
// than the wall time on a busy machine), then, after BENCH_IDLE_MS (2000) of idling, its resident memory (VmRSS, from
// /proc) and its live heap: V8's used heap (nodejs_heap_size_used_bytes from its own /metrics) right after a
// full garbage collection, which bench/gc-on-signal.ts runs on SIGUSR2. Medians are printed.
//
// Scenarios: `stdout` only (saker's default), and `stdout` with Slack, PagerDuty, email and Elasticsearch
// enabled, whose client libraries load when those outputs start. Nothing is sent: their peers need not exist.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SAKER_NODE_FLAGS } from '../src/node-flags.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const IDLE_MS = Number(process.env['BENCH_IDLE_MS'] ?? 2000);
const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const GC_ON_SIGNAL = new URL('./gc-on-signal.js', import.meta.url).href;

const SCENARIOS: Record<string, Record<string, string>> = {
  'stdout only': {},
  'stdout + slack, pagerduty, smtp, elasticsearch': {
    // A bot token: the webhook variant needs no Slack library.
    SLACK_TOKEN: 'xoxb-bench',
    SLACK_CHANNEL: '#bench',
    SLACK_APIURL: 'http://127.0.0.1:9/api/',
    PAGERDUTY_ROUTINGKEY: 'bench-routing-key',
    SMTP_HOSTPORT: '127.0.0.1:9',
    SMTP_FROM: 'saker@example.com',
    SMTP_TO: 'secops@example.com',
    ELASTICSEARCH_HOSTPORT: 'http://127.0.0.1:9',
  },
};

interface Sample {
  startupMs: number;
  startupCpuMs: number;
  rssMb: number;
  heapMb: number;
}

async function sample(env: Record<string, string>): Promise<Sample> {
  const started = performance.now();
  const child = spawn(process.execPath, [...SAKER_NODE_FLAGS, '--expose-gc', '--import', GC_ON_SIGNAL, CLI, 'run', '--port', '0'], {
    env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'production', LISTENADDRESS: '127.0.0.1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    const port = await listening(child.stderr!, 30_000);
    const startupMs = performance.now() - started;
    const startupCpuMs = cpuMs(child.pid!);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    child.kill('SIGUSR2');
    await new Promise((r) => setTimeout(r, 300));
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const heap = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(metrics);
    if (!rss || !heap) throw new Error('no VmRSS in /proc or no nodejs_heap_size_used_bytes in /metrics');
    return { startupMs, startupCpuMs, rssMb: Number(rss[1]) / 1024, heapMb: Number(heap[1]) / 2 ** 20 };
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  }
}

/** User + system time of a process so far, from /proc/PID/stat (in clock ticks: 100 per second on Linux). */
function cpuMs(pid: number): number {
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Resolves with the port of the "saker listening on" log line (JSON logs on stderr). */
function listening(stderr: NodeJS.ReadableStream, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`saker did not listen within ${timeoutMs} ms: ${text.slice(-2000)}`)), timeoutMs);
    stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      for (const line of text.split('\n')) {
        if (!line.includes('saker listening on')) continue;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    stderr.on('end', () => reject(new Error(`saker exited before listening: ${text.slice(-2000)}`)));
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const rows: Array<Record<string, string | number>> = [];
for (const [name, env] of Object.entries(SCENARIOS)) {
  const samples: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    const s = await sample(env);
    samples.push(s);
    process.stderr.write(`${name} run ${i + 1}: start-up ${Math.round(s.startupMs)} ms (CPU ${s.startupCpuMs} ms), RSS ${s.rssMb.toFixed(1)} MB, heap ${s.heapMb.toFixed(1)} MB\n`);
  }
  const range = (pick: (s: Sample) => number) => `${Math.round(Math.min(...samples.map(pick)))}–${Math.round(Math.max(...samples.map(pick)))}`;
  rows.push({
    scenario: name,
    'start-up ms': Math.round(median(samples.map((s) => s.startupMs))),
    'start-up range': range((s) => s.startupMs),
    'start-up CPU ms': median(samples.map((s) => s.startupCpuMs)),
    'idle RSS MB': Number(median(samples.map((s) => s.rssMb)).toFixed(1)),
    'live heap MB': Number(median(samples.map((s) => s.heapMb)).toFixed(1)),
  });
}
console.table(rows);
