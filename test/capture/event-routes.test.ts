// POST /k8s-audit and POST /events/json through a running saker (the same composition root as `saker
// run`), with rules from a file, delivering to a real local HTTP receiver.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { HttpSink } from '../peers/http-sink.js';
import { startTestService, type TestService } from '../helpers/service.js';
import { auditJson } from './k8saudit-events.js';

const dir = mkdtempSync(join(tmpdir(), 'saker-routes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RULES = join(dir, 'rules.yaml');
writeFileSync(
  RULES,
  `
- rule: Pod exec
  desc: someone ran kubectl exec
  condition: ka.target.resource = pods and ka.target.subresource = exec
  output: exec into %ka.target.name by %ka.user.name in cluster %ka.cluster.name
  priority: NOTICE
  source: k8s_audit
  tags: [k8s]
- rule: Payment refused
  desc: a JSON event from the payment service
  condition: json.value[/service] = payments and json.value[/status] = refused
  output: payment %json.value[/id] refused
  priority: WARNING
  source: json
`,
);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function startWith(env: Record<string, string> = {}): Promise<{ sink: HttpSink; saker: TestService }> {
  const sink = await HttpSink.start();
  cleanups.push(() => sink.close());
  const saker = await startTestService({ env: { WEBHOOK_ADDRESS: sink.url(), RULES_FILES: RULES, RULES_WATCH: 'false', ...env } });
  cleanups.unshift(() => saker.stop());
  return { sink, saker };
}

const exec = (name: string, overrides: Record<string, unknown> = {}) =>
  auditJson({ objectRef: { resource: 'pods', subresource: 'exec', namespace: 'd', name }, ...overrides });

// The same answers whether bodies are evaluated in the evaluation threads or on the main thread.
describe.each([
  { where: 'in two evaluation threads', threads: '2' },
  { where: 'on the main thread', threads: '0' },
])('POST /k8s-audit, evaluated $where', ({ threads }) => {
  const start = (env: Record<string, string> = {}) => startWith({ K8SAUDIT_THREADS: threads, ...env });

  it('takes an EventList as the API server batches it, and alerts go through the router to the outputs', async () => {
    const { sink, saker } = await start();
    const list = { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: [exec('a'), auditJson(), exec('b')] };
    const res = await saker.post('/k8s-audit?cluster=prod-eu', list);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 3, rejected: 0, alerts: 2 });
    await sink.waitForAlerts(2);
    expect(sink.alerts.map((a) => a['output'])).toEqual([
      expect.stringMatching(/: Notice exec into a by alice in cluster prod-eu$/),
      expect.stringMatching(/: Notice exec into b by alice in cluster prod-eu$/),
    ]);
    expect(sink.alerts[0]).toMatchObject({ rule: 'Pod exec', source: 'k8s_audit', time: '2026-11-29T01:02:03.123456000Z' });
  });

  it('takes a single Event and a JSON array, v1beta1 and without apiVersion', async () => {
    const { sink, saker } = await start({ K8SAUDIT_CLUSTERNAME: 'lab' });
    expect(await (await saker.post('/k8s-audit', exec('one', { apiVersion: 'audit.k8s.io/v1beta1', user: { username: 'zoë' } }))).json()).toMatchObject({ accepted: 1, alerts: 1 });
    expect(await (await saker.post('/k8s-audit', [exec('two', { apiVersion: undefined }), exec('three')])).json()).toMatchObject({ accepted: 2, alerts: 2 });
    await sink.waitForAlerts(3);
    expect(sink.alerts[0]!['output']).toMatch(/exec into one by zoë in cluster lab$/);
  });

  it('reports unusable events with their JSON path and reason, in the answer and the log, while the rest go on', async () => {
    const { sink, saker } = await start({ K8SAUDIT_MAXEVENTBYTES: '4096' });
    const huge = exec('huge', { requestObject: { blob: 'x'.repeat(5000) } });
    const list = { kind: 'EventList', items: [exec('ok'), exec('nots', { stageTimestamp: undefined }), huge] };
    const res = await saker.post('/k8s-audit', list);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ accepted: 1, rejected: 2, alerts: 1 });
    expect(body['problems']).toEqual([
      { where: '$.items[1]', reason: 'stageTimestamp is missing' },
      { where: '$.items[2]', reason: expect.stringMatching(/^event is \d+ bytes, over the limit of 4096 bytes per event$/) },
    ]);
    const metrics = await (await fetch(`${saker.url}/metrics`)).text();
    expect(metrics).toContain('saker_events_total{source="k8s_audit",status="accepted"} 1');
    expect(metrics).toContain('saker_events_total{source="k8s_audit",status="rejected"} 2');
    expect(metrics).toContain('saker_inputs_total{source="k8s_audit",status="accepted"} 1');
    expect(saker.logs.some((l) => String(l['msg']).includes('POST /k8s-audit: 2 unusable event(s), first: $.items[1]: stageTimestamp is missing'))).toBe(true);
    await sink.waitForAlerts(1);
  });

  it('answers 400 when no event is usable, 413 over the body limit, 415 for other content types', async () => {
    const { saker } = await start({ K8SAUDIT_MAXBODYBYTES: '2048' });
    const none = await saker.post('/k8s-audit', { kind: 'EventList', items: [{ kind: 'Event' }] });
    expect(none.status).toBe(400);
    expect(await none.json()).toMatchObject({ error: 'Bad Request', message: 'no usable event: $.items[0]: auditID is missing', accepted: 0, rejected: 1 });
    const notAudit = await saker.post('/k8s-audit', { kind: 'Event', apiVersion: 'v1', involvedObject: {} });
    expect(((await notAudit.json()) as { message: string }).message).toMatch(/apiVersion 'v1' is not audit.k8s.io/);
    expect((await saker.post('/k8s-audit', { kind: 'EventList', items: [exec('x', { pad: 'y'.repeat(3000) })] })).status).toBe(413);
    expect((await saker.post('/k8s-audit', 'hello', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await saker.post('/k8s-audit', '')).status).toBe(400);
    expect(await (await saker.post('/k8s-audit', ' \n')).json()).toMatchObject({ message: 'body: expected a Kubernetes audit EventList, an Event, or a JSON array of them' });
    const invalid = await saker.post('/k8s-audit', '{"kind":"EventList","items":[}');
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: 'Bad Request', message: expect.stringMatching(/^body: invalid JSON: Unexpected token/) });
  });

  it('is off when disabled, or when k8s_audit is not among the rule sources', async () => {
    const { saker } = await start({ K8SAUDIT_ENABLED: 'false' });
    expect((await saker.post('/k8s-audit', exec('x'))).status).toBe(404);
    const { saker: other } = await start({ RULES_SOURCES: 'json' });
    expect((await other.post('/k8s-audit', exec('x'))).status).toBe(404);
    expect((await other.post('/events/json', { service: 'payments', status: 'refused', id: 1 })).status).toBe(200);
  });
});

describe('POST /events/json', () => {
  const start = startWith;
  it('evaluates one object or an array of events with json.* fields', async () => {
    const { sink, saker } = await start();
    const one = await saker.post('/events/json', { service: 'payments', status: 'refused', id: 'p-1' });
    expect(await one.json()).toEqual({ accepted: 1, rejected: 0, alerts: 1 });
    const many = await saker.post('/events/json', [{ service: 'payments', status: 'ok', id: 'p-2' }, { service: 'payments', status: 'refused', id: 'p-3' }, 7]);
    expect(await many.json()).toEqual({
      accepted: 2,
      rejected: 1,
      alerts: 1,
      problems: [{ where: '$[2]', reason: 'a JSON event must be an object or an array, not number' }],
    });
    await sink.waitForAlerts(2);
    expect(sink.alerts.map((a) => a['output'])).toEqual([expect.stringMatching(/: Warning payment p-1 refused$/), expect.stringMatching(/: Warning payment p-3 refused$/)]);
    expect(sink.alerts[0]).toMatchObject({ source: 'json', rule: 'Payment refused' });
  });
});
