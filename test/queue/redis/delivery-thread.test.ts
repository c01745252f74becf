// saker in-process with the Redis queue delivers from a worker thread of its own: the outputs are built
// again there, and what they do still reaches the main thread — SIGHUP (the file output's log rotation),
// log lines, delivery metrics, a refused start-up — while stdout stays on the main thread.

import { existsSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alert, startTestService, type TestService } from '../../helpers/service.js';
import { waitUntil } from '../../helpers/wait.js';
import { AlertSink } from '../../peers/alert-sink.js';
import { redisSkipReason, startRedis, type RedisServer } from '../../peers/redis.js';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.skipIf(redisSkipReason)('the Redis queue’s delivery thread', () => {
  let redis: RedisServer;
  let sink: AlertSink;
  let saker: TestService;
  const path = join(mkdtempSync(join(tmpdir(), 'saker-thread-')), 'alerts.jsonl');

  beforeAll(async () => {
    redis = await startRedis();
    sink = await AlertSink.start();
    saker = await startTestService({
      env: {
        REDIS_URL: redis.url,
        REDIS_PREFIX: redis.prefix,
        FILE_PATH: path,
        WEBHOOK_ADDRESS: sink.url,
        WEBHOOK_BACKOFF_INITIAL: '50ms',
        WEBHOOK_BACKOFF_MAX: '100ms',
        STDOUT_ENABLED: 'true',
        STDOUT_FORMAT: 'json',
      },
    });
  });
  afterAll(async () => {
    await saker?.stop();
    await sink?.close();
    await redis?.close();
  });

  const rules = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { rule: string }).rule);

  it('delivers every output but stdout from the thread', () => {
    const started = saker.logs.find((l) => /^queue: redis/.test(String(l.msg)));
    expect(started?.['deliveryThread']).toEqual(['file', 'webhook']);
  });

  it('passes SIGHUP on to the thread, where the file output reopens its file', async () => {
    expect((await saker.post('/', alert({ rule: 'before rotation' }))).status).toBe(200);
    await waitUntil('the first alert in the file', () => existsSync(path) && readFileSync(path, 'utf8').includes('before rotation'));
    renameSync(path, `${path}.1`);
    process.emit('SIGHUP', 'SIGHUP');
    await waitUntil('the file to be reopened', () => existsSync(path));
    expect((await saker.post('/', alert({ rule: 'after rotation' }))).status).toBe(200);
    await waitUntil('the second alert in the new file', () => readFileSync(path, 'utf8').includes('after rotation'));
    expect(rules(`${path}.1`)).toEqual(['before rotation']);
    expect(rules(path)).toEqual(['after rotation']);
  });

  it("writes the thread's log lines with the main thread's logger", async () => {
    let refused = false;
    sink.behaviour = () => (refused ? { status: 200 } : ((refused = true), { status: 503 }));
    expect((await saker.post('/', alert({ uuid: 'logged-retry' }))).status).toBe(200);
    await sink.waitUntil(() => sink.accepted.has('logged-retry'), 10_000);
    const retried = saker.logs.find((l) => /^delivery to output 'webhook' failed; retrying/.test(String(l.msg)));
    expect(retried).toMatchObject({ name: 'saker', queue: 'redis', output: 'webhook', attempt: 1 });
  });

  it('adds the delivery metrics recorded in the thread to GET /metrics', async () => {
    const metrics = async () => (await fetch(`${saker.url}/metrics`)).text();
    // A send is counted once the output's client has the answer, a moment after the sink has the alerts.
    const delivered = async () => {
      const text = await metrics();
      return [sample(text, 'saker_outputs_total{output="file",status="delivered"}'), sample(text, 'saker_delivery_latency_seconds_count{output="webhook"}')];
    };
    await expect.poll(delivered, { timeout: 5000 }).toEqual([3, 3]);
    const text = await metrics();
    expect(sample(text, 'saker_outputs_total{output="webhook",status="retryable_error"}')).toBe(1);
    expect(sample(text, 'saker_output_retries_total{output="webhook"}')).toBe(1);
    // The main thread's own metrics are still there, once.
    expect(sample(text, 'saker_inputs_total{source="falco",status="accepted"}')).toBe(3);
    expect(text.match(/^# TYPE saker_outputs_total counter$/gm)).toHaveLength(1);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
  });
});

describe.skipIf(redisSkipReason)('the Redis queue’s delivery thread, when an output cannot start', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });

  it("fails saker's start-up with the output's reason", async () => {
    await expect(
      startTestService({ env: { REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, FILE_PATH: '/nonexistent-dir/alerts.jsonl' } }),
    ).rejects.toThrow("file.path: cannot open '/nonexistent-dir/alerts.jsonl' for appending: ENOENT");
  });
});
