import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Output } from '../../outputs/output.js';
import type { Alert } from '../../src/alert.js';
import { filterSpec } from '../../src/config/output-keys.js';
import { EmbeddedQueue } from '../../src/queue/embedded.js';
import { QueueUnavailableError } from '../../src/queue/queue.js';
import { compileFilter } from '../../src/router/filter.js';
import { Router } from '../../src/router/router.js';

function anAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    uuid: 'u', time: '2026-11-29T00:00:00Z', rule: 'Shell', priority: 'Warning', source: 'syscall',
    output: '', output_fields: { a: 1 }, tags: ['container'], hostname: 'h', ...overrides,
  };
}

describe('output filters', () => {
  const spec = (values: Record<string, unknown>) => filterSpec({ 'rules.allow': [], 'rules.deny': [], 'tags.allow': [], 'tags.deny': [], 'sources.allow': [], 'sources.deny': [], ...values });

  it('are absent when nothing is configured, so the router can skip them', () => {
    expect(compileFilter(spec({}))).toBeNull();
  });

  it('apply minimumpriority inclusively', () => {
    const f = compileFilter(spec({ minimumpriority: 'Warning' }))!;
    expect(f(anAlert({ priority: 'Warning' }))).toBe(true);
    expect(f(anAlert({ priority: 'Emergency' }))).toBe(true);
    expect(f(anAlert({ priority: 'Notice' }))).toBe(false);
  });

  it('allow and deny rules, tags and sources; deny wins', () => {
    const f = compileFilter(spec({ 'rules.allow': ['Shell', 'Read shadow'], 'tags.deny': ['noisy'], 'sources.deny': ['json'], 'tags.allow': ['container', 'host'] }))!;
    expect(f(anAlert())).toBe(true);
    expect(f(anAlert({ rule: 'Other' }))).toBe(false);
    expect(f(anAlert({ tags: ['container', 'noisy'] }))).toBe(false);
    expect(f(anAlert({ tags: ['k8s'] }))).toBe(false);
    expect(f(anAlert({ tags: [] }))).toBe(false);
    expect(f(anAlert({ source: 'json' }))).toBe(false);
    const sources = compileFilter(spec({ 'sources.allow': ['k8s_audit'] }))!;
    expect(sources(anAlert())).toBe(false);
    expect(sources(anAlert({ source: 'k8s_audit' }))).toBe(true);
    const rules = compileFilter(spec({ 'rules.deny': ['Shell'] }))!;
    expect(rules(anAlert())).toBe(false);
  });
});

class Collect implements Output {
  readonly maxBatch = 100;
  readonly got: Alert[] = [];
  constructor(readonly name: string) {}
  async send(alerts: Alert[]): Promise<void> {
    this.got.push(...alerts);
  }
  async close(): Promise<void> {}
}

async function routerWith(enrichment: { customFields?: Record<string, string>; customTags?: string[] } = {}) {
  const all = new Collect('all');
  const critical = new Collect('critical');
  const queue = new EmbeddedQueue({ capacity: 2, deadLetterLimit: 10, logger: pino({ level: 'silent' }) });
  const policy = { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 1000, concurrency: 1 };
  await queue.start([{ output: all, policy }, { output: critical, policy }]);
  const router = new Router(
    queue,
    [
      { name: 'all', filter: null },
      { name: 'critical', filter: (a) => a.priority === 'Critical' },
    ],
    { customFields: enrichment.customFields ?? {}, customTags: enrichment.customTags ?? [], hostname: 'saker-host' },
  );
  return { router, queue, all, critical };
}

describe('Router', () => {
  it('enriches each alert, without touching shared field or tag objects', async () => {
    const { router, queue, all } = await routerWith({ customFields: { cluster: 'eu', a: 'replaced' }, customTags: ['container', 'prod'] });
    const sharedTags = ['container'];
    const sharedFields = { a: 1 };
    await router.route([anAlert({ hostname: '', tags: sharedTags, output_fields: sharedFields })]);
    await queue.close(1000);
    expect(all.got[0]).toMatchObject({ hostname: 'saker-host', tags: ['container', 'prod'], output_fields: { a: 'replaced', cluster: 'eu' } });
    expect(sharedTags).toEqual(['container']);
    expect(sharedFields).toEqual({ a: 1 });
  });

  it('fans out to the outputs whose filters accept each alert', async () => {
    const { router, queue, all, critical } = await routerWith();
    await router.route([anAlert({ uuid: '1' }), anAlert({ uuid: '2', priority: 'Critical' })]);
    await queue.close(1000);
    expect(all.got.map((a) => a.uuid)).toEqual(['1', '2']);
    expect(critical.got.map((a) => a.uuid)).toEqual(['2']);
  });

  it('rejects with QueueUnavailableError when the queue cannot take the alerts', async () => {
    const { router, queue } = await routerWith();
    await expect(router.route([anAlert(), anAlert(), anAlert()])).rejects.toBeInstanceOf(QueueUnavailableError);
    await queue.close(0);
  });

  it('sends the test alert to every output regardless of filters', async () => {
    const { router, queue, all, critical } = await routerWith();
    expect(await router.routeToAll(anAlert({ priority: 'Debug' }))).toEqual(['all', 'critical']);
    await queue.close(1000);
    expect(all.got).toHaveLength(1);
    expect(critical.got).toHaveLength(1);
  });
});
