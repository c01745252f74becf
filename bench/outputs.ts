// `npm run bench:outputs`: alerts per second delivered by outputs through the embedded queue, the way saker
// runs them (attemptDelivery, the output's batch size, the queue's concurrency), into local peers running in
// another process. Each figure is the median of several runs; the machine is shared, so expect noise.
//
//   elasticsearch  bulk requests of `bulksize` alerts into the _bulk peer           target ≥ 50,000 alerts/s
//   webhook        JSON arrays of `batchsize` alerts into a counting HTTP receiver  target ≥ 20,000 alerts/s
//   script         /bin/true per alert, maxprocesses 8                              target ≥ 200 runs/s
//
// Options: --runs N (default 5), --alerts N (per run, for elasticsearch and webhook; default 100000),
// --script-runs N (per run; default 2000), --only NAME (script, elasticsearch or webhook: that part alone).

import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { elasticsearch } from '../outputs/elasticsearch.js';
import type { Output, OutputModule } from '../outputs/output.js';
import { script } from '../outputs/script.js';
import { webhookOutput } from '../outputs/webhook.js';
import type { Alert } from '../src/alert.js';
import { deliveryPolicy } from '../src/config/output-keys.js';
import { loadConfig, sectionValues } from '../src/config/loader.js';
import { outputSection } from '../src/config/output-keys.js';
import { EmbeddedQueue } from '../src/queue/embedded.js';
import type { PeerReply, PeerRequest } from './output-peers.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const RUNS = option('runs', 5);
const ALERTS = option('alerts', 100_000);
const SCRIPT_RUNS = option('script-runs', 2000);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
if (only !== undefined && !['script', 'elasticsearch', 'webhook'].includes(only)) throw new Error(`--only: expected script, elasticsearch or webhook, got ${only}`);
const wanted = (part: string) => only === undefined || only === part;

const logger = pino({ level: 'warn' });

function alertNumber(n: number): Alert {
  return {
    uuid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    time: '2026-11-29T01:02:03.123456789Z',
    rule: 'Terminal shell in container',
    priority: 'Warning',
    source: 'syscall',
    output: `01:02:03.123456789: Warning A shell was spawned in a container with an attached terminal (user=root user_loginuid=-1 k8s.ns=prod k8s.pod=web-${n % 50} container=0123456789ab shell=bash parent=runc cmdline=bash -il terminal=34816 container_id=0123456789ab image=nginx)`,
    output_fields: {
      'container.id': '0123456789ab',
      'container.image.repository': 'nginx',
      'evt.time': 1795914123123456789,
      'k8s.ns.name': 'prod',
      'k8s.pod.name': `web-${n % 50}`,
      'proc.cmdline': 'bash -il',
      'proc.name': 'bash',
      'proc.pname': 'runc',
      'proc.tty': 34816,
      'user.loginuid': -1,
      'user.name': 'root',
    },
    tags: ['container', 'shell', 'mitre_execution', 'T1059'],
    hostname: 'node-1',
  };
}

class Peers {
  private constructor(private readonly child: ChildProcess) {}

  static start(): Peers {
    const child = fork(fileURLToPath(new URL('./output-peers.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Peers(child);
  }

  ask(message: PeerRequest): Promise<PeerReply> {
    return new Promise((resolve) => {
      this.child.once('message', (reply: PeerReply) => resolve(reply));
      this.child.send(message);
    });
  }

  async count(): Promise<number> {
    return ((await this.ask({ count: true })) as { count: number }).count;
  }

  async cpuMs(): Promise<number> {
    return ((await this.ask({ count: true })) as { cpuMs: number }).cpuMs;
  }

  stop(): void {
    this.child.disconnect();
  }
}

interface Configured {
  values: Record<string, unknown>;
  /** A new output each run: closing the queue closes its outputs. */
  create(): Output;
}

/** The output's section resolved from environment variables by the real config loader (defaults, validation). */
function configured(module: OutputModule, env: Record<string, string>): Configured {
  const values = sectionValues(loadConfig({ env, sections: [outputSection(module)] }), module.type);
  return { values, create: () => module.create(values, { logger, hostname: 'bench', timeoutMs: 30_000 }) };
}

interface Run {
  /** Alerts (or script runs) per second, wall clock. */
  rate: number;
  /** CPU time of this process (saker's side) per alert, in µs: less sensitive to a busy machine than `rate`. */
  cpuUs: number;
  /** CPU time per alert, in µs, of the other process doing the work: the peer, or the script output's runners. */
  otherCpuUs?: number;
}

interface CpuSource {
  cpuMs(): Promise<number>;
}

/** The script output's runner processes: this process's children running Node (no peer runs beside them). */
const scriptRunners: CpuSource = {
  async cpuMs() {
    let ticks = 0;
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (stat.includes(' (node) ') && Number(fields[1]) === process.pid) ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // Gone while we looked.
      }
    }
    return ticks * 10; // /proc counts in 1/100 s
  },
};

/** Delivers `alerts` through a fresh embedded queue and times it until `delivered()` has them all. */
async function throughput(output: Output, values: Record<string, unknown>, alerts: Alert[], delivered: () => Promise<number>, other?: CpuSource): Promise<Run> {
  const queue = new EmbeddedQueue({ capacity: alerts.length, deadLetterLimit: 100, logger });
  await queue.start([{ output, policy: deliveryPolicy(values) }]);
  const before = await delivered();
  const otherCpu = await other?.cpuMs();
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < alerts.length; i += 1000) await queue.enqueue([{ output: output.name, alerts: alerts.slice(i, i + 1000) }]);
  for (;;) {
    const stats = (await queue.stats())[output.name]!;
    if (stats.deadLetters > 0) throw new Error(`${output.name}: ${stats.deadLetters} dead letters: ${(await queue.deadLetters.list(output.name))[0]?.error}`);
    if (stats.depth === 0 && (await delivered()) - before >= alerts.length) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  const run: Run = { rate: alerts.length / seconds, cpuUs: (used.user + used.system) / alerts.length };
  if (other && otherCpu !== undefined) run.otherCpuUs = (((await other.cpuMs()) - otherCpu) * 1000) / alerts.length;
  await queue.close(1000);
  return run;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function measure(label: string, target: number, unit: string, run: () => Promise<Run>, other = 'peer'): Promise<void> {
  await run(); // warm-up: JIT, connection pools
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await run());
  const m = median(runs.map((r) => r.rate));
  const verdict = m >= target ? 'meets' : 'BELOW';
  const cpu = `saker CPU ${median(runs.map((r) => r.cpuUs)).toFixed(1)} µs/alert` + (runs[0]!.otherCpuUs !== undefined ? `, ${other} CPU ${median(runs.map((r) => r.otherCpuUs!)).toFixed(1)} µs/alert` : '');
  console.log(`${label}\n  median ${Math.round(m).toLocaleString('en-US')} ${unit} (target ${target.toLocaleString('en-US')}: ${verdict}); runs ${runs.map((r) => Math.round(r.rate)).join(', ')}; ${cpu}`);
}

console.log(`saker bench:outputs — median of ${RUNS} runs each, after a warm-up; Node ${process.version}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores`);

// Scripts first, while this process is small: forking a large heap is slower, and that is not the output's cost.
if (wanted('script')) {
  const { create, values } = configured(script, { SCRIPT_COMMAND: '/bin/true', SCRIPT_MAXPROCESSES: '8', SCRIPT_CONCURRENCY: '4' });
  let runs = 0;
  // Counts finished runs: the output itself, wrapped only to be counted.
  const counted = (output: Output): Output => ({
    name: output.name,
    maxBatch: output.maxBatch,
    send: async (batch, ctx) => {
      await output.send(batch, ctx);
      runs += batch.length;
    },
    close: () => output.close(),
  });
  const batch = Array.from({ length: SCRIPT_RUNS }, (_, i) => alertNumber(i));
  await measure(`script (/bin/true, maxprocesses 8; ${SCRIPT_RUNS} runs)`, 200, 'runs/s', () => throughput(counted(create()), values, batch, async () => runs, scriptRunners), 'runner');
}

if (wanted('elasticsearch') || wanted('webhook')) {
  const alerts = Array.from({ length: ALERTS }, (_, i) => alertNumber(i));
  const peers = Peers.start();
  try {
    if (wanted('elasticsearch')) {
      const es = ((await peers.ask({ start: 'elasticsearch' })) as { url: string }).url;
      for (const [label, env] of [
        ['elasticsearch (bulksize 500, concurrency 2)', {}],
        ['elasticsearch (bulksize 500, concurrency 2, gzip)', { ELASTICSEARCH_ENABLECOMPRESSION: 'true' }],
        ['elasticsearch (bulksize 2000, concurrency 4)', { ELASTICSEARCH_BULKSIZE: '2000', ELASTICSEARCH_CONCURRENCY: '4' }],
      ] as const) {
        const { create, values } = configured(elasticsearch, { ELASTICSEARCH_HOSTPORT: es, ...env });
        await measure(`${label}; ${ALERTS} alerts`, 50_000, 'alerts/s', () => throughput(create(), values, alerts, () => peers.count(), peers));
      }
    }
    if (wanted('webhook')) {
      const hook = ((await peers.ask({ start: 'webhook' })) as { url: string }).url;
      const { create, values } = configured(webhookOutput, { WEBHOOK_ADDRESS: hook, WEBHOOK_BATCHSIZE: '500' });
      await measure(`webhook (batchsize 500, concurrency 2); ${ALERTS} alerts`, 20_000, 'alerts/s', () => throughput(create(), values, alerts, () => peers.count(), peers));
    }
  } finally {
    peers.stop();
  }
}
