// Section `k8s_audit`: the corpus audit events (k8s_audit/samples, from Falco's own tests) replayed through
// the upstream k8s_audit_rules.yaml: they parse, evaluate without throwing, fire the rules they were made
// for, and every field the rules use extracts what the event holds — checked against a plain restatement
// of where each field reads (the oracle below), written apart from the extractors.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsonIndexer } from '../../capture/json/indexer.js';
import { indexedAuditEvent } from '../../capture/k8saudit/parse.js';
import { GUESSED_FIELDS } from '../../capture/k8saudit/fields.js';
import { k8sAuditSource } from '../../capture/k8saudit/source.js';
import type { K8sAuditEvent } from '../../capture/k8saudit/event.js';
import { sourceDefinitions } from '../../capture/sources.js';
import { Engine } from '../../src/engine/engine.js';
import { formatLoadMessage } from '../../src/engine/loader/results.js';
import { tally, type SectionResult } from './section.js';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Oracle = (o: Raw, arg: string | undefined) => unknown;

const text = (v: unknown): string | undefined => (v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v));
const list = (v: unknown[] | undefined): string[] | undefined => (v && v.length > 0 ? v.map((x) => text(x)!) : undefined);
const containers = (o: Raw, key: string): Raw[] | undefined => o.requestObject?.spec?.[key];
const repository = (image: string): string => image.split(':')[0]!.split('@')[0]!;
const privileged = (key: string): Oracle => (o) =>
  list(containers(o, key)?.filter((c) => c.securityContext?.privileged !== undefined).map((c) => c.securityContext.privileged));

/** Where each field the upstream rules use reads, said plainly. */
const ORACLE: Record<string, Oracle> = {
  'ka.auditid': (o) => o.auditID,
  'ka.stage': (o) => o.stage,
  'ka.verb': (o) => o.verb,
  'ka.uri': (o) => o.requestURI,
  'ka.uri.param': (o, arg) => new URL(o.requestURI, 'http://apiserver').searchParams.get(arg!) ?? undefined,
  'ka.user.name': (o) => o.user?.username,
  'ka.user.groups': (o) => list(o.user?.groups),
  'ka.target.name': (o) => text(o.objectRef?.name),
  'ka.target.namespace': (o) => text(o.objectRef?.namespace),
  'ka.target.resource': (o) => text(o.objectRef?.resource),
  'ka.target.subresource': (o) => text(o.objectRef?.subresource),
  'ka.auth.decision': (o) => o.annotations?.['authorization.k8s.io/decision'],
  'ka.auth.reason': (o) => o.annotations?.['authorization.k8s.io/reason'],
  'ka.response.code': (o) => text(o.responseStatus?.code),
  'ka.response.reason': (o) => text(o.responseStatus?.reason),
  'ka.resp.name': (o) => text(o.responseObject?.metadata?.name),
  'ka.useragent': (o) => o.userAgent,
  'ka.req.configmap.name': (o) => text(o.objectRef?.name),
  'ka.req.configmap.obj': (o) => text(o.requestObject?.data),
  'ka.req.binding.role': (o) => text(o.requestObject?.roleRef?.name),
  'ka.req.binding.subjects': (o) => list(o.requestObject?.subjects),
  'ka.req.role.rules': (o) => list(o.requestObject?.rules),
  'ka.req.role.rules.verbs': (o) => list(o.requestObject?.rules?.flatMap((r: Raw) => r.verbs ?? [])),
  'ka.req.role.rules.resources': (o) => list(o.requestObject?.rules?.flatMap((r: Raw) => r.resources ?? [])),
  'ka.req.service.type': (o) => text(o.requestObject?.spec?.type),
  'ka.req.service.ports': (o) => (o.requestObject?.spec?.ports ? [text(o.requestObject.spec.ports)] : undefined),
  'ka.req.pod.host_network': (o) => text(o.requestObject?.spec?.hostNetwork),
  'ka.req.pod.host_pid': (o) => text(o.requestObject?.spec?.hostPID),
  'ka.req.pod.host_ipc': (o) => text(o.requestObject?.spec?.hostIPC),
  'ka.req.pod.containers.image': (o) => list(containers(o, 'containers')?.map((c) => c.image)),
  'ka.req.pod.containers.image.repository': (o) => list(containers(o, 'containers')?.map((c) => repository(c.image))),
  'ka.req.pod.initContainers.image': (o) => list(containers(o, 'initContainers')?.map((c) => c.image)),
  'ka.req.pod.ephemeralContainers.image': (o) => list(containers(o, 'ephemeralContainers')?.map((c) => c.image)),
  'ka.req.pod.containers.privileged': privileged('containers'),
  'ka.req.pod.initContainers.privileged': privileged('initContainers'),
  'ka.req.pod.ephemeralContainers.privileged': privileged('ephemeralContainers'),
  'ka.req.pod.volumes.hostpath': (o) => list(o.requestObject?.spec?.volumes?.filter((v: Raw) => v.hostPath).map((v: Raw) => v.hostPath.path)),
  'jevt.value': (o, arg) => text(arg!.slice(1).split('/').reduce<unknown>((v, k) => (v as Raw | undefined)?.[k.replaceAll('~1', '/').replaceAll('~0', '~')], o)),
  'jevt.obj': (o) => JSON.stringify(o, null, 2),
  'jevt.rawtime': (o) => {
    const [, whole, fraction = ''] = /^(.*?)(?:\.(\d+))?Z$/.exec(o.stageTimestamp)!;
    return String(BigInt(Date.parse(`${whole}Z`)) * 1_000_000n + BigInt(fraction.padEnd(9, '0')));
  },
};

/** The samples made for one upstream rule (Falco's PSP test trace files). */
const MADE_FOR: Record<string, string> = {
  'privileged.json': 'Create Privileged Pod',
  'host_network.json': 'Create HostNetwork Pod',
  'host_network_ports.json': 'Create HostNetwork Pod',
  'host_pid.json': 'Create HostPid Pod',
  'host_ipc.json': 'Create HostIPC Pod',
  'mount_etc_using_host_path.json': 'Create Sensitive Mount Pod',
};

/** Fields (with their argument) named in the rules' conditions and outputs. */
function usedFields(rulesText: string): string[] {
  const found = new Set<string>();
  for (const m of rulesText.matchAll(/\b((?:ka|jevt|json)\.[A-Za-z_.]*[A-Za-z_])(\[[^\]\s]*\])?/g)) found.add(m[1]! + (m[2] ?? ''));
  return [...found].sort();
}

export async function run(corpus: string): Promise<SectionResult> {
  const failures: string[] = [];
  const dir = join(corpus, 'k8s_audit', 'samples');
  const rulesPath = join(corpus, 'rules', 'upstream', 'k8s_audit_rules.yaml');
  const samples = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8').trim() }));

  const events = new Map<string, K8sAuditEvent>();
  const rows = [
    tally('samples parse as audit events (v1, v1beta1, no apiVersion)', samples, (s) => {
      // As replay reads a line of an audit log: indexed, its members parsed as fields ask for them.
      const doc = new JsonIndexer(s.text).index(0, s.text.length, 2);
      if (!doc) return `${s.name}: the indexer refused it`;
      const parsed = indexedAuditEvent(doc, { maxEventBytes: 256 * 1024 }, s.text);
      if (!parsed.ok) return `${s.name}: ${parsed.reason}`;
      events.set(s.name, parsed.event);
      return undefined;
    }, failures),
  ];

  const engine = new Engine({ sources: sourceDefinitions(), match: 'all' });
  const loaded = engine.loadFiles([rulesPath]);
  rows.push(tally('k8s_audit_rules.yaml loads without errors', loaded, (r) => (r.ok ? undefined : r.errors.map(formatLoadMessage).join('; ')), failures));

  const fired = new Map<string, string[]>();
  rows.push(
    tally('samples evaluate through every rule without throwing', samples, (s) => {
      fired.set(s.name, engine.evaluate('k8s_audit', events.get(s.name)).map((a) => a.rule));
      return undefined;
    }, failures),
  );
  rows.push(
    tally('samples fire the upstream rule they were made for', Object.entries(MADE_FOR), ([name, rule]) =>
      fired.get(name)?.includes(rule) ? undefined : `${name}: fired ${JSON.stringify(fired.get(name))}, expected '${rule}'`, failures),
  );

  const source = k8sAuditSource();
  const fields = usedFields(readFileSync(rulesPath, 'utf8'));
  const pairs = fields.flatMap((field) => samples.map((s) => ({ field, sample: s })));
  rows.push(
    tally('fields the rules use extract what each sample holds', pairs, ({ field, sample }) => {
      const bracket = field.indexOf('[');
      const name = bracket < 0 ? field : field.slice(0, bracket);
      const arg = bracket < 0 ? undefined : field.slice(bracket + 1, -1);
      const oracle = ORACLE[name];
      if (!oracle) return `${field}: no oracle entry`;
      const def = source.fields.find((f) => f.name === name);
      if (!def?.extractor) return `${field}: no extractor`;
      const got = def.extractor(arg)(events.get(sample.name)!);
      const expected = oracle(JSON.parse(sample.text) as Raw, arg);
      return JSON.stringify(got) === JSON.stringify(expected) ? undefined : `${sample.name} ${field}: got ${JSON.stringify(got)}, event holds ${JSON.stringify(expected)}`;
    }, failures, `${fields.length} fields × ${samples.length} samples`),
  );
  const used = new Set(fields.map((f) => f.replace(/\[.*$/, '')));
  const guessedUsed = GUESSED_FIELDS.filter((f) => used.has(f));
  rows.push({
    check: 'fields with guessed semantics (README: Kubernetes audit events)',
    passed: GUESSED_FIELDS.length,
    total: GUESSED_FIELDS.length,
    note: `${guessedUsed.length} used by the upstream rules: ${guessedUsed.join(', ')}`,
  });
  return { section: 'k8s_audit', rows, failures };
}
