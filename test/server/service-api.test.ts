import { afterEach, describe, expect, it } from 'vitest';
import { HttpSink } from '../peers/http-sink.js';
import { alert, startTestService, type TestService } from '../helpers/service.js';
import { waitUntil } from '../helpers/wait.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function sinkAndSaker(env: Record<string, string>, sinkSetup?: (s: HttpSink) => void): Promise<{ sink: HttpSink; saker: TestService }> {
  const sink = await HttpSink.start();
  sinkSetup?.(sink);
  cleanups.push(() => sink.close());
  const saker = await startTestService({ env: { WEBHOOK_ADDRESS: sink.url(), ...env } });
  cleanups.unshift(() => saker.stop());
  return { sink, saker };
}

describe('probes', () => {
  it('GET /ping answers pong and GET /healthz ok; after the queue closes /healthz and POST / answer 503', async () => {
    const { saker } = await sinkAndSaker({});
    const ping = await fetch(`${saker.url}/ping`);
    expect(ping.status).toBe(200);
    expect(await ping.text()).toBe('pong\n');
    const health = await fetch(`${saker.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });

    await saker.queue.close(0);
    const down = await fetch(`${saker.url}/healthz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'unavailable', reason: 'saker is shutting down' });
    const refused = await saker.post('/', alert());
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({ error: 'Service Unavailable', message: 'saker is shutting down; nothing was accepted, retry later' });
  });
});

describe('a full queue', () => {
  it('answers 503 — never 200 — when an output cannot keep up, and accepts again once it drains', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { sink, saker } = await sinkAndSaker({ QUEUE_CAPACITY: '3', WEBHOOK_CONCURRENCY: '1' }, (s) => {
      s.answers = [{ gate }];
    });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await saker.post('/', alert({ rule: `r${i}` }))).status);
    expect(statuses).toEqual([200, 200, 200]);
    const full = await saker.post('/', [alert({ rule: 'r3' })]);
    expect(full.status).toBe(503);
    expect(((await full.json()) as { message: string }).message).toBe(
      "the queue of output 'webhook' is full (3 of 3 alerts waiting or in delivery); nothing was accepted, retry later",
    );
    // A full queue refuses in bursts: the log says so when the reason is new, not once per request.
    for (let i = 0; i < 3; i++) expect((await saker.post('/', [alert({ rule: 'r4' })])).status).toBe(503);
    const refusals = saker.logs.filter((l) => l['msg'] === 'alerts refused: the queue cannot take them');
    expect(refusals.map((l) => l['refusedSinceLastLine'])).toEqual([0]);
    // A slow output is no reason to restart saker: the liveness probe stays green.
    const health = await fetch(`${saker.url}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    release();
    await sink.waitForAlerts(3);
    await waitUntil('an empty queue', async () => (await saker.queue.stats())['webhook']!.depth === 0);
    expect((await saker.post('/', alert({ rule: 'r4' }))).status).toBe(200);
    await sink.waitForAlerts(4);
    expect(sink.alerts.map((a) => a['rule'])).toEqual(['r0', 'r1', 'r2', 'r4']);
  });
});

describe('POST /test', () => {
  it('sends a test alert to every output, bypassing their filters', async () => {
    const { sink, saker } = await sinkAndSaker({ WEBHOOK_MINIMUMPRIORITY: 'critical', WEBHOOK_RULES_ALLOW: 'Only this' });
    const filtered = await saker.post('/', alert({ priority: 'Debug' }));
    expect(filtered.status).toBe(200);
    const res = await saker.post('/test', '');
    expect(await res.json()).toEqual({ accepted: 1, outputs: ['webhook'] });
    await sink.waitForAlerts(1);
    expect(sink.alerts).toHaveLength(1);
    expect(sink.alerts[0]).toMatchObject({ rule: 'Test rule', priority: 'Debug', output: 'This is a test from saker', tags: ['test', 'example'] });
  });
});

describe('per-output filters through the API', () => {
  it('delivers only what minimumpriority and the allow/deny lists let through', async () => {
    const { sink, saker } = await sinkAndSaker({
      WEBHOOK_MINIMUMPRIORITY: 'warning',
      WEBHOOK_TAGS_DENY: 'noisy',
      WEBHOOK_SOURCES_ALLOW: 'syscall,k8s_audit',
      WEBHOOK_BATCHSIZE: '100',
    });
    const res = await saker.post('/', [
      alert({ rule: 'warning', priority: 'Warning' }),
      alert({ rule: 'notice', priority: 'Notice' }),
      alert({ rule: 'critical-noisy', priority: 'Critical', tags: ['noisy'] }),
      alert({ rule: 'emergency-json', priority: 'Emergency', source: 'json' }),
      alert({ rule: 'error-k8s', priority: 'error', source: 'k8s_audit' }),
    ]);
    expect(await res.json()).toEqual({ accepted: 5 });
    await sink.waitForAlerts(2);
    await waitUntil('an empty queue', async () => (await saker.queue.stats())['webhook']!.depth === 0);
    expect(sink.alerts.map((a) => a['rule'])).toEqual(['warning', 'error-k8s']);
  });
});

// The dead letters live in the delivery thread when the embedded queue has one: the API must not notice.
describe.each(['false', 'true'])('/api/v1/dlq (queue.deliverythread: %s)', (deliveryThread) => {
  it('lists dead letters, retries them, and purges them', async () => {
    const { sink, saker } = await sinkAndSaker({ WEBHOOK_MAXATTEMPTS: '2', WEBHOOK_BACKOFF_INITIAL: '1ms', QUEUE_DELIVERYTHREAD: deliveryThread }, (s) => {
      s.fallback = { status: 400, body: 'schema mismatch' };
    });
    await saker.post('/', [alert({ rule: 'a' }), alert({ rule: 'b' }), alert({ rule: 'c' })]);
    await waitUntil('3 dead letters', async () => (await saker.queue.stats())['webhook']!.deadLetters === 3);

    const summary = await (await fetch(`${saker.url}/api/v1/dlq`)).json();
    expect(summary).toEqual({ outputs: { webhook: { depth: 0, deadLetters: 3 } } });
    const page = (await (await fetch(`${saker.url}/api/v1/dlq/webhook?limit=2`)).json()) as {
      total: number;
      deadLetters: Array<{ id: string; alert: { rule: string }; error: string; attempts: number }>;
    };
    expect(page.total).toBe(3);
    expect(page.deadLetters.map((d) => d.alert.rule)).toEqual(['a', 'b']);
    expect(page.deadLetters[0]).toMatchObject({ error: 'webhook answered HTTP 400: schema mismatch', attempts: 1, output: 'webhook' });
    // Dead letters are named by their alert's uuid.
    expect(page.deadLetters.map((d) => d.id)).toEqual(page.deadLetters.map((d) => (d.alert as unknown as { uuid: string }).uuid));

    sink.fallback = { status: 200 };
    const retried = await saker.post(`/api/v1/dlq/webhook/retry`, { ids: [page.deadLetters[1]!.id, 'no-such-id'] });
    expect(await retried.json()).toEqual({ retried: 1, notFound: ['no-such-id'] });
    await sink.waitForRequests(4);
    expect(sink.requests[3]!.json).toMatchObject({ rule: 'b' });

    const all = await saker.post(`/api/v1/dlq/webhook/retry`, { all: true });
    expect(await all.json()).toEqual({ retried: 2, notFound: [] });
    await sink.waitForRequests(6);
    const purge = await fetch(`${saker.url}/api/v1/dlq/webhook`, { method: 'DELETE' });
    expect(await purge.json()).toEqual({ purged: 0 });
    expect(await (await fetch(`${saker.url}/api/v1/dlq`)).json()).toEqual({ outputs: { webhook: { depth: 0, deadLetters: 0 } } });
  });

  it('answers 404 for an unknown output and 400 for a bad retry body or page', async () => {
    const { saker } = await sinkAndSaker({ QUEUE_DELIVERYTHREAD: deliveryThread });
    const missing = await fetch(`${saker.url}/api/v1/dlq/slack`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'Not Found', message: "no output 'slack'; outputs: webhook" });
    const bad = await saker.post('/api/v1/dlq/webhook/retry', { ids: 'all' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toBe('body: expected {"ids": ["<dead letter id>", …]} or {"all": true}');
    const page = await fetch(`${saker.url}/api/v1/dlq/webhook?offset=-1`);
    expect(page.status).toBe(400);
    expect(((await page.json()) as { message: string }).message).toBe("offset: expected a non-negative integer, got '-1'");
  });
});
