// The Redis queue against the queue contract, on a real Redis and a real HTTP sink.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QueueUnavailableError } from '../../../src/queue/queue.js';
import type { RedisQueue } from '../../../src/queue/redis/redis-queue.js';
import { AlertSink } from '../../peers/alert-sink.js';
import { redisSkipReason, startRedis, type RedisServer } from '../../peers/redis.js';
import { SinkOutput, testAlert } from '../../peers/sink-output.js';
import { fastPolicy, startQueue } from './helpers.js';

describe.skipIf(redisSkipReason)('RedisQueue', () => {
  let redis: RedisServer;
  let sink: AlertSink;
  let queue: RedisQueue | undefined;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });
  afterEach(async () => {
    await queue?.close(1000);
    queue = undefined;
    await sink?.close();
  });

  it('acknowledges alerts once Redis has them, then delivers each to the sink', async () => {
    sink = await AlertSink.start();
    await sink.down(); // nothing can be delivered yet: what enqueue acknowledged must be in Redis
    const output = new SinkOutput(() => sink.url, { name: 'acks' });
    queue = await startQueue(redis, [output]);
    const alerts = Array.from({ length: 50 }, () => testAlert());
    await queue.enqueue([{ output: 'acks', alerts }]);
    expect((await queue.stats()).acks).toEqual({ depth: 50, deadLetters: 0 });

    await sink.up();
    await sink.waitUntil(() => sink.acceptedCount === 50, 15_000, 'all 50 alerts');
    expect([...sink.accepted.keys()].sort()).toEqual(alerts.map((a) => a.uuid).sort());
    await expect.poll(async () => (await queue!.stats()).acks?.depth, { timeout: 5000 }).toBe(0);
  });

  it('coalesces concurrent enqueues into few jobs, one pipelined write per window', async () => {
    sink = await AlertSink.start();
    const output = new SinkOutput(() => sink.url, { name: 'coalesce', maxBatch: 1000 });
    queue = await startQueue(redis, [output], { lingerMs: 20 });
    const client = redis.client();
    const alerts = Array.from({ length: 300 }, () => testAlert());
    await Promise.all(alerts.map((alert) => queue!.enqueue([{ output: 'coalesce', alerts: [alert] }])));
    // BullMQ numbers a queue's jobs with a counter: it says how many jobs the 300 enqueues became.
    const jobs = Number(await client.get(`${redis.prefix}:coalesce:id`));
    expect(jobs).toBeGreaterThanOrEqual(1);
    expect(jobs).toBeLessThanOrEqual(3);
    await sink.waitUntil(() => sink.acceptedCount === 300, 15_000, 'all 300 alerts');
    expect(sink.requests.length).toBeLessThanOrEqual(3);
  });

  it('bounds a job by redis.batch.maxalerts, and sends its alerts in batches of the output, one at a time', async () => {
    sink = await AlertSink.start();
    const small = new SinkOutput(() => sink.url, { name: 'small', maxBatch: 7 });
    queue = await startQueue(redis, [{ output: small, policy: { ...fastPolicy, concurrency: 1 } }], { lingerMs: 50, jobMaxAlerts: 12 });
    await queue.enqueue([{ output: 'small', alerts: Array.from({ length: 30 }, () => testAlert()) }]);
    await sink.waitUntil(() => sink.acceptedCount === 30, 15_000, 'all 30 alerts');
    expect(Number(await redis.client().get(`${redis.prefix}:small:id`))).toBe(3); // jobs of 12, 12 and 6
    expect(sink.requests.map((r) => r.alerts.length)).toEqual([7, 5, 7, 5, 6]);
    expect(sink.maxInFlight).toBe(1);
  });

  it('fans one enqueue out to several outputs, each on its own queue', async () => {
    sink = await AlertSink.start();
    const broken = await AlertSink.start();
    await broken.down();
    const good = new SinkOutput(() => sink.url, { name: 'good' });
    const bad = new SinkOutput(() => broken.url, { name: 'bad' });
    queue = await startQueue(redis, [
      { output: good, policy: fastPolicy },
      { output: bad, policy: { ...fastPolicy, maxAttempts: 100, baseDelayMs: 1000, maxDelayMs: 1000 } },
    ]);
    const alerts = Array.from({ length: 20 }, () => testAlert());
    await queue.enqueue([
      { output: 'good', alerts },
      { output: 'bad', alerts },
    ]);
    // The broken output's retries do not hold back the good one.
    await sink.waitUntil(() => sink.acceptedCount === 20, 10_000, 'the good output');
    await expect.poll(async () => (await queue!.stats()).good?.depth, { timeout: 5000 }).toBe(0);
    expect((await queue.stats()).bad?.depth).toBe(20);
    await broken.close();
  });

  it('passes the time saker accepted the alerts to the output', async () => {
    sink = await AlertSink.start();
    const output = new SinkOutput(() => sink.url, { name: 'stamped' });
    queue = await startQueue(redis, [output]);
    const before = Date.now();
    await queue.enqueue([{ output: 'stamped', alerts: [testAlert()] }]);
    await sink.waitUntil(() => sink.acceptedCount === 1, 10_000);
    const ctx = output.contexts[0];
    expect(ctx?.attempt).toBe(1);
    expect(ctx?.enqueuedAt).toBeGreaterThanOrEqual(before);
    expect(ctx?.enqueuedAt).toBeLessThanOrEqual(Date.now());
  });

  it('rejects alerts for an output it does not know, and accepts empty deliveries', async () => {
    sink = await AlertSink.start();
    queue = await startQueue(redis, [new SinkOutput(() => sink.url, { name: 'known' })]);
    await expect(queue.enqueue([{ output: 'nope', alerts: [testAlert()] }])).rejects.toThrow(/no queue for output 'nope'/);
    await expect(queue.enqueue([{ output: 'known', alerts: [] }])).resolves.toBeUndefined();
    await expect(queue.deadLetters.list('nope')).rejects.toThrow(/no output named 'nope'/);
  });

  it('runs at most `concurrency` sends of an output at once', async () => {
    sink = await AlertSink.start();
    sink.behaviour = () => ({ status: 200, delayMs: 100 });
    const output = new SinkOutput(() => sink.url, { name: 'parallel', maxBatch: 1 });
    queue = await startQueue(redis, [{ output, policy: { ...fastPolicy, concurrency: 3 } }], { jobMaxAlerts: 1 });
    await queue.enqueue([{ output: 'parallel', alerts: Array.from({ length: 12 }, () => testAlert()) }]);
    await sink.waitUntil(() => sink.acceptedCount === 12, 15_000);
    expect(sink.maxInFlight).toBe(3);
  });

  it('paces a rate-limited output', async () => {
    sink = await AlertSink.start();
    const output = new SinkOutput(() => sink.url, { name: 'paced', maxBatch: 1 });
    queue = await startQueue(redis, [{ output, policy: { ...fastPolicy, concurrency: 4, ratePerSecond: 5 } }]);
    await queue.enqueue([{ output: 'paced', alerts: Array.from({ length: 11 }, () => testAlert()) }]);
    await sink.waitUntil(() => sink.acceptedCount === 11, 15_000);
    // 5 sends per second: 11 sends span at least two full windows.
    const first = sink.requests[0]!.at;
    const last = sink.requests.at(-1)!.at;
    expect(last - first).toBeGreaterThanOrEqual(1800);
  });

  it('says when it is not started', async () => {
    const { RedisQueue } = await import('../../../src/queue/redis/redis-queue.js');
    const { queueOptions } = await import('./helpers.js');
    const idle = new RedisQueue(queueOptions(redis), (await import('pino')).default({ level: 'silent' }));
    await expect(idle.enqueue([{ output: 'x', alerts: [testAlert()] }])).rejects.toBeInstanceOf(QueueUnavailableError);
    expect(await idle.health()).toEqual({ ok: false, reason: 'the Redis queue is not started' });
  });
});
