// The Redis queue's delivery thread, seen from the main thread (the machinery is ../thread/host.ts): the
// BullMQ workers and the outputs run there; the main thread does HTTP ingest and the micro-batched job adds.

import type { Logger } from 'pino';
import type { DeliveryTarget, MetricsSnapshot } from '../queue.js';
import { threadEntry } from '../thread/entry-url.js';
import { guestSetup, ThreadHost } from '../thread/host.js';
import type { RedisQueueOptions } from './options.js';
import type { RedisRequest, ThreadSetup } from './thread-messages.js';

/** A scrape does not wait longer than this for the thread's metrics (they are left out instead). */
const METRICS_WAIT_MS = 2000;

export class DeliveryThread {
  private constructor(private readonly host: ThreadHost<RedisRequest, { kind: string }>) {}

  /** Starts the thread and resolves once its outputs are started; rejects with the reason they are not. */
  static async start(targets: readonly DeliveryTarget[], options: RedisQueueOptions, logger: Logger): Promise<DeliveryThread> {
    // An alert in progress when the thread dies is safe in Redis (its job is redelivered once its lock
    // expires): the host's restart is all a crash needs.
    const setup: Omit<ThreadSetup, 'sync'> = { ...guestSetup(targets, logger), options };
    const host = await ThreadHost.start<RedisRequest, { kind: string }>(threadEntry('./thread-entry.js', import.meta.url), setup, logger);
    return new DeliveryThread(host);
  }

  /** The thread's delivery metrics; none if it does not answer in time (it is restarting, say). */
  metrics(): Promise<MetricsSnapshot> {
    return this.host.request<MetricsSnapshot>({ kind: 'metrics' }, [], METRICS_WAIT_MS);
  }

  /** Lets the thread stop its deliveries and close its outputs by `deadline`; past it the thread is ended. */
  async close(deadline: number, interruptAt: number): Promise<void> {
    await this.host.close(deadline, interruptAt);
  }
}
