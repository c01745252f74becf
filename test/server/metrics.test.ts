// GET /metrics through a real fastify server: input and output counters, latency, retries, and queue
// gauges read from a real Redis queue.

import fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartialDeliveryError, PermanentError, RetryableError, type DeliveryError, type Output } from '../../outputs/output.js';
import { metricsRoute } from '../../src/server/metrics-route.js';
import { SakerMetrics } from '../../src/server/metrics.js';
import { AlertSink } from '../peers/alert-sink.js';
import { redisSkipReason, startRedis, type RedisServer } from '../peers/redis.js';
import { SinkOutput, testAlert } from '../peers/sink-output.js';
import { fastPolicy, startQueue } from '../queue/redis/helpers.js';

async function serve(metrics: SakerMetrics): Promise<FastifyInstance> {
  const app = fastify();
  await app.register(metricsRoute, { metrics });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

async function scrape(app: FastifyInstance): Promise<{ type: string | null; text: string }> {
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  return { type: response.headers.get('content-type'), text: await response.text() };
}

/** The value of one sample, by metric name and exact label set as Prometheus prints it. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function outputThat(send: Output['send'], name = 'hook'): Output {
  return { name, maxBatch: 10, send, close: async () => {} };
}

describe('GET /metrics', () => {
  it('counts inputs, alerts by priority, and each output outcome', async () => {
    const metrics = new SakerMetrics({ processMetrics: false });
    const app = await serve(metrics);
    try {
      metrics.countInput('falco', 'accepted', 3);
      metrics.countInput('falco', 'rejected');
      metrics.countAlert(testAlert({ priority: 'Critical', rule: 'secret rule' }));

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

      const { type, text } = await scrape(app);
      expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(sample(text, 'saker_inputs_total{source="falco",status="accepted"}')).toBe(3);
      expect(sample(text, 'saker_inputs_total{source="falco",status="rejected"}')).toBe(1);
      expect(sample(text, 'saker_alerts_total{priority="Critical"}')).toBe(1);
      expect(text).not.toContain('secret rule'); // no rule label unless configured
      expect(sample(text, 'saker_outputs_total{output="hook",status="delivered"}')).toBe(2);
      expect(sample(text, 'saker_outputs_total{output="hook",status="retryable_error"}')).toBe(2);
      expect(sample(text, 'saker_outputs_total{output="hook",status="permanent_error"}')).toBe(1);
      expect(sample(text, 'saker_output_retries_total{output="hook"}')).toBe(2);
      expect(sample(text, 'saker_delivery_latency_seconds_count{output="hook"}')).toBe(2);
      expect(sample(text, 'saker_delivery_latency_seconds_bucket{le="1",output="hook"}')).toBe(0);
      expect(sample(text, 'saker_delivery_latency_seconds_bucket{le="5",output="hook"}')).toBe(2);
      expect(sample(text, 'saker_output_send_duration_seconds_count{output="hook"}')).toBe(3);
    } finally {
      await app.close();
    }
  });

  it('adds rule and hostname labels only when the configuration asks', async () => {
    const metrics = new SakerMetrics({ processMetrics: false, alertLabels: ['rule', 'hostname'] });
    const app = await serve(metrics);
    try {
      metrics.countAlert(testAlert({ rule: 'Shell in container', hostname: 'node-7', priority: 'Warning' }));
      const { text } = await scrape(app);
      expect(sample(text, 'saker_alerts_total{priority="Warning",rule="Shell in container",hostname="node-7"}')).toBe(1);
    } finally {
      await app.close();
    }
    expect(() => new SakerMetrics({ alertLabels: ['pod' as never] })).toThrow(/metrics.alertlabels: 'pod' is not one of/);
  });

  it('includes process metrics by default', async () => {
    const metrics = new SakerMetrics();
    const app = await serve(metrics);
    try {
      expect((await scrape(app)).text).toContain('process_resident_memory_bytes');
    } finally {
      await app.close();
    }
  });
});

describe.skipIf(redisSkipReason)('GET /metrics with the Redis queue', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('reports queue depth and dead letters per output, and that the queue is up', async () => {
    const sink = await AlertSink.start();
    sink.behaviour = (alerts) => (alerts.some((a) => a.rule === 'poison') ? { status: 400 } : { status: 200 });
    const down = await AlertSink.start();
    await down.down();
    const metrics = new SakerMetrics({ processMetrics: false });
    const queue = await startQueue(redis, [
      metrics.meter(new SinkOutput(() => sink.url, { name: 'live' })),
      { output: metrics.meter(new SinkOutput(() => down.url, { name: 'stuck' })), policy: { ...fastPolicy, maxAttempts: 1000 } },
    ]);
    metrics.watchQueue(queue);
    const app = await serve(metrics);
    try {
      await queue.enqueue([
        { output: 'live', alerts: [testAlert({ rule: 'poison' })] },
        { output: 'stuck', alerts: [testAlert(), testAlert()] },
      ]);
      await expect
        .poll(async () => sample((await scrape(app)).text, 'saker_dead_letters{output="live"}'), { timeout: 10_000 })
        .toBe(1);
      const { text } = await scrape(app);
      expect(sample(text, 'saker_queue_up')).toBe(1);
      expect(sample(text, 'saker_queue_depth{output="stuck"}')).toBe(2);
      expect(sample(text, 'saker_queue_depth{output="live"}')).toBe(0);
      expect(sample(text, 'saker_dead_letters{output="stuck"}')).toBe(0);
      expect(sample(text, 'saker_outputs_total{output="live",status="permanent_error"}')).toBe(1);
      expect(sample(text, 'saker_outputs_total{output="stuck",status="retryable_error"}')).toBeGreaterThanOrEqual(2);

      await queue.close(200);
      await expect.poll(async () => sample((await scrape(app)).text, 'saker_queue_up'), { timeout: 5000 }).toBe(0);
      expect((await scrape(app)).text).not.toContain('saker_queue_depth{');
    } finally {
      await app.close();
      await queue.close(200);
      await sink.close();
    }
  });
});
