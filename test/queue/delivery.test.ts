import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert.js';
import { attemptDelivery, backoffDelay } from '../../src/queue/delivery.js';
import type { DeliveryPolicy } from '../../src/queue/queue.js';
import { PartialDeliveryError, PermanentError, RetryableError, type DeliveryError, type Output } from '../../outputs/output.js';

const policy: DeliveryPolicy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000, timeoutMs: 200, concurrency: 1 };

function alert(n: number): Alert {
  return {
    uuid: `u${n}`, time: '2026-11-29T00:00:00.000000000Z', rule: `r${n}`, priority: 'Warning', source: 'syscall',
    output: 'o', output_fields: {}, tags: [], hostname: 'h',
  };
}

function outputThat(send: Output['send']): Output {
  return { name: 'test', maxBatch: 10, send, close: async () => {} };
}

describe('attemptDelivery', () => {
  it('delivers everything when send resolves', async () => {
    const out = await attemptDelivery({ output: outputThat(async () => {}), policy }, [alert(1), alert(2)], 1);
    expect(out.delivered.map((a) => a.uuid)).toEqual(['u1', 'u2']);
    expect(out.retry).toBeUndefined();
    expect(out.dead).toEqual([]);
  });

  it('retries only the failed part of a batch and dead-letters permanent failures', async () => {
    const send = async () => {
      throw new PartialDeliveryError(new Map<number, DeliveryError>([[0, new RetryableError('503')], [2, new PermanentError('mapping error')]]));
    };
    const out = await attemptDelivery({ output: outputThat(send), policy }, [alert(1), alert(2), alert(3)], 1);
    expect(out.delivered.map((a) => a.uuid)).toEqual(['u2']);
    expect(out.retry?.alerts.map((a) => a.uuid)).toEqual(['u1']);
    expect(out.dead).toEqual([{ alert: alert(3), error: 'mapping error' }]);
  });

  it('honours Retry-After over a shorter backoff, and gives up after the last attempt', async () => {
    const send = async () => {
      throw new RetryableError('429', 5000);
    };
    const first = await attemptDelivery({ output: outputThat(send), policy }, [alert(1)], 1);
    expect(first.retry?.delayMs).toBe(5000);
    const last = await attemptDelivery({ output: outputThat(send), policy }, [alert(1)], 3);
    expect(last.retry).toBeUndefined();
    expect(last.dead[0]?.error).toBe('gave up after 3 attempt(s): 429');
  });

  it('times out a hanging send, aborting its signal', async () => {
    let aborted = false;
    const send: Output['send'] = (_alerts, ctx) =>
      new Promise(() => ctx.signal.addEventListener('abort', () => { aborted = true; }));
    const out = await attemptDelivery({ output: outputThat(send), policy }, [alert(1)], 1);
    expect(aborted).toBe(true);
    expect(out.retry?.error).toBe('timed out after 200 ms');
  });

  it('treats unclassified errors as retryable', async () => {
    const out = await attemptDelivery({ output: outputThat(async () => { throw new TypeError('boom'); }), policy }, [alert(1)], 1);
    expect(out.retry?.error).toBe('boom');
  });
});

describe('backoffDelay', () => {
  it('grows exponentially up to the cap, with full jitter', () => {
    expect(backoffDelay(policy, 1, () => 1)).toBe(100);
    expect(backoffDelay(policy, 3, () => 1)).toBe(400);
    expect(backoffDelay(policy, 10, () => 1)).toBe(1000);
    expect(backoffDelay(policy, 3, () => 0)).toBe(0);
  });
});
