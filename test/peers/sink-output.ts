// A small batching HTTP output for queue tests: POSTs a JSON array to an HttpSink and classifies the answer
// the way real outputs do (5xx/429 retryable with Retry-After, other 4xx permanent, network errors
// retryable, a 2xx body listing failed indexes as a partial delivery).

import {
  PartialDeliveryError,
  PermanentError,
  RetryableError,
  type Alert,
  type DeliveryError,
  type Output,
  type SendContext,
} from '../../outputs/output.js';

export interface SinkOutputOptions {
  name?: string;
  maxBatch?: number;
}

export class SinkOutput implements Output {
  readonly name: string;
  readonly maxBatch: number;
  /** Every SendContext seen, in order. */
  readonly contexts: SendContext[] = [];
  closed = false;

  constructor(
    private readonly url: () => string,
    options: SinkOutputOptions = {},
  ) {
    this.name = options.name ?? 'sink';
    this.maxBatch = options.maxBatch ?? 100;
  }

  async send(alerts: Alert[], ctx: SendContext): Promise<void> {
    this.contexts.push(ctx);
    let response: Response;
    try {
      response = await fetch(this.url(), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
        signal: ctx.signal,
      });
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      throw new RetryableError(`cannot reach the sink: ${(err as Error).cause ?? (err as Error).message}`);
    }
    const text = await response.text();
    if (response.status === 429 || response.status >= 500) {
      const retryAfter = response.headers.get('retry-after');
      throw new RetryableError(`sink answered ${response.status}`, retryAfter ? Number(retryAfter) * 1000 : undefined);
    }
    if (response.status >= 400) throw new PermanentError(`sink answered ${response.status}: ${text}`);
    const body = (text ? JSON.parse(text) : {}) as { failed?: Array<{ index: number; status: number; retryAfterSeconds?: number }> };
    if (body.failed && body.failed.length > 0) {
      const failures = new Map<number, DeliveryError>();
      for (const f of body.failed) {
        failures.set(
          f.index,
          f.status === 429 || f.status >= 500
            ? new RetryableError(`item answered ${f.status}`, f.retryAfterSeconds !== undefined ? f.retryAfterSeconds * 1000 : undefined)
            : new PermanentError(`item answered ${f.status}`),
        );
      }
      throw new PartialDeliveryError(failures);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

let counter = 0;

/** A Falco-shaped alert with a unique uuid. */
export function testAlert(overrides: Partial<Alert> = {}): Alert {
  counter++;
  return {
    uuid: `00000000-0000-4000-8000-${String(process.pid % 100000).padStart(5, '0')}${String(counter).padStart(7, '0')}`,
    time: '2026-11-29T01:02:03.123456789Z',
    rule: 'Terminal shell in container',
    priority: 'Notice',
    source: 'syscall',
    output: `A shell was spawned in a container (n=${counter})`,
    output_fields: { 'proc.name': 'bash', n: counter },
    tags: ['container', 'shell'],
    hostname: 'node-1',
    ...overrides,
  };
}
