// GET /metrics: the counters of a metered output, then saker itself (in-process, real HTTP) with the
// embedded and the Redis queue.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartialDeliveryError, PermanentError, RetryableError, type DeliveryError, type Output } from '../../outputs/output.js';
import { SakerMetrics } from '../../src/server/metrics.js';
import { startTestService, alert } from '../helpers/service.js';
import { HttpSink } from '../peers/http-sink.js';
import { redisSkipReason, startRedis, type RedisServer } from '../peers/redis.js';
import { testAlert } from '../peers/sink-output.js';

/** The value of one sample, by metric name and exact label set as Prometheus prints it. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function outputThat(send: Output['send'], name = 'hook'): Output {
  return { name, maxBatch: 10, send, close: async () => {} };
}

describe('SakerMetrics', () => {
  it('counts each output outcome, retries, send time and latency from acceptance', async () => {
    const metrics = new SakerMetrics({ processMetrics: false });
    const failures = new Map<number, DeliveryError>([
      [0, new RetryableError('busy')],
      [1, new PermanentError('bad')],
    ]);
    let call = 0;
    const output = metrics.meter(
      outputThat(async () => {
        call++;
        if (call === 1) throw new PartialDeliveryError(failures);
        if (call === 2) throw new RetryableError('down');
      }),
    );
    const alerts = [testAlert(), testAlert(), testAlert()];
    const signal = new AbortController().signal;
    await output.send(alerts, { attempt: 1, signal, enqueuedAt: Date.now() - 2000 }).catch(() => {});
    await output.send(alerts.slice(0, 1), { attempt: 2, signal }).catch(() => {});
    await output.send(alerts.slice(0, 1), { attempt: 3, signal, enqueuedAt: Date.now() - 3000 });

    const { contentType, body } = await metrics.render();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(body, 'saker_outputs_total{output="hook",status="delivered"}')).toBe(2);
    expect(sample(body, 'saker_outputs_total{output="hook",status="retryable_error"}')).toBe(2);
    expect(sample(body, 'saker_outputs_total{output="hook",status="permanent_error"}')).toBe(1);
    expect(sample(body, 'saker_output_retries_total{output="hook"}')).toBe(2);
    expect(sample(body, 'saker_delivery_latency_seconds_count{output="hook"}')).toBe(2);
    expect(sample(body, 'saker_delivery_latency_seconds_bucket{le="1",output="hook"}')).toBe(0);
    expect(sample(body, 'saker_delivery_latency_seconds_bucket{le="5",output="hook"}')).toBe(2);
    expect(sample(body, 'saker_output_send_duration_seconds_count{output="hook"}')).toBe(3);
  });

  it('labels alerts by priority only, unless the configuration adds labels', async () => {
    const plain = new SakerMetrics({ processMetrics: false });
    plain.countAccepted('falco', [testAlert({ priority: 'Critical', rule: 'secret rule' }), testAlert({ priority: 'Critical' })]);
    const plainText = (await plain.render()).body;
    expect(sample(plainText, 'saker_alerts_total{priority="Critical"}')).toBe(2);
    expect(sample(plainText, 'saker_inputs_total{source="falco",status="accepted"}')).toBe(2);
    expect(plainText).not.toContain('secret rule');

    const labelled = new SakerMetrics({ processMetrics: false, alertLabels: ['rule', 'hostname'] });
    labelled.countAccepted('falco', [testAlert({ rule: 'Shell in container', hostname: 'node-7', priority: 'Warning' })]);
    expect(sample((await labelled.render()).body, 'saker_alerts_total{priority="Warning",rule="Shell in container",hostname="node-7"}')).toBe(1);
    expect(() => new SakerMetrics({ alertLabels: ['pod' as never] })).toThrow(/metrics.alertlabels: 'pod' is not one of/);
  });
});

describe('GET /metrics on saker', () => {
  it('counts what POST / accepted and refused, and what the webhook delivered; needs no token', async () => {
    const sink = await HttpSink.start();
    const saker = await startTestService({ env: { WEBHOOK_ADDRESS: sink.url(), AUTH_TOKENS: 'sekret' } });
    try {
      const auth = { authorization: 'Bearer sekret' };
      expect((await saker.post('/', [alert(), alert({ priority: 'Critical' })], auth)).status).toBe(200);
      expect((await saker.post('/', [alert(), alert({ priority: 'warn' })], auth)).status).toBe(400);
      expect((await saker.post('/test', {}, auth)).status).toBe(200);
      await sink.waitForRequests(4);

      const response = await fetch(`${saker.url}/metrics`);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(sample(text, 'saker_inputs_total{source="falco",status="accepted"}')).toBe(3);
      expect(sample(text, 'saker_inputs_total{source="falco",status="rejected"}')).toBe(1);
      expect(sample(text, 'saker_inputs_total{source="test",status="accepted"}')).toBe(1);
      expect(sample(text, 'saker_alerts_total{priority="Notice"}')).toBe(2);
      expect(sample(text, 'saker_alerts_total{priority="Critical"}')).toBe(1);
      await expect
        .poll(async () => sample(await (await fetch(`${saker.url}/metrics`)).text(), 'saker_outputs_total{output="webhook",status="delivered"}'))
        .toBe(4);
      expect(sample(text, 'saker_queue_up')).toBe(1);
      expect(sample(text, 'saker_dead_letters{output="webhook"}')).toBe(0);
      expect(text).toContain('process_resident_memory_bytes');
    } finally {
      await saker.stop();
      await sink.close();
    }
  });
});

describe.skipIf(redisSkipReason)('GET /metrics on saker with the Redis queue', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('reports queue depth and dead letters from Redis, and 503s as unavailable inputs', async () => {
    const sink = await HttpSink.start();
    sink.fallback = { status: 503 };
    const saker = await startTestService({
      env: {
        REDIS_URL: redis.url,
        REDIS_PREFIX: redis.prefix,
        WEBHOOK_ADDRESS: sink.url(),
        WEBHOOK_MAXATTEMPTS: '1000',
        WEBHOOK_BACKOFF_INITIAL: '5s',
      },
    });
    const metricsText = async () => (await fetch(`${saker.url}/metrics`)).text();
    try {
      expect(saker.queue.kind).toBe('redis');
      expect((await saker.post('/', [alert(), alert(), alert()])).status).toBe(200);
      await expect.poll(async () => sample(await metricsText(), 'saker_queue_depth{output="webhook"}'), { timeout: 10_000 }).toBe(3);
      const text = await metricsText();
      expect(sample(text, 'saker_queue_up')).toBe(1);
      expect(sample(text, 'saker_dead_letters{output="webhook"}')).toBe(0);
      // The alerts are queued before the first attempt has failed: wait for it.
      await expect
        .poll(async () => sample(await metricsText(), 'saker_outputs_total{output="webhook",status="retryable_error"}') ?? 0, { timeout: 10_000 })
        .toBeGreaterThanOrEqual(1);

      await redis.stop();
      expect((await saker.post('/', [alert(), alert()])).status).toBe(503);
      const down = await metricsText();
      expect(sample(down, 'saker_inputs_total{source="falco",status="unavailable"}')).toBe(2);
      await expect.poll(async () => sample(await metricsText(), 'saker_queue_up'), { timeout: 5000 }).toBe(0);
      await redis.start();
    } finally {
      await saker.stop();
      await sink.close();
    }
  });
});
