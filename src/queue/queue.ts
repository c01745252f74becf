// The queue contract. Two implementations: the embedded, in-process queue (the zero-setup default) and the
// Redis queue on BullMQ. The router and the HTTP server see only this file.

import type { Alert } from '../alert.js';
import type { ClientTlsFiles, Output, OutputConfig } from '../../outputs/output.js';
import type { Registry } from 'prom-client';

/** How one output's queue retries and paces deliveries; from the output's config section. */
export interface DeliveryPolicy {
  /** Tries in all, the first included (≥ 1). */
  maxAttempts: number;
  /** Backoff before retry n (n ≥ 1) is min(maxDelayMs, baseDelayMs · 2^(n-1)), with full jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per-attempt timeout; the send's AbortSignal fires when it passes. */
  timeoutMs: number;
  /** Batches of this output in flight at once. */
  concurrency: number;
  /** Optional cap on sends per second (undefined = none). */
  ratePerSecond?: number;
}

export interface DeliveryTarget {
  output: Output;
  policy: DeliveryPolicy;
  /**
   * How to build the same output again in another thread (both queues deliver from a worker thread);
   * absent for an output that must stay on this thread, or that was built by hand (tests).
   */
  recipe?: OutputRecipe;
}

/** An output's registry type and resolved config section, and the context `create` needs besides a logger. */
export interface OutputRecipe {
  type: string;
  values: OutputConfig;
  hostname: string;
  clientTls?: ClientTlsFiles;
}

/** Alerts for one output, as the router fanned them out. */
export interface Delivery {
  output: string;
  alerts: Alert[];
}

/** An alert that exhausted its attempts or failed permanently, with what went wrong last. */
export interface DeadLetter {
  /** Unique within the output's dead letters; what `retry` takes. */
  id: string;
  output: string;
  alert: Alert;
  error: string;
  attempts: number;
  /** RFC 3339. */
  failedAt: string;
}

/** What a retry of named dead letters did: how many went back on the queue, and the ids that were not there. */
export interface RetryOutcome {
  retried: number;
  /** Ids that are not (or no longer) dead letters of the output: already retried, purged, or mistyped. */
  notFound: string[];
}

/** Metrics as prom-client's `Registry.getMetricsAsJSON` gives them: what can cross a thread boundary. */
export type MetricsSnapshot = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

export type QueueHealth = { ok: true } | { ok: false; reason: string };

export interface OutputQueueStats {
  /** Alerts waiting or being delivered. */
  depth: number;
  deadLetters: number;
}

/** The queue cannot take alerts right now (full, or Redis unreachable): the HTTP answer is 503. */
export class QueueUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QueueUnavailableError';
  }
}

export interface AlertQueue {
  /** `embedded` or `redis`: logged at start-up with what durability it offers. */
  readonly kind: string;
  /**
   * Starts the targets' outputs (`output.start`) and one worker per target. Enqueuing for an output that is
   * not a target is an error. When it throws, the caller closes the outputs.
   */
  start(targets: readonly DeliveryTarget[]): Promise<void>;
  /**
   * Resolves only when every alert of every delivery is safe (Redis acknowledged it, or the embedded queue
   * holds it); rejects with QueueUnavailableError, and then none of the caller's alerts may be counted as
   * accepted (the sender will retry after a 503).
   */
  enqueue(deliveries: readonly Delivery[]): Promise<void>;
  health(): Promise<QueueHealth>;
  stats(): Promise<Record<string, OutputQueueStats>>;
  deadLetters: {
    list(output: string, page?: { offset?: number; limit?: number }): Promise<DeadLetter[]>;
    /** Puts the named dead letters (or all) back on the output's queue; resolves to how many moved. */
    retry(output: string, ids: readonly string[] | 'all'): Promise<number>;
    /** Puts the named dead letters back, as `retry` does, and says which of the ids were not found. */
    retryIds(output: string, ids: readonly string[]): Promise<RetryOutcome>;
    /** Deletes all dead letters of the output; resolves to how many were removed. */
    purge(output: string): Promise<number>;
  };
  /**
   * Logs what exiting right now would lose (saker exits at once on a second SIGTERM): the embedded queue's
   * alerts, each by uuid. Optional: a queue that keeps alerts outside the process has nothing to report.
   */
  reportLossOnExit?(): void;
  /**
   * Delivery metrics recorded outside this thread (the queue's delivery thread), as prom-client's
   * `getMetricsAsJSON` gives them: GET /metrics adds them to this thread's.
   */
  deliveryMetrics?(): Promise<MetricsSnapshot>;
  /**
   * Stops taking alerts, lets in-flight and queued deliveries finish for at most `drainMs`, then closes the
   * outputs' connections. What is still queued afterwards stays queued (Redis) or is reported lost (embedded).
   */
  close(drainMs: number): Promise<void>;
}
