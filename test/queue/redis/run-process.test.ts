// `saker run` (a real child process) when Redis is down or hangs: it listens promptly and recovers by itself,
// stops within shutdowntimeout whatever Redis does, and logs each change of Redis' state once.

import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SakerProcess, falcoAlert } from '../../helpers/saker-process.js';
import { AlertSink } from '../../peers/alert-sink.js';
import { redisRestartSkipReason, startRedis, type RedisServer } from '../../peers/redis.js';

function sakerEnv(redis: RedisServer, sink: AlertSink, extra: Record<string, string> = {}): Record<string, string> {
  return {
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    WEBHOOK_ADDRESS: sink.url,
    WEBHOOK_BACKOFF_INITIAL: '100ms',
    WEBHOOK_BACKOFF_MAX: '500ms',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

function post(saker: SakerProcess, body: unknown): Promise<Response> {
  return fetch(`${saker.url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

function messages(saker: SakerProcess, pattern: RegExp): string[] {
  return saker.logs.map((l) => String(l.msg)).filter((m) => pattern.test(m));
}

describe.skipIf(redisRestartSkipReason)('saker run while Redis is down or hangs', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(redisOptions: Parameters<typeof startRedis>[0] = {}): Promise<{ redis: RedisServer; sink: AlertSink }> {
    const redis = await startRedis(redisOptions);
    cleanups.push(() => redis.close());
    const sink = await AlertSink.start();
    cleanups.push(() => sink.close());
    return { redis, sink };
  }

  it('listens promptly while Redis is down, answers 503 with the reason, and recovers by itself', async () => {
    const { redis, sink } = await setUp();
    await redis.stop();
    const saker = await SakerProcess.start(sakerEnv(redis, sink));
    cleanups.push(() => saker.kill());

    // From the first log line (modules loaded, configuration read) to listening: no long wait for Redis.
    const listening = await saker.waitForLog(/saker listening on/, 1000);
    expect(Number(listening.time) - Number(saker.logs[0]!.time)).toBeLessThan(3000);
    const health = await fetch(`${saker.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: 'unavailable', reason: 'redis unreachable' });
    const refused = await post(saker, falcoAlert(randomUUID(), 0));
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { message: string }).message).toMatch(/^Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable/);

    // Several reconnects fail meanwhile (every 100 ms, then less often): the outage is logged once.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const port = new URL(redis.url).port;
    expect(messages(saker, /Redis unreachable/)).toEqual([
      expect.stringMatching(new RegExp(`^Redis unreachable at 127\\.0\\.0\\.1:${port}: connect ECONNREFUSED .*; retrying`)),
    ]);

    await redis.start();
    const uuid = randomUUID();
    await expect.poll(async () => (await post(saker, falcoAlert(uuid, 1))).status, { timeout: 15_000, interval: 200 }).toBe(200);
    await sink.waitUntil(() => sink.accepted.has(uuid), 15_000, 'the alert accepted once Redis came up');
    expect((await fetch(`${saker.url}/healthz`)).status).toBe(200);
    expect(messages(saker, /Redis reachable again/)).toEqual([`Redis reachable again at 127.0.0.1:${port}`]);
  });

  for (const redisFails of ['killed', 'frozen'] as const) {
    it(`stops within shutdowntimeout when Redis is ${redisFails}, a delivery in flight`, async () => {
      const { redis, sink } = await setUp();
      sink.behaviour = () => ({ status: 200, delayMs: 20_000 });
      const saker = await SakerProcess.start(sakerEnv(redis, sink, { SHUTDOWNTIMEOUT: '2s' }));
      cleanups.push(() => saker.kill());
      expect((await post(saker, falcoAlert(randomUUID(), 0))).status).toBe(200);
      await sink.waitUntil(() => sink.inFlight > 0, 10_000, 'a delivery in flight');
      if (redisFails === 'killed') await redis.stop('SIGKILL');
      else redis.pause();

      const signalled = Date.now();
      expect(await saker.stop()).toBe(0);
      // Not a timing benchmark: the bound is loose, but well below what it took before (drain + 3 s, or forever).
      expect(Date.now() - signalled).toBeLessThan(2000 + 1500);
      expect(saker.unstructured).toEqual([]);
    });
  }

  it('exits cleanly on a SIGTERM that arrives while it starts', async () => {
    const { redis, sink } = await setUp();
    await redis.stop(); // start-up waits a little for Redis
    const saker = await SakerProcess.spawn(sakerEnv(redis, sink));
    cleanups.push(() => saker.kill());
    await saker.waitForLog(/output 'webhook' enabled/, 20_000);
    expect(await saker.stop()).toBe(0);
    expect(messages(saker, /SIGTERM/)).toEqual(['SIGTERM during start-up: shutting down']);
    expect(saker.unstructured).toEqual([]);
  });

  it('logs a Redis outage once as it starts and once as it ends, its durability warnings once, and nothing unstructured', async () => {
    const { redis, sink } = await setUp({ config: { 'maxmemory-policy': 'allkeys-lru' } });
    const saker = await SakerProcess.start(sakerEnv(redis, sink));
    cleanups.push(() => saker.kill());
    expect((await post(saker, falcoAlert(randomUUID(), 0))).status).toBe(200);

    await redis.stop();
    await expect.poll(async () => (await fetch(`${saker.url}/healthz`)).status, { timeout: 10_000 }).toBe(503);
    for (let i = 1; i <= 5; i++) expect((await post(saker, falcoAlert(randomUUID(), i))).status).toBe(503);
    // Reconnects fail meanwhile (every 100 ms, then less often).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await redis.start();
    const uuid = randomUUID();
    await expect.poll(async () => (await post(saker, falcoAlert(uuid, 6))).status, { timeout: 15_000, interval: 200 }).toBe(200);
    await sink.waitUntil(() => sink.accepted.has(uuid), 15_000, 'the alert accepted after the outage');

    const port = new URL(redis.url).port;
    expect(messages(saker, /^Redis (unreachable|reachable)/)).toEqual([
      `Redis unreachable at 127.0.0.1:${port}: connection lost; retrying (alerts get 503 meanwhile)`,
      `Redis reachable again at 127.0.0.1:${port}`,
    ]);
    // Checked again after the reconnection, not repeated.
    expect(messages(saker, /^Redis may lose acknowledged alerts/)).toEqual([
      expect.stringMatching(/^Redis may lose acknowledged alerts: maxmemory-policy is allkeys-lru/),
      expect.stringMatching(/^Redis may lose acknowledged alerts: persistence is off/),
    ]);
    expect(messages(saker, /alerts refused/).length).toBeLessThanOrEqual(2);
    // BullMQ's own console warning about the eviction policy, as one structured line.
    expect(saker.logs.filter((l) => l.component === 'library').map((l) => l.msg)).toEqual([expect.stringMatching(/Eviction policy is allkeys-lru/)]);
    expect(saker.unstructured).toEqual([]);
    expect(saker.stdout).toBe('');
  });
});
