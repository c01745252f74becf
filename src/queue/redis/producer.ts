// Micro-batching. Adding a BullMQ job costs Redis about nine commands, so one job per alert per output
// would cap ingestion far below what the HTTP side takes. Instead the alerts of the enqueues that arrive
// together share a window, written as a few jobs per output in one pipelined round trip; every caller of
// the window is answered when Redis acknowledged it — never before, so a 200 always means "in Redis".
//
// The window is a group commit: when no write is in progress it goes out at the end of the current turn of
// the event loop (no added latency for a lone sender such as one Falco), otherwise it collects alerts while
// the previous write is in flight and goes out when that write returns — or after `lingerMs`, or as soon as
// it holds `jobMaxAlerts` alerts. Under load the windows grow by themselves, and so does the batching.

import { ReplyError } from 'ioredis';
import type { Alert } from '../../alert.js';
import { QueueUnavailableError, type Delivery } from '../queue.js';
import type { RedisLink } from './connection.js';
import type { OutputQueues } from './output-queues.js';

interface Window {
  byOutput: Map<string, Alert[]>;
  size: number;
  /** Cancels the scheduled flush. */
  cancel: () => void;
  done: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface ProducerSettings {
  lingerMs: number;
  jobMaxAlerts: number;
  enqueueTimeoutMs: number;
}

/** How long a refused write keeps health red when nothing else was written since. */
const REFUSAL_MEMORY_MS = 10_000;

export class BatchingProducer {
  private window: Window | undefined;
  private lastRefusal: { reason: string; at: number } | undefined;
  private readonly writes = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly link: RedisLink,
    private readonly queues: OutputQueues,
    private readonly settings: ProducerSettings,
  ) {}

  enqueue(deliveries: readonly Delivery[]): Promise<void> {
    if (this.closed) return Promise.reject(new QueueUnavailableError('saker is shutting down'));
    let count = 0;
    for (const delivery of deliveries) {
      if (!this.queues.has(delivery.output)) {
        return Promise.reject(new Error(`no queue for output '${delivery.output}' (known: ${this.queues.names.join(', ')})`));
      }
      count += delivery.alerts.length;
    }
    if (count === 0) return Promise.resolve();
    // Fail fast: the caller answers 503 now rather than after a timeout.
    if (!this.link.ready) return Promise.reject(new QueueUnavailableError(this.link.problem));

    const window = (this.window ??= this.open());
    for (const delivery of deliveries) {
      if (delivery.alerts.length === 0) continue;
      const pending = window.byOutput.get(delivery.output);
      if (pending) for (const alert of delivery.alerts) pending.push(alert);
      else window.byOutput.set(delivery.output, delivery.alerts.slice());
    }
    window.size += count;
    if (window.size >= this.settings.jobMaxAlerts) this.flush();
    return window.done;
  }

  /**
   * Why Redis refused the last write (out of memory, read-only replica, a failing disk), if it did so in the
   * last few seconds and nothing was written since: health reports it.
   */
  get refusal(): string | undefined {
    if (this.lastRefusal && Date.now() - this.lastRefusal.at < REFUSAL_MEMORY_MS) return this.lastRefusal.reason;
    return undefined;
  }

  /** Writes nothing new from now on; resolves when the windows already open are acknowledged or failed. */
  async close(): Promise<void> {
    this.closed = true;
    this.flush();
    await Promise.allSettled([...this.writes]);
  }

  private open(): Window {
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const window: Window = { byOutput: new Map(), size: 0, cancel: () => {}, done, resolve, reject };
    if (this.writes.size === 0) {
      const immediate = setImmediate(() => this.flush());
      window.cancel = () => clearImmediate(immediate);
    } else {
      // A write is in flight: its completion flushes this window (see flush), or the linger bound does.
      const timer = setTimeout(() => this.flush(), this.settings.lingerMs);
      window.cancel = () => clearTimeout(timer);
    }
    return window;
  }

  private flush(): void {
    const window = this.window;
    if (!window) return;
    this.window = undefined;
    window.cancel();
    const write = this.write(window).then(
      () => {
        this.lastRefusal = undefined;
        window.resolve();
      },
      (err: unknown) => window.reject(this.unavailable(err)),
    );
    this.writes.add(write);
    void write.finally(() => {
      this.writes.delete(write);
      // The alerts that gathered during this write go out now rather than waiting for the linger bound.
      if (this.writes.size === 0) this.flush();
    });
  }

  private write(window: Window): Promise<void> {
    const adds = [...window.byOutput].map(([output, alerts]) => this.queues.add(output, alerts, 1));
    const all = Promise.all(adds);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new QueueUnavailableError(
              `Redis at ${this.link.where} did not acknowledge within ${this.settings.enqueueTimeoutMs} ms`,
            ),
          ),
        this.settings.enqueueTimeoutMs,
      );
    });
    // The losing side of the race must not become an unhandled rejection.
    all.catch(() => {});
    return Promise.race([all, timeout]).then(
      () => clearTimeout(timer),
      (err: unknown) => {
        clearTimeout(timer);
        throw err;
      },
    );
  }

  private unavailable(err: unknown): QueueUnavailableError {
    const failure = this.link.unavailable(err, 'the alerts');
    // Only an error *reply* is Redis refusing the write; health reports it for a while (see `refusal`).
    if (err instanceof ReplyError) this.lastRefusal = { reason: failure.message, at: Date.now() };
    return failure;
  }
}
