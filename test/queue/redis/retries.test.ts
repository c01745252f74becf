// Retries, backoff, Retry-After, partial batches, dead letters and their replay, stalled jobs and shutdown:
// each shown on a real HTTP sink through a real Redis.

import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RedisQueue } from '../../../src/queue/redis/redis-queue.js';
import { AlertSink } from '../../peers/alert-sink.js';
import { redisSkipReason, startRedis, type RedisServer } from '../../peers/redis.js';
import { SinkOutput, testAlert } from '../../peers/sink-output.js';
import { fastPolicy, sleep, startQueue } from './helpers.js';

describe.skipIf(redisSkipReason)('RedisQueue retries and dead letters', () => {
  let redis: RedisServer;
  let sink: AlertSink;
  const queues: RedisQueue[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.close(500)));
    await sink?.close();
  });

  async function start(...args: Parameters<typeof startQueue> extends [unknown, ...infer R] ? R : never): Promise<RedisQueue> {
    const queue = await startQueue(redis, ...args);
    queues.push(queue);
    return queue;
  }

  it('retries a failed batch with exponential backoff and full jitter until it is delivered', async () => {
    sink = await AlertSink.start();
    sink.behaviour = (_alerts, n) => (n <= 5 ? { status: 503 } : { status: 200 });
    const output = new SinkOutput(() => sink.url, { name: 'backoff' });
    const policy = { ...fastPolicy, maxAttempts: 6, baseDelayMs: 400, maxDelayMs: 400 };
    await start([{ output, policy }]);
    const alert = testAlert();
    await queues[0]!.enqueue([{ output: 'backoff', alerts: [alert] }]);
    await sink.waitUntil(() => sink.acceptedCount === 1, 20_000);

    expect(output.contexts.map((c) => c.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(sink.accepted.get(alert.uuid)).toBe(1);
    const gaps = sink.requests.slice(1).map((r, i) => r.at - sink.requests[i]!.at);
    // Each wait is random in [0, 400 ms] (plus scheduling); five of them cannot all be near zero.
    for (const gap of gaps) expect(gap).toBeLessThan(400 + 400);
    expect(gaps.reduce((a, b) => a + b, 0)).toBeGreaterThan(200);
    await expect.poll(async () => (await queues[0]!.stats()).backoff, { timeout: 5000 }).toEqual({ depth: 0, deadLetters: 0 });
  });

  it("waits as long as a 429's Retry-After asks, even when backoff would be shorter", async () => {
    sink = await AlertSink.start();
    sink.behaviour = (_alerts, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 });
    const output = new SinkOutput(() => sink.url, { name: 'polite' });
    await start([{ output, policy: { ...fastPolicy, baseDelayMs: 10, maxDelayMs: 10 } }]);
    await queues[0]!.enqueue([{ output: 'polite', alerts: [testAlert()] }]);
    await sink.waitUntil(() => sink.acceptedCount === 1, 10_000);
    expect(sink.requests).toHaveLength(2);
    expect(sink.requests[1]!.at - sink.requests[0]!.at).toBeGreaterThanOrEqual(1950);
  });

  it('retries only the failed part of a batch and dead-letters the permanently failed part', async () => {
    sink = await AlertSink.start();
    sink.behaviour = (_alerts, n) =>
      n === 1
        ? { status: 200, body: { failed: [{ index: 1, status: 503 }, { index: 3, status: 400 }] } }
        : { status: 200 };
    const output = new SinkOutput(() => sink.url, { name: 'partial' });
    const queue = await start([output]);
    const alerts = [testAlert(), testAlert(), testAlert(), testAlert()];
    await queue.enqueue([{ output: 'partial', alerts }]);
    await sink.waitUntil(() => sink.acceptedCount === 3, 10_000, 'the three deliverable alerts');

    expect(sink.requests.map((r) => r.alerts.map((a) => a.uuid))).toEqual([
      alerts.map((a) => a.uuid),
      [alerts[1]!.uuid],
    ]);
    expect(output.contexts.map((c) => c.attempt)).toEqual([1, 2]);
    for (const a of [alerts[0]!, alerts[1]!, alerts[2]!]) expect(sink.accepted.get(a.uuid)).toBe(1);
    const dead = await queue.deadLetters.list('partial');
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ id: alerts[3]!.uuid, output: 'partial', alert: alerts[3], error: 'item answered 400', attempts: 1 });
    await expect.poll(async () => (await queue.stats()).partial, { timeout: 5000 }).toEqual({ depth: 0, deadLetters: 1 });
  });

  it('dead-letters alerts that exhaust their attempts, then replays them by id and all at once', async () => {
    sink = await AlertSink.start();
    let healthy = false;
    sink.behaviour = () => (healthy ? { status: 200 } : { status: 503 });
    const output = new SinkOutput(() => sink.url, { name: 'replay', maxBatch: 2 });
    const queue = await start([output]);
    const alerts = Array.from({ length: 5 }, () => testAlert());
    await queue.enqueue([{ output: 'replay', alerts }]);
    await expect.poll(async () => (await queue.stats()).replay, { timeout: 10_000 }).toEqual({ depth: 0, deadLetters: 5 });

    const letters = await queue.deadLetters.list('replay');
    expect(letters.map((l) => l.id).sort()).toEqual(alerts.map((a) => a.uuid).sort());
    for (const letter of letters) {
      expect(letter.attempts).toBe(3);
      expect(letter.error).toBe('gave up after 3 attempt(s): sink answered 503');
      expect(Number.isNaN(Date.parse(letter.failedAt))).toBe(false);
    }
    expect(await queue.deadLetters.list('replay', { offset: 1, limit: 2 })).toEqual(letters.slice(1, 3));

    healthy = true;
    // An id named twice is put back once; the ids that are not dead letters are named.
    expect(await queue.deadLetters.retryIds('replay', [alerts[0]!.uuid, alerts[0]!.uuid, 'no-such-id'])).toEqual({ retried: 1, notFound: ['no-such-id'] });
    await sink.waitUntil(() => sink.acceptedCount === 1, 10_000);
    expect(sink.accepted.has(alerts[0]!.uuid)).toBe(true);
    expect((await queue.stats()).replay?.deadLetters).toBe(4);

    expect(await queue.deadLetters.retry('replay', 'all')).toBe(4);
    await sink.waitUntil(() => sink.acceptedCount === 5, 10_000);
    expect(sink.duplicates).toBe(0);
    expect(await queue.deadLetters.list('replay')).toEqual([]);
    // Replayed alerts start over at attempt 1.
    expect(output.contexts.at(-1)?.attempt).toBe(1);
  });

  it('purges dead letters', async () => {
    sink = await AlertSink.start();
    sink.behaviour = () => ({ status: 400 });
    const queue = await start([new SinkOutput(() => sink.url, { name: 'purged' })]);
    await queue.enqueue([{ output: 'purged', alerts: Array.from({ length: 3 }, () => testAlert()) }]);
    await expect.poll(async () => (await queue.stats()).purged?.deadLetters, { timeout: 10_000 }).toBe(3);
    expect(await queue.deadLetters.purge('purged')).toBe(3);
    expect(await queue.deadLetters.list('purged')).toEqual([]);
    expect(await queue.deadLetters.purge('purged')).toBe(0);
    expect(sink.requests).toHaveLength(1); // permanent: never retried
  });

  it("redelivers a job whose worker died holding it, once the job's lock expires", async () => {
    sink = await AlertSink.start();
    const output = new SinkOutput(() => sink.url, { name: 'stalled' });
    // A worker that takes the job and then "dies": it never finishes, and its lock is not renewed.
    const connection = { url: redis.url, maxRetriesPerRequest: null };
    let taken!: () => void;
    const jobTaken = new Promise<void>((resolve) => (taken = resolve));
    const doomed = new Worker(
      'stalled',
      () => {
        taken();
        return new Promise(() => {});
      },
      { connection, prefix: redis.prefix, lockDuration: 1000, skipLockRenewal: true, skipStalledCheck: true },
    );
    const producer = new Queue('stalled', { connection, prefix: redis.prefix });
    const alert = testAlert();
    await producer.add('alerts:1', { attempt: 1, alerts: [alert] });
    await jobTaken;
    await doomed.close(true);
    await producer.close();

    const queue = await start([output]);
    await sink.waitUntil(() => sink.acceptedCount === 1, 15_000, 'the stalled job to be redelivered');
    expect(sink.accepted.get(alert.uuid)).toBe(1);
    await expect.poll(async () => (await queue.stats()).stalled?.depth, { timeout: 5000 }).toBe(0);
  });

  it('moves jobs that BullMQ itself failed to the dead letters, with its reason', async () => {
    sink = await AlertSink.start();
    const connection = { url: redis.url, maxRetriesPerRequest: null };
    const producer = new Queue('swept', { connection, prefix: redis.prefix });
    const alerts = [testAlert(), testAlert()];
    const job = await producer.add('alerts:2', { attempt: 2, alerts });
    const failing = new Worker(
      'swept',
      () => {
        throw new UnrecoverableError('job stalled more than allowable limit');
      },
      { connection, prefix: redis.prefix },
    );
    await expect.poll(async () => producer.getJobState(job.id!), { timeout: 5000 }).toBe('failed');
    await failing.close();
    await producer.close();

    const queue = await start([new SinkOutput(() => sink.url, { name: 'swept' })]);
    const letters = await queue.deadLetters.list('swept');
    expect(letters.map((l) => l.id).sort()).toEqual(alerts.map((a) => a.uuid).sort());
    expect(letters[0]).toMatchObject({
      attempts: 2,
      error: 'delivery stopped by the queue: job stalled more than allowable limit',
    });
  });

  it('on close, interrupts a slow send and keeps its alerts queued without spending an attempt', async () => {
    sink = await AlertSink.start();
    let slow = true;
    sink.behaviour = () => (slow ? { status: 200, delayMs: 5000 } : { status: 200 });
    const first = new SinkOutput(() => sink.url, { name: 'interrupted' });
    const queue = await start([first]);
    const alert = testAlert();
    await queue.enqueue([{ output: 'interrupted', alerts: [alert] }]);
    await expect.poll(() => sink.inFlight, { timeout: 5000 }).toBe(1);
    await queue.close(200);
    expect(first.closed).toBe(true);
    await expect(queue.enqueue([{ output: 'interrupted', alerts: [testAlert()] }])).rejects.toThrow(/shutting down/);

    slow = false;
    const second = new SinkOutput(() => sink.url, { name: 'interrupted' });
    await start([second]);
    await expect.poll(() => second.contexts.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(second.contexts[0]?.attempt).toBe(1);
    await sink.waitUntil(() => sink.accepted.has(alert.uuid), 5000);
  });
});
