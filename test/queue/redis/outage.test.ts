// When Redis is down, frozen, full or configured to lose data: enqueue fails fast with
// QueueUnavailableError (HTTP 503), health says why, start-up warns, and everything recovers by itself.

import { afterEach, describe, expect, it } from 'vitest';
import { QueueUnavailableError } from '../../../src/queue/queue.js';
import type { RedisQueue } from '../../../src/queue/redis/redis-queue.js';
import { AlertSink } from '../../peers/alert-sink.js';
import { redisRestartSkipReason, startRedis, type RedisServer } from '../../peers/redis.js';
import { SinkOutput, testAlert } from '../../peers/sink-output.js';
import { fastPolicy, memoryLogger, startQueue } from './helpers.js';

describe.skipIf(redisRestartSkipReason)('RedisQueue when Redis fails', () => {
  let redis: RedisServer | undefined;
  let sink: AlertSink | undefined;
  let queue: RedisQueue | undefined;

  afterEach(async () => {
    redis?.resume();
    await queue?.close(500);
    await sink?.close();
    await redis?.close();
    queue = undefined;
    sink = undefined;
    redis = undefined;
  });

  async function timed<T>(promise: Promise<T>): Promise<{ ms: number; error: unknown }> {
    const started = Date.now();
    try {
      await promise;
      return { ms: Date.now() - started, error: undefined };
    } catch (error) {
      return { ms: Date.now() - started, error };
    }
  }

  it('answers unavailable at once while Redis is down, and recovers by itself, queued alerts intact', async () => {
    redis = await startRedis({ persistent: true });
    sink = await AlertSink.start();
    await sink.down();
    // Enough attempts to outlast the outage: with fastPolicy's 3, a busy machine could spend them all on the
    // down sink before Redis has stopped, and the alerts would be dead letters rather than queued.
    const output = new SinkOutput(() => sink!.url, { name: 'out' });
    queue = await startQueue(redis, [{ output, policy: { ...fastPolicy, maxAttempts: 1000 } }]);
    const before = Array.from({ length: 10 }, () => testAlert());
    await queue.enqueue([{ output: 'out', alerts: before }]);

    await redis.stop('SIGTERM');
    const down = await timed(queue.enqueue([{ output: 'out', alerts: [testAlert()] }]));
    expect(down.error).toBeInstanceOf(QueueUnavailableError);
    expect((down.error as Error).message).toContain(`Redis at ${redis.url} is unreachable`);
    expect(down.ms).toBeLessThan(500);
    const health = await queue.health();
    expect(health.ok).toBe(false);
    expect(!health.ok && health.reason).toContain(`Redis at ${redis.url}`);

    await redis.start();
    await expect.poll(async () => (await queue!.health()).ok, { timeout: 10_000 }).toBe(true);
    const after = [testAlert()];
    await queue.enqueue([{ output: 'out', alerts: after }]);
    await sink.up();
    await sink.waitUntil(() => sink!.acceptedCount === 11, 15_000, 'alerts from before and after the restart');
    for (const alert of [...before, ...after]) expect(sink.accepted.has(alert.uuid)).toBe(true);
  });

  it('gives up within the enqueue timeout when Redis stops answering without closing the connection', async () => {
    redis = await startRedis();
    sink = await AlertSink.start();
    queue = await startQueue(redis, [new SinkOutput(() => sink!.url, { name: 'out' })], { enqueueTimeoutMs: 300 });
    redis.pause();
    const frozen = await timed(queue.enqueue([{ output: 'out', alerts: [testAlert()] }]));
    expect(frozen.error).toBeInstanceOf(QueueUnavailableError);
    expect((frozen.error as Error).message).toContain('did not acknowledge within 300 ms');
    expect(frozen.ms).toBeLessThan(1000);
    expect((await queue.health()).ok).toBe(false);

    redis.resume();
    await expect.poll(async () => (await queue!.health()).ok, { timeout: 10_000 }).toBe(true);
    const alert = testAlert();
    await queue.enqueue([{ output: 'out', alerts: [alert] }]);
    await sink.waitUntil(() => sink!.accepted.has(alert.uuid), 10_000);
  });

  it('answers unavailable when Redis refuses writes (full), and says so in health', async () => {
    redis = await startRedis({ config: { maxmemory: '4mb' } });
    sink = await AlertSink.start();
    await sink.down();
    queue = await startQueue(redis, [new SinkOutput(() => sink!.url, { name: 'out' })]);
    const big = 'x'.repeat(64 * 1024);
    let error: unknown;
    for (let i = 0; i < 200 && !error; i++) {
      try {
        await queue.enqueue([{ output: 'out', alerts: [testAlert({ output: big })] }]);
      } catch (err) {
        error = err;
      }
    }
    expect(error).toBeInstanceOf(QueueUnavailableError);
    expect((error as Error).message).toMatch(/refused the alerts: OOM/);
    const health = await queue.health();
    expect(health).toEqual({ ok: false, reason: (error as Error).message });
  });

  it('warns at start-up about Redis settings that can lose acknowledged alerts', async () => {
    redis = await startRedis({ config: { appendonly: 'no', save: '', 'maxmemory-policy': 'allkeys-lru' } });
    sink = await AlertSink.start();
    const { logger, lines } = memoryLogger();
    queue = await startQueue(redis, [new SinkOutput(() => sink!.url, { name: 'out' })], {}, logger);
    const warnings = lines()
      .filter((l) => l.level === 40)
      .map((l) => String(l.msg));
    expect(warnings).toEqual([
      expect.stringMatching(/^Redis may lose acknowledged alerts: maxmemory-policy is allkeys-lru: .*set maxmemory-policy noeviction/),
      expect.stringMatching(/^Redis may lose acknowledged alerts: persistence is off .*set appendonly yes/),
    ]);
  });

  it('does not warn about a Redis configured for durability', async () => {
    redis = await startRedis({ persistent: true });
    sink = await AlertSink.start();
    const { logger, lines } = memoryLogger();
    queue = await startQueue(redis, [new SinkOutput(() => sink!.url, { name: 'out' })], {}, logger);
    expect(lines().filter((l) => l.level === 40)).toEqual([]);
  });

  it('starts while Redis is down, answering unavailable until it comes up', async () => {
    redis = await startRedis();
    await redis.stop();
    sink = await AlertSink.start();
    const { logger, lines } = memoryLogger();
    const starting = startQueue(redis, [new SinkOutput(() => sink!.url, { name: 'out' })], {}, logger);
    queue = await starting;
    expect(lines().filter((l) => /^Redis unreachable at 127.0.0.1:\d+: connect ECONNREFUSED/.test(String(l.msg)))).toHaveLength(1);
    await expect(queue.enqueue([{ output: 'out', alerts: [testAlert()] }])).rejects.toBeInstanceOf(QueueUnavailableError);
    await redis.start();
    await expect.poll(async () => (await queue!.health()).ok, { timeout: 10_000 }).toBe(true);
    const alert = testAlert();
    await queue.enqueue([{ output: 'out', alerts: [alert] }]);
    await sink.waitUntil(() => sink!.accepted.has(alert.uuid), 15_000);
  });
});
