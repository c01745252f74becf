// npm run bench:engine — the engine's three figures (issue 3):
//  1. time to load and compile the upstream syscall rule files together, and the k8s audit rules (medians of
//     CPU time and of wall time; the first load of a process includes V8 warm-up, as a real start does);
//  2. heap growth after loading both (needs --expose-gc, which the npm script passes);
//  3. k8s audit rule-set evaluations per second of CPU time (one core), on pre-parsed events with a trivial
//     extractor (a Map lookup per field), `first` matching as Falco does, through `Engine.matches` (the
//     per-event work of `Engine.evaluate` without building alerts).
// Reads ../shared/corpus (or --corpus DIR). Options: --runs N (default 5), --seconds S per eval run (default 2).

import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { builtinSources } from '../src/engine/builtin_sources.js';
import { Engine } from '../src/engine/engine.js';
import { K8S_AUDIT_SOURCE_FIELDS, withExtractors } from '../src/engine/fields/index.js';
import type { FieldValue, SourceDefinition } from '../src/engine/source.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const corpus = resolve(opt('--corpus', '../shared/corpus'));
const runs = Number(opt('--runs', '5'));
const seconds = Number(opt('--seconds', '2'));
const upstream = (f: string): string => join(corpus, 'rules', 'upstream', f);
const SYSCALL_FILES = ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'].map(upstream);
const K8S_FILES = [upstream('k8s_audit_rules.yaml')];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function loadEngine(files: string[], sources: ReadonlyArray<SourceDefinition<never>> = builtinSources()): Engine {
  const engine = new Engine({ sources });
  const results = engine.loadFiles(files);
  const errors = results.flatMap((r) => r.errors);
  if (errors.length > 0) throw new Error(`loading ${files.join(', ')}: ${JSON.stringify(errors[0])}`);
  return engine;
}

/** Milliseconds of CPU time (user + system) `f` takes: the machine is shared, wall time is not ours. */
function cpuMs(f: () => void): number {
  const c0 = process.cpuUsage();
  f();
  const d = process.cpuUsage(c0);
  return (d.user + d.system) / 1000;
}

function timeLoad(files: string[]): { cpu: number; wall: number } {
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    cpu.push(cpuMs(() => loadEngine(files)));
    wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { cpu: median(cpu), wall: median(wall) };
}

function heapAfterLoading(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return NaN;
  gc();
  const before = process.memoryUsage().heapUsed;
  const engines = [loadEngine(SYSCALL_FILES), loadEngine(K8S_FILES)];
  gc();
  const after = process.memoryUsage().heapUsed;
  if (engines.length !== 2) throw new Error('unreachable');
  return (after - before) / 1024 / 1024;
}

// ---- k8s audit events, pre-parsed into the values of the fields the rules read ----

type PreParsed = Map<string, FieldValue>;

/** The trivial extractor: one Map lookup by the field's name (and argument). */
const k8sSource = (): SourceDefinition<never> => {
  const extractors = Object.fromEntries(
    K8S_AUDIT_SOURCE_FIELDS.map((f) => [
      f.name,
      (arg: string | undefined) => {
        const key = arg === undefined ? f.name : `${f.name}[${arg}]`;
        return (e: PreParsed) => e.get(key);
      },
    ]),
  );
  return {
    name: 'k8s_audit',
    fields: withExtractors<PreParsed>(K8S_AUDIT_SOURCE_FIELDS, extractors),
    plugins: [{ name: 'k8saudit', version: '0.18.0' }, { name: 'json', version: '0.7.0' }],
    eventTime: () => 0n,
  } as unknown as SourceDefinition<never>;
};

interface AuditEvent {
  stage?: string;
  verb?: string;
  requestURI?: string;
  user?: { username?: string; groups?: string[] };
  objectRef?: { resource?: string; namespace?: string; name?: string; subresource?: string };
  responseStatus?: { code?: number };
  requestObject?: { spec?: { containers?: Array<{ image?: string; securityContext?: { privileged?: boolean } }>; hostNetwork?: boolean; hostPID?: boolean; hostIPC?: boolean } };
}

/** A rough pre-extraction of the fields the k8s rules use most; enough to exercise every rule's checks. */
function preParse(a: AuditEvent): PreParsed {
  const m: PreParsed = new Map();
  const set = (k: string, v: FieldValue | undefined): void => {
    if (v !== undefined && !(Array.isArray(v) && v.length === 0)) m.set(k, v);
  };
  set('jevt.value[/stage]', a.stage);
  set('ka.verb', a.verb);
  set('ka.uri', a.requestURI);
  set('ka.user.name', a.user?.username);
  set('ka.user.groups', a.user?.groups);
  set('ka.target.resource', a.objectRef?.resource);
  set('ka.target.namespace', a.objectRef?.namespace);
  set('ka.target.name', a.objectRef?.name);
  set('ka.target.subresource', a.objectRef?.subresource);
  set('ka.response.code', a.responseStatus?.code === undefined ? undefined : String(a.responseStatus.code));
  const spec = a.requestObject?.spec;
  const containers = spec?.containers ?? [];
  set('ka.req.pod.containers.image', containers.map((c) => c.image ?? ''));
  set('ka.req.pod.containers.image.repository', containers.map((c) => (c.image ?? '').split(':')[0]));
  set('ka.req.pod.containers.privileged', containers.map((c) => String(c.securityContext?.privileged ?? false)));
  set('ka.req.pod.host_network', spec?.hostNetwork === undefined ? undefined : String(spec.hostNetwork));
  set('ka.req.pod.host_pid', spec?.hostPID === undefined ? undefined : String(spec.hostPID));
  set('ka.req.pod.host_ipc', spec?.hostIPC === undefined ? undefined : String(spec.hostIPC));
  return m;
}

function auditEvents(): PreParsed[] {
  const dir = join(corpus, 'k8s_audit', 'samples');
  const samples = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
    .map((l) => preParse(JSON.parse(l) as AuditEvent));
  // Real clusters are mostly reads by system components: four reads for every sample create.
  const reads: PreParsed[] = [];
  const verbs = ['get', 'list', 'watch', 'get'];
  const resources = ['pods', 'configmaps', 'endpoints', 'leases', 'nodes', 'secrets'];
  for (let i = 0; i < samples.length * 4; i++) {
    reads.push(
      preParse({
        stage: 'ResponseComplete',
        verb: verbs[i % verbs.length],
        requestURI: `/api/v1/namespaces/kube-system/${resources[i % resources.length]}`,
        user: { username: i % 3 === 0 ? 'system:kube-scheduler' : 'system:serviceaccount:kube-system:coredns', groups: ['system:authenticated'] },
        objectRef: { resource: resources[i % resources.length], namespace: 'kube-system', name: `obj-${i}` },
        responseStatus: { code: 200 },
      }),
    );
  }
  return [...samples, ...reads];
}

function evaluationsPerSecond(): { rate: number; alertsPerPass: number; events: number } {
  const engine = loadEngine(K8S_FILES, [k8sSource()]);
  const events = auditEvents();
  let alertsPerPass = 0;
  for (const e of events) alertsPerPass += engine.matches('k8s_audit', e).length;
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    let n = 0;
    let sink = 0;
    // CPU time of this process, not wall time: the machine is shared, and the figure is per core.
    const cpu0 = process.cpuUsage();
    const cpuSeconds = (): number => {
      const d = process.cpuUsage(cpu0);
      return (d.user + d.system) / 1e6;
    };
    while (cpuSeconds() < seconds) {
      for (let k = 0; k < 20; k++) {
        for (let i = 0; i < events.length; i++) sink += engine.matches('k8s_audit', events[i]).length;
        n += events.length;
      }
    }
    rates.push(n / cpuSeconds());
    if (sink < 0) throw new Error('unreachable');
  }
  return { rate: median(rates), alertsPerPass, events: events.length };
}

const fmt = (x: number, digits = 1): string => x.toLocaleString('en-US', { maximumFractionDigits: digits });
const syscallMs = timeLoad(SYSCALL_FILES);
const k8sMs = timeLoad(K8S_FILES);
const heapMb = heapAfterLoading();
const evals = evaluationsPerSecond();
const loadLine = (t: { cpu: number; wall: number }): string =>
  `${fmt(t.cpu)} ms CPU, ${fmt(t.wall)} ms wall (medians of ${runs}; target < 300)`;
console.log(`load+compile falco_rules + incubating + sandbox: ${loadLine(syscallMs)}`);
console.log(`load+compile k8s_audit_rules.yaml:               ${loadLine(k8sMs)}`);
console.log(`heap after loading both:                         ${Number.isNaN(heapMb) ? 'n/a (run with --expose-gc)' : `${fmt(heapMb)} MB`} (target < 50)`);
console.log(
  `k8s audit rule-set evaluations:                  ${fmt(evals.rate, 0)} /s (median of ${runs} × ${seconds} s; ` +
    `${evals.events} events, ${evals.alertsPerPass} alerts per pass; target ≥ 1,000,000)`,
);
