// Audit events read from indexed text (how replay and POST /k8s-audit take them) must extract every field
// exactly as events parsed whole do: same values, same missing fields, same rejections.

import { describe, expect, it } from 'vitest';
import { indexDocument, JsonIndexer } from '../../capture/json/indexer.js';
import { jsonExtractors } from '../../capture/json/fields.js';
import type { K8sAuditEvent } from '../../capture/k8saudit/event.js';
import { k8sAuditExtractors } from '../../capture/k8saudit/fields.js';
import { auditEvent, auditPayload, indexedAuditEvent, indexedAuditPayload } from '../../capture/k8saudit/parse.js';
import { auditJson } from './k8saudit-events.js';
import { CORPUS_ABSENT, hasSamples, k8sSamples } from './corpus.js';

const opts = { maxEventBytes: 256 * 1024 };

function eager(text: string): K8sAuditEvent {
  const parsed = auditEvent(JSON.parse(text), opts, text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.event;
}

function indexed(text: string): K8sAuditEvent {
  const doc = new JsonIndexer(text).index(0, text.length, 2);
  if (!doc) throw new Error(`not indexed: ${text}`);
  const parsed = indexedAuditEvent(doc, opts, text);
  if (!parsed.ok) throw new Error(parsed.reason);
  expect(parsed.event.doc).toBe(doc);
  return parsed.event;
}

/** Arguments worth trying for each field that takes one. */
const ARGS: Record<string, Array<string | undefined>> = {
  'ka.uri.param': ['watch', 'command', 'x'],
  'ka.req.volume.hostpath': ['/etc', '/var/run/docker.sock', '/proc*'],
  'ka.req.binding.subject.has_name': ['alice'],
  'jevt.value': ['/stage', '/objectRef/resource', '/requestObject/spec/containers/0/image', '/requestObject/spec', '/a~1b', '/user/groups/1', '/sourceIPs/0', '/', '/annotations/authorization.k8s.io~1reason', '/nothing/here'],
  'json.value': ['/verb', '/responseStatus/code', '/requestObject'],
};
const INDEXED_ARGS = [undefined, '0', '1', '5'];

function argsOf(field: string): Array<string | undefined> {
  if (ARGS[field]) return ARGS[field]!;
  if (/^ka\.(req\.pod\.(containers|initContainers|ephemeralContainers|volumes)|req\.role\.rules|req\.binding\.subjects|user\.groups|sourceips|req\.service\.ports)/.test(field)) return INDEXED_ARGS;
  return [undefined];
}

const FIELDS = { ...k8sAuditExtractors, ...jsonExtractors };

function expectSameFields(text: string): number {
  const a = eager(text);
  const b = indexed(text);
  let compared = 0;
  for (const [field, factory] of Object.entries(FIELDS)) {
    for (const arg of argsOf(field)) {
      let extract;
      try {
        extract = factory(arg);
      } catch {
        continue; // an argument this field does not take
      }
      expect(extract(b), `${field}[${arg ?? ''}]`).toStrictEqual(extract(a));
      compared++;
    }
  }
  expect(b.value).toStrictEqual(a.value);
  expect(b.time).toBe(a.time);
  expect(b.text).toBe(a.text);
  return compared;
}

const pod = (spec: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify(auditJson({ requestObject: { kind: 'Pod', metadata: { name: 'web' }, spec }, responseObject: { metadata: { name: 'web-1' } }, ...extra }));

describe('audit events read from indexed text', () => {
  it.skipIf(!hasSamples)(`extract every field as events parsed whole do, on the corpus samples ${hasSamples ? '' : CORPUS_ABSENT}`, () => {
    let compared = 0;
    for (const s of k8sSamples()) compared += expectSameFields(s.text);
    expect(compared).toBeGreaterThan(32 * 100);
  });

  it('extract every field as events parsed whole do, on events shaped to find differences', () => {
    const texts = [
      pod({
        hostNetwork: true,
        containers: [
          { name: 'a', image: 'reg:5000/app:1@sha256:x', securityContext: { privileged: true, capabilities: { add: ['NET_ADMIN'] }, runAsUser: 0 }, ports: [{ containerPort: 80, hostPort: 8080 }] },
          { name: 'b', image: 'nginx', command: ['sh', '-c', 'echo "hi" \\ there'], securityContext: { privileged: false } },
        ],
        initContainers: [{ image: 'busybox', securityContext: { privileged: true } }],
        volumes: [{ name: 'h', hostPath: { path: '/etc' } }, { name: 's', secret: { secretName: 'x' } }, { name: 'f', flexVolume: { driver: 'd' } }],
        securityContext: { runAsUser: 1000, runAsGroup: 30, fsGroup: 2, supplementalGroups: [10, 20] },
      }),
      pod('not an object'),
      pod({ containers: 'not a list', volumes: [null, 1, 'x'] }),
      pod({ containers: [{ image: 'a' }, { name: 'no image' }] }),
      pod(null, { requestURI: '/api/v1/namespaces/default/pods/x/exec?command=sh&command=-c&stdin=true' }),
      JSON.stringify(auditJson({ requestObject: { kind: 'ClusterRoleBinding', roleRef: { name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'bob' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }, { kind: 'Group', name: 'g' }] } })),
      JSON.stringify(auditJson({ requestObject: { rules: [{ verbs: ['get', '*'], resources: ['pods'], apiGroups: [''] }, { nonResourceURLs: ['/x'] }] } })),
      JSON.stringify(auditJson({ requestObject: { data: { 'key "quoted"': 'v\\', n: 2 }, spec: { type: 'NodePort', ports: [{ port: 1 }] } } })),
      JSON.stringify(auditJson({ objectRef: ['not', 'an', 'object'], user: 'alice', annotations: null, sourceIPs: '10.0.0.1' })),
      JSON.stringify(auditJson({ objectRef: { resource: 'pods', name: 'p', subresource: null }, responseStatus: { code: 403.0, reason: 'Forbidden' }, 'a/b': 'slash key' })),
      JSON.stringify(auditJson({ annotations: { 'authorization.k8s.io/reason': 'RBAC: allowed by "x" \u00e9 \ud83d\ude00 \u2028' } })),
      // Duplicate keys: JSON.parse keeps the last, at the top level and below.
      JSON.stringify(auditJson()).replace('"verb":"create"', '"verb":"create","verb":"delete"').replace('"resource":"pods"', '"resource":"pods","resource":"secrets"'),
      JSON.stringify(auditJson()).replace('"objectRef":{', '"objectRef":{"resource":"configmaps"},"objectRef":{'),
      // Escapes in keys and values.
      JSON.stringify(auditJson()).replace('"verb":"create"', '"\\u0076erb":"\\u0063reate"').replace('"stage":', '"st\\u0061ge":'),
      // Spacing JSON allows and the indexer reads.
      JSON.stringify(auditJson()).replaceAll('":', '" : ').replaceAll(',"', ' , "').replaceAll('{', '{ ').replaceAll('}', ' }'),
      JSON.stringify({ auditID: 'x', stageTimestamp: '2026-01-01T00:00:00Z' }),
    ];
    let compared = 0;
    for (const text of texts) compared += expectSameFields(text);
    expect(compared).toBeGreaterThan(texts.length * 100);
  });

  it('are refused for the same reasons', () => {
    for (const value of [
      auditJson({ stageTimestamp: undefined }),
      auditJson({ stageTimestamp: 12 }),
      auditJson({ stageTimestamp: 'yesterday' }),
      auditJson({ auditID: undefined }),
      auditJson({ kind: 'Pod' }),
      auditJson({ apiVersion: 'v1' }),
      auditJson({ requestObject: { big: 'x'.repeat(300 * 1024) } }),
    ]) {
      const text = JSON.stringify(value);
      const a = auditEvent(value, opts, text);
      const doc = new JsonIndexer(text).index(0, text.length, 2)!;
      expect(indexedAuditEvent(doc, opts, text)).toStrictEqual(a);
      // Without the text (a request body), the size is that of the re-serialized event, as before.
      expect(indexedAuditEvent(doc, opts)).toStrictEqual(auditEvent(value, opts));
    }
  });

  it('measure events of a request body as re-serialized JSON, as events parsed whole', () => {
    // 1e5 is 3 characters of text and 6 when re-serialized: a bound on the text alone would be wrong.
    const numbers = Array.from({ length: 3000 }, () => '1e5').join(',');
    const text = `{"auditID":"x","stageTimestamp":"2026-01-01T00:00:00Z","n":[${numbers}]}`;
    const limit = { maxEventBytes: 16 * 1024 };
    const doc = new JsonIndexer(text).index(0, text.length, 2)!;
    const expected = auditEvent(JSON.parse(text), limit);
    expect(expected.ok).toBe(false);
    expect(indexedAuditEvent(doc, limit)).toStrictEqual(expected);
  });

  it('batch as auditPayload does: EventLists, arrays, single events, and the JSON paths of unusable items', () => {
    const good = auditJson();
    for (const payload of [
      { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [good, auditJson({ stageTimestamp: undefined }), 'text', [good], auditJson({ verb: 'get' })] },
      { kind: 'EventList', items: 'nope' },
      { kind: 'EventList' },
      [good, { kind: 'EventList', items: [good, 1] }, [good, null]],
      good,
      auditJson({ kind: 'Pod' }),
    ]) {
      const text = JSON.stringify(payload);
      const expected = auditPayload(payload, opts);
      const doc = indexDocument(text, Buffer.from(text), 4)!;
      const got = indexedAuditPayload(doc, opts);
      expect(got.rejected).toStrictEqual(expected.rejected);
      expect(got.events.map((e) => e.value)).toStrictEqual(expected.events.map((e) => e.value));
      expect(got.events.map((e) => e.text)).toStrictEqual(expected.events.map((e) => e.text));
    }
  });
});
