import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { PartialDeliveryError, PermanentError, RetryableError, type DeliveryError, type Output, type SendContext } from '../../outputs/output.js';
import type { Alert } from '../../src/alert.js';
import { EmbeddedQueue } from '../../src/queue/embedded.js';
import { QueueUnavailableError, type DeliveryPolicy } from '../../src/queue/queue.js';

const policy: DeliveryPolicy = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 1000, concurrency: 1 };

function anAlert(n: number): Alert {
  return {
    uuid: `u${n}`, time: '2026-11-29T00:00:00Z', rule: `r${n}`, priority: 'Warning', source: 'syscall',
    output: '', output_fields: {}, tags: [], hostname: 'h',
  };
}
const alerts = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => anAlert(from + i));

/** An output that records what it is sent and fails as the test's `behaviour` says. */
class RecordingOutput implements Output {
  readonly batches: string[][] = [];
  readonly attempts: number[] = [];
  readonly enqueuedAt: Array<number | undefined> = [];
  closed = false;
  constructor(
    readonly name: string,
    readonly maxBatch: number,
    public behaviour: (alerts: Alert[], ctx: SendContext) => Promise<void> = async () => {},
  ) {}
  get delivered(): string[] {
    return this.batches.flat();
  }
  async send(batch: Alert[], ctx: SendContext): Promise<void> {
    this.attempts.push(ctx.attempt);
    this.enqueuedAt.push(ctx.enqueuedAt);
    await this.behaviour(batch, ctx);
    this.batches.push(batch.map((a) => a.uuid));
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

function queueWith(...targets: Array<[RecordingOutput, Partial<DeliveryPolicy>?]>): Promise<EmbeddedQueue> {
  const q = new EmbeddedQueue({ capacity: 10, deadLetterLimit: 3, logger: pino({ level: 'silent' }) });
  return q.start(targets.map(([output, p]) => ({ output, policy: { ...policy, ...p } }))).then(() => q);
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('EmbeddedQueue', () => {
  it('delivers in order, in batches of at most maxBatch, each output on its own', async () => {
    const a = new RecordingOutput('a', 4);
    const b = new RecordingOutput('b', 100);
    const q = await queueWith([a], [b]);
    await q.enqueue([{ output: 'a', alerts: alerts(1, 6) }, { output: 'b', alerts: alerts(1, 2) }]);
    await until(() => a.delivered.length === 6 && b.delivered.length === 2);
    expect(a.batches).toEqual([['u1', 'u2', 'u3', 'u4'], ['u5', 'u6']]);
    expect(b.batches).toEqual([['u1', 'u2']]);
    await q.close(100);
    expect(a.closed && b.closed).toBe(true);
  });

  it('is bounded: a delivery that does not fit is refused whole, for every output of the request', async () => {
    let release!: () => void;
    const stuck = new RecordingOutput('stuck', 1, () => new Promise<void>((r) => (release = r)));
    const other = new RecordingOutput('other', 10);
    const q = await queueWith([stuck], [other]);
    await q.enqueue([{ output: 'stuck', alerts: alerts(1, 8) }]);
    const refused = q.enqueue([{ output: 'other', alerts: alerts(1, 1) }, { output: 'stuck', alerts: alerts(9, 11) }]);
    await expect(refused).rejects.toBeInstanceOf(QueueUnavailableError);
    await expect(refused).rejects.toThrow("the queue of output 'stuck' is full (8 of 10 alerts waiting or in delivery)");
    expect((await q.stats())['other']).toEqual({ depth: 0, deadLetters: 0 });
    await q.enqueue([{ output: 'stuck', alerts: alerts(9, 10) }]);
    expect((await q.stats())['stuck']!.depth).toBe(10);
    await until(() => stuck.attempts.length === 1);
    stuck.behaviour = async () => {};
    release();
    await until(() => stuck.delivered.length === 10);
    expect((await q.stats())['stuck']!.depth).toBe(0);
    await q.close(100);
  });

  it('retries retryable failures with new attempt numbers, then dead-letters them', async () => {
    const out = new RecordingOutput('o', 10, async (_a, ctx) => {
      if (ctx.attempt < 3) throw new RetryableError('503');
    });
    const q = await queueWith([out]);
    const before = Date.now();
    await q.enqueue([{ output: 'o', alerts: alerts(1, 2) }]);
    await until(() => out.delivered.length === 2);
    expect(out.attempts).toEqual([1, 2, 3]);
    // Every attempt says when the alerts were accepted (for the delivery-latency metric).
    expect(new Set(out.enqueuedAt).size).toBe(1);
    expect(out.enqueuedAt[0]).toBeGreaterThanOrEqual(before);
    expect(out.enqueuedAt[0]).toBeLessThanOrEqual(Date.now());

    out.behaviour = async () => {
      throw new RetryableError('still down');
    };
    await q.enqueue([{ output: 'o', alerts: alerts(3, 3) }]);
    await until(() => out.attempts.length === 6);
    await until(async () => (await q.stats())['o']!.deadLetters === 1);
    const [letter] = await q.deadLetters.list('o');
    expect(letter).toMatchObject({ id: 'u3', output: 'o', alert: anAlert(3), error: 'gave up after 3 attempt(s): still down', attempts: 3 });
    expect(await q.stats()).toEqual({ o: { depth: 0, deadLetters: 1 } });
    await q.close(100);
  });

  it('dead-letters permanent failures at once, and retries only the failed part of a batch', async () => {
    const out = new RecordingOutput('o', 10, async (batch, ctx) => {
      if (ctx.attempt === 1) {
        throw new PartialDeliveryError(new Map<number, DeliveryError>([[0, new RetryableError('busy')], [1, new PermanentError('rejected')]]));
      }
    });
    const q = await queueWith([out]);
    await q.enqueue([{ output: 'o', alerts: alerts(1, 3) }]);
    await until(() => out.batches.length === 1);
    expect(out.batches).toEqual([['u1']]);
    expect((await q.deadLetters.list('o')).map((d) => [d.alert.uuid, d.error])).toEqual([['u2', 'rejected']]);
    await q.close(100);
  });

  it('replays dead letters by id or all, and purges them; keeps at most deadletters of them', async () => {
    const out = new RecordingOutput('o', 10, async () => {
      throw new PermanentError('no');
    });
    const q = await queueWith([out]);
    await q.enqueue([{ output: 'o', alerts: alerts(1, 5) }]);
    await until(async () => (await q.stats())['o']!.depth === 0);
    const kept = await q.deadLetters.list('o');
    expect(kept.map((d) => d.alert.uuid)).toEqual(['u3', 'u4', 'u5']);
    expect((await q.deadLetters.list('o', { offset: 1, limit: 1 })).map((d) => d.alert.uuid)).toEqual(['u4']);

    // Ids are the alerts' uuids, as in the Redis queue.
    expect(kept.map((d) => d.id)).toEqual(['u3', 'u4', 'u5']);
    out.behaviour = async () => {};
    expect(await q.deadLetters.retryIds('o', [kept[1]!.id, kept[1]!.id, 'nope'])).toEqual({ retried: 1, notFound: ['nope'] });
    await until(() => out.delivered.length === 1);
    expect(out.delivered).toEqual(['u4']);
    expect(await q.deadLetters.purge('o')).toBe(2);
    expect(await q.deadLetters.retry('o', 'all')).toBe(0);
    await q.close(100);
  });

  it('keeps a dead letter under its uuid when it is retried and fails again', async () => {
    const out = new RecordingOutput('o', 10, async () => {
      throw new PermanentError('no');
    });
    const q = await queueWith([out]);
    await q.enqueue([{ output: 'o', alerts: alerts(1, 2) }]);
    await until(async () => (await q.stats())['o']!.deadLetters === 2);
    expect(await q.deadLetters.retry('o', ['u1'])).toBe(1);
    await until(() => out.attempts.length === 2);
    await until(async () => (await q.stats())['o']!.deadLetters === 2);
    // Same id, and now the most recent failure.
    expect((await q.deadLetters.list('o')).map((d) => d.id)).toEqual(['u2', 'u1']);
    await q.close(100);
  });

  it('keeps to the rate limit', async () => {
    const out = new RecordingOutput('o', 1);
    const q = await queueWith([out, { ratePerSecond: 20, concurrency: 4 }]);
    const start = Date.now();
    await q.enqueue([{ output: 'o', alerts: alerts(1, 5) }]);
    await until(() => out.delivered.length === 5);
    // 5 batches at 20/s: the last may start 200 ms after the first.
    expect(Date.now() - start).toBeGreaterThanOrEqual(190);
    await q.close(100);
  });

  it('on close, refuses new alerts, drains what is queued, and reports what could not be delivered', async () => {
    const slow = new RecordingOutput('slow', 1, () => new Promise((r) => setTimeout(r, 20)));
    const q = await queueWith([slow]);
    await q.enqueue([{ output: 'slow', alerts: alerts(1, 3) }]);
    const closing = q.close(2000);
    await expect(q.enqueue([{ output: 'slow', alerts: alerts(4, 4) }])).rejects.toThrow('saker is shutting down');
    expect(await q.health()).toEqual({ ok: false, reason: 'saker is shutting down' });
    await closing;
    expect(slow.delivered).toEqual(['u1', 'u2', 'u3']);

    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
    const hanging = new RecordingOutput('hanging', 1, (_a, ctx) => new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))));
    const q2 = new EmbeddedQueue({ capacity: 10, deadLetterLimit: 3, logger });
    await q2.start([{ output: hanging, policy }]);
    await q2.enqueue([{ output: 'hanging', alerts: alerts(1, 2) }]);
    await new Promise((r) => setTimeout(r, 10));
    await q2.close(50);
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toContain("2 alert(s) for output 'hanging' were not delivered before shutdown and are lost");
    expect(hanging.closed).toBe(true);
  });

  it('names each lost alert (uuid, rule, priority, time), the first 20 of each output, then counts the rest', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    // One alert retrying (backing off), one in the send that shutdown interrupts, 23 waiting behind them.
    let calls = 0;
    const failing = new RecordingOutput('failing', 1, (_a, ctx) => {
      calls++;
      if (calls === 1) return Promise.reject(new RetryableError('503'));
      return new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
    });
    const q = new EmbeddedQueue({ capacity: 100, deadLetterLimit: 3, logger });
    await q.start([{ output: failing, policy: { ...policy, baseDelayMs: 60_000, maxDelayMs: 60_000 } }]);
    await q.enqueue([{ output: 'failing', alerts: alerts(1, 25) }]);
    await until(() => calls === 2);
    await q.close(20);
    const lost = lines.filter((l) => String(l['msg']).startsWith('lost alert'));
    expect(lost).toHaveLength(20);
    expect(lost[0]).toMatchObject({ output: 'failing', alert: { uuid: 'u1', rule: 'r1', priority: 'Warning', time: '2026-11-29T00:00:00Z' } });
    expect(typeof lost[0]!['time']).toBe('number'); // the log line's own time, untouched
    expect(lost[0]!['msg']).toBe("lost alert u1 for output 'failing': Warning 'r1' at 2026-11-29T00:00:00Z");
    // Every alert is named once: the retry in backoff (u1), the send that shutdown interrupted (u2), the waiting ones.
    expect(lost.map((l) => (l['alert'] as { uuid: string }).uuid)).toEqual(alerts(1, 20).map((a) => a.uuid));
    expect(lines.map((l) => l['msg'])).toContain("25 alert(s) for output 'failing' were not delivered before shutdown and are lost");
    expect(lines.map((l) => l['msg'])).toContain("… and 5 more lost alert(s) for output 'failing', not listed");
  });

  it('refuses deliveries for outputs it does not serve', async () => {
    const q = await queueWith([new RecordingOutput('a', 1)]);
    expect(() => q.enqueue([{ output: 'b', alerts: alerts(1, 1) }])).toThrow("no queue for output 'b'");
    await q.close(0);
  });
});
