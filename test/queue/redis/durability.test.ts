// saker's promise, shown with saker as real child processes on a real Redis and a real webhook receiver:
// an alert answered 200 reaches every output at least once — across a SIGKILL of saker, a Redis restart,
// and with several saker processes sharing the work.

import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertSink } from '../../peers/alert-sink.js';
import { redisRestartSkipReason, startRedis, type RedisServer } from '../../peers/redis.js';
import { SakerProcess, falcoAlert } from '../../helpers/saker-process.js';
import { freePort } from '../../peers/free-port.js';

interface Sent {
  /** uuids of the alerts saker answered 200 for. */
  acked: string[];
  /** HTTP status of every answer (0: no answer — connection refused or reset). */
  statuses: number[];
}

/**
 * POSTs `requests` arrays of alerts with `concurrency` senders, each pausing 50 ms after an answer other than
 * 200. With `untilAcked`, such a request is sent again (as a retrying sender would) until `deadline`.
 * `stop()` returning true makes the senders stop taking new requests.
 */
async function send(
  url: () => string,
  requests: Array<Array<Record<string, unknown>>>,
  options: { concurrency: number; untilAcked: boolean; deadline: number; onAck?: (ackedSoFar: number) => void; stop?: () => boolean },
): Promise<Sent> {
  const sent: Sent = { acked: [], statuses: [] };
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= requests.length || options.stop?.()) return;
      const body = requests[i]!;
      for (;;) {
        let status = 0;
        try {
          const response = await fetch(`${url()}/`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(10_000),
          });
          status = response.status;
          await response.arrayBuffer();
        } catch {
          status = 0;
        }
        sent.statuses.push(status);
        if (status === 200) {
          for (const alert of body) sent.acked.push(alert.uuid as string);
          options.onAck?.(sent.acked.length);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (!options.untilAcked || Date.now() > options.deadline) break;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return sent;
}

function batches(count: number, size: number): Array<Array<Record<string, unknown>>> {
  const run = randomUUID().slice(0, 8);
  const out: Array<Array<Record<string, unknown>>> = [];
  for (let i = 0; i < count; i += size) {
    out.push(Array.from({ length: Math.min(size, count - i) }, (_, k) => falcoAlert(`${run}-${i + k}`, i + k)));
  }
  return out;
}

function missingFrom(sink: AlertSink, uuids: readonly string[]): string[] {
  return uuids.filter((uuid) => !sink.accepted.has(uuid));
}

/** Settings shared by the saker processes of these tests: Redis, batching webhook, quick crash recovery. */
function sakerEnv(redis: RedisServer, sink: AlertSink, extra: Record<string, string> = {}): Record<string, string> {
  return {
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    REDIS_LOCKDURATION: '2s',
    REDIS_STALLEDINTERVAL: '1s',
    WEBHOOK_ADDRESS: sink.url,
    WEBHOOK_BATCHSIZE: '100',
    WEBHOOK_MAXATTEMPTS: '10000',
    WEBHOOK_BACKOFF_INITIAL: '100ms',
    WEBHOOK_BACKOFF_MAX: '500ms',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

describe.skipIf(redisRestartSkipReason)('saker with Redis, as child processes', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });

  it('delivers every acknowledged alert after a SIGKILL mid-ingestion while the output was down', async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.close());
    const sink = await AlertSink.start();
    cleanups.push(() => sink.close());
    await sink.down();

    const port = await freePort();
    let saker = await SakerProcess.start(sakerEnv(redis, sink), port);
    cleanups.push(() => saker.kill());
    const requests = batches(10_000, 10);
    let killed: Promise<void> | undefined;
    const sent = await send(() => saker.url, requests, {
      concurrency: 16,
      untilAcked: true,
      deadline: Date.now() + 60_000,
      onAck: (acked) => {
        if (acked < 5000 || killed) return;
        // Mid-way: kill it like a crash, and start a new process on the same port.
        killed = saker.kill().then(async () => {
          saker = await SakerProcess.start(sakerEnv(redis, sink), port);
        });
      },
    });
    await killed;
    expect(sent.acked).toHaveLength(10_000);
    expect(sent.statuses.filter((s) => s !== 200).length).toBeGreaterThan(0); // the crash was felt

    await sink.up();
    await sink.waitUntil(() => missingFrom(sink, sent.acked).length === 0, 60_000, 'every acknowledged alert');
    expect(missingFrom(sink, sent.acked)).toEqual([]);
    // Redeliveries are bounded by what was in flight when saker died (4 jobs of at most 500 alerts).
    expect(sink.duplicates).toBeLessThanOrEqual(2000);
    const dlq = (await (await fetch(`${saker.url}/api/v1/dlq`)).json()) as { outputs: Record<string, { depth: number; deadLetters: number }> };
    expect(dlq.outputs.webhook?.deadLetters).toBe(0);
  });

  it('answers every request 200 or 503 through a Redis restart, and delivers every 200', async () => {
    const redis = await startRedis({ persistent: true });
    cleanups.push(() => redis.close());
    const sink = await AlertSink.start();
    cleanups.push(() => sink.close());
    const saker = await SakerProcess.start(sakerEnv(redis, sink));
    cleanups.push(() => saker.kill());

    let restarted = 0;
    const sending = send(() => saker.url, batches(100_000, 5), {
      concurrency: 8,
      untilAcked: false,
      deadline: 0,
      stop: () => restarted > 0 && Date.now() > restarted + 1500,
    });
    await sink.waitUntil(() => sink.acceptedCount >= 500, 20_000, 'deliveries before the restart');
    await redis.stop('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 700));
    await redis.start();
    restarted = Date.now();
    const sent = await sending;

    const other = sent.statuses.filter((s) => s !== 200 && s !== 503);
    expect(other).toEqual([]);
    expect(sent.statuses.filter((s) => s === 503).length).toBeGreaterThan(0); // the outage was seen
    const afterOutage = sent.statuses.slice(sent.statuses.indexOf(503));
    expect(afterOutage.filter((s) => s === 200).length).toBeGreaterThan(100); // and saker recovered by itself
    await sink.waitUntil(() => missingFrom(sink, sent.acked).length === 0, 30_000, 'every acknowledged alert');
    expect(missingFrom(sink, sent.acked)).toEqual([]);
    expect(saker.logs.filter((l) => /^Redis unreachable at/.test(String(l.msg)))).toHaveLength(1);
  });

  it('shares each output queue between two saker processes, delivering each alert once', async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.close());
    const sink = await AlertSink.start();
    cleanups.push(() => sink.close());
    // Slow answers, so that one process alone cannot keep every job to itself.
    sink.behaviour = () => ({ status: 200, delayMs: 20 });
    const [a, b] = await Promise.all([
      SakerProcess.start(sakerEnv(redis, sink, { WEBHOOK_CUSTOMHEADERS: 'X-Instance:a', WEBHOOK_BATCHSIZE: '10' })),
      SakerProcess.start(sakerEnv(redis, sink, { WEBHOOK_CUSTOMHEADERS: 'X-Instance:b', WEBHOOK_BATCHSIZE: '10' })),
    ]);
    cleanups.push(() => a.kill(), () => b.kill());

    // Every alert enters through process a; both deliver.
    const sent = await send(() => a.url, batches(3000, 10), { concurrency: 8, untilAcked: false, deadline: 0 });
    expect(sent.acked).toHaveLength(3000);
    await sink.waitUntil(() => sink.acceptedCount === 3000, 30_000, 'all 3000 alerts');
    expect(sink.duplicates).toBe(0);
    const byInstance = new Map<string, number>();
    for (const request of sink.requests) {
      const instance = String(request.headers['x-instance']);
      byInstance.set(instance, (byInstance.get(instance) ?? 0) + request.alerts.length);
    }
    expect(byInstance.get('a')).toBeGreaterThan(0);
    expect(byInstance.get('b')).toBeGreaterThan(0);
    expect(await a.stop()).toBe(0);
    expect(await b.stop()).toBe(0);
  });
});
