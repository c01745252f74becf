// The embedded queue: one bounded in-memory lane per output, in the saker process. Zero setup, and the
// durability of the process itself: alerts not yet delivered when saker dies are lost (the Redis queue is
// the durable one). The lanes (lanes.ts) run in a delivery thread of their own (embedded-thread.ts) for
// every output that can be built there again, so that the main thread only takes alerts in; on the main
// thread for the others (stdout, outputs built by hand). Capacity is counted here, at the door, either way.

import type { Logger } from 'pino';
import { EmbeddedDeliveryThread } from './embedded-thread.js';
import { Lanes } from './lanes.js';
import {
  QueueUnavailableError,
  type AlertQueue,
  type DeadLetter,
  type Delivery,
  type DeliveryTarget,
  type MetricsSnapshot,
  type OutputQueueStats,
  type QueueHealth,
  type RetryOutcome,
} from './queue.js';
import { startOutputs } from './start-outputs.js';

export interface EmbeddedQueueOptions {
  /** Alerts per output waiting or in delivery; past it, enqueue fails with QueueUnavailableError. */
  capacity: number;
  /** Dead letters kept per output. */
  deadLetterLimit: number;
  logger: Logger;
  /** Deliver from a thread of its own every output that can be built there again (those with a recipe). */
  deliveryThread?: boolean;
}

export class EmbeddedQueue implements AlertQueue {
  readonly kind = 'embedded';
  private local: Lanes;
  private thread: EmbeddedDeliveryThread | undefined;
  /** The outputs built here for the thread's targets: never started, closed at the end. */
  private unused: DeliveryTarget[] = [];
  private closing = false;

  constructor(private readonly options: EmbeddedQueueOptions) {
    this.local = new Lanes([], { deadLetterLimit: options.deadLetterLimit, logger: options.logger });
  }

  async start(targets: readonly DeliveryTarget[]): Promise<void> {
    const threaded = this.options.deliveryThread ? targets.filter((target) => target.recipe) : [];
    const here = targets.filter((target) => !threaded.includes(target));
    await startOutputs(here.map((target) => target.output));
    this.local = new Lanes(here, { deadLetterLimit: this.options.deadLetterLimit, logger: this.options.logger });
    if (threaded.length > 0) {
      this.thread = await EmbeddedDeliveryThread.start(threaded, this.options.deadLetterLimit, this.options.logger);
      this.unused = threaded;
    }
  }

  /** The delivery thread, when outputs are delivered from one (tests end it to see what a crash does). */
  get deliveryThread(): EmbeddedDeliveryThread | undefined {
    return this.thread;
  }

  enqueue(deliveries: readonly Delivery[]): Promise<void> {
    if (this.closing) return Promise.reject(new QueueUnavailableError('saker is shutting down'));
    // All or nothing: a request is either wholly accepted or answered 503, never half-queued.
    for (const d of deliveries) {
      const depth = this.depth(d.output);
      if (depth + d.alerts.length > this.options.capacity) {
        return Promise.reject(
          new QueueUnavailableError(`the queue of output '${d.output}' is full (${depth} of ${this.options.capacity} alerts waiting or in delivery)`),
        );
      }
    }
    for (const d of deliveries) {
      if (this.thread?.has(d.output)) this.thread.add(d.output, d.alerts);
      else this.local.push(d.output, d.alerts);
    }
    return Promise.resolve();
  }

  private depth(output: string): number {
    return this.thread?.has(output) ? this.thread.depth(output) : this.local.depth(output);
  }

  async health(): Promise<QueueHealth> {
    return this.closing ? { ok: false, reason: 'saker is shutting down' } : { ok: true };
  }

  async stats(): Promise<Record<string, OutputQueueStats>> {
    const out: Record<string, OutputQueueStats> = {};
    for (const name of this.local.names) out[name] = { depth: this.local.depth(name), deadLetters: this.local.deadLetterCount(name) };
    if (this.thread) {
      const dead = await this.thread.deadLetterCounts();
      for (const name of this.thread.names) out[name] = { depth: this.thread.depth(name), deadLetters: dead[name] ?? 0 };
    }
    return out;
  }

  readonly deadLetters = {
    list: async (output: string, page?: { offset?: number; limit?: number }): Promise<DeadLetter[]> => {
      const [offset, limit] = [page?.offset ?? 0, page?.limit ?? 100];
      return this.thread?.has(output) ? this.thread.listDead(output, offset, limit) : this.local.listDead(output, offset, limit);
    },
    retry: async (output: string, ids: readonly string[] | 'all'): Promise<number> => (await this.requeueDead(output, ids)).retried,
    retryIds: async (output: string, ids: readonly string[]): Promise<RetryOutcome> => this.requeueDead(output, ids),
    purge: async (output: string): Promise<number> => (this.thread?.has(output) ? this.thread.purgeDead(output) : this.local.purgeDead(output)),
  };

  private async requeueDead(output: string, ids: readonly string[] | 'all'): Promise<RetryOutcome> {
    return this.thread?.has(output) ? this.thread.requeueDead(output, ids) : this.local.requeueDead(output, ids);
  }

  deliveryMetrics(): Promise<MetricsSnapshot> {
    return this.thread?.metrics() ?? Promise.resolve([]);
  }

  reportLossOnExit(): void {
    const what = 'are not delivered yet and are lost: saker exits without waiting for the outputs';
    this.local.reportLoss(what);
    this.thread?.reportLossNow(what);
  }

  async close(drainMs: number): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const deadline = Date.now() + drainMs;
    await Promise.all([this.local.close(drainMs), this.thread?.close(deadline)]);
    await Promise.allSettled(this.unused.map((target) => target.output.close()));
  }
}
