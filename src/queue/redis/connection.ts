// The two kinds of Redis connection saker opens, and why they differ.
//
// - The producer connection (enqueue, dead-letter admin, stats) fails fast: no offline queue, no resending
//   of commands after a disconnect. An HTTP request must get a 503 within a bounded time while Redis is
//   down, never wait in a client-side buffer that a crash would lose.
// - The worker connection waits: BullMQ's workers need blocking commands that retry forever
//   (maxRetriesPerRequest null), and a delivery's bookkeeping after Redis comes back is exactly right.
//
// Both reconnect by themselves; `RedisLink` turns their events into one "reachable or why not" state and
// logs transitions once rather than on every failed reconnect.

import { Redis, ReplyError, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { QueueUnavailableError } from '../queue.js';
import { redactRedisUrl } from './options.js';

/** Reconnect quickly at first, then every 2 s: an outage ends in seconds for the common restart case. */
function reconnectDelay(times: number): number {
  return Math.min(100 * times, 2000);
}

export function producerConnection(url: string, enqueueTimeoutMs: number): Redis {
  const options: RedisOptions = {
    connectionName: 'saker:producer',
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // A Redis that accepts the connection but does not answer (paused, swapping, partitioned) must not hold
    // requests forever either.
    commandTimeout: enqueueTimeoutMs,
    connectTimeout: Math.max(enqueueTimeoutMs, 2000),
    retryStrategy: reconnectDelay,
    keepAlive: 10_000,
  };
  return new Redis(url, options);
}

export function workerConnection(url: string): Redis {
  return new Redis(url, {
    connectionName: 'saker:worker',
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: reconnectDelay,
    keepAlive: 10_000,
  });
}

/** Tracks whether a connection is usable and the last reason it was not. */
export class RedisLink {
  private lastError: string | undefined;
  private wasReady = false;
  private everReady = false;

  constructor(
    readonly client: Redis,
    private readonly url: string,
    private readonly logger: Logger,
    private readonly role: string,
  ) {
    client.on('ready', () => {
      if (this.everReady && !this.wasReady) this.logger.info({ redis: this.where }, `Redis ${role} connection restored`);
      this.wasReady = true;
      this.everReady = true;
      this.lastError = undefined;
    });
    client.on('error', (err: Error) => {
      const message = describeRedisError(err);
      if (message !== this.lastError) this.logger.warn({ redis: this.where }, `Redis ${role} connection: ${message}`);
      this.lastError = message;
    });
    client.on('close', () => {
      if (this.wasReady) this.logger.warn({ redis: this.where }, `Redis ${role} connection lost; reconnecting`);
      this.wasReady = false;
    });
  }

  get where(): string {
    return redactRedisUrl(this.url);
  }

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /** Why the connection cannot be used now, in words for a 503 body or /healthz. */
  get problem(): string {
    const state = this.client.status === 'ready' ? 'not answering' : 'unreachable';
    return `Redis at ${this.where} is ${state}${this.lastError ? `: ${this.lastError}` : ''}`;
  }

  /**
   * A failed command as the reason saker cannot do something now (HTTP 503): Redis refused `what` (an
   * error reply: out of memory, a read-only replica), or the connection failed, whether or not ioredis
   * has noticed yet.
   */
  unavailable(err: unknown, what: string): QueueUnavailableError {
    if (err instanceof QueueUnavailableError) return err;
    if (err instanceof ReplyError) return new QueueUnavailableError(`Redis at ${this.where} refused ${what}: ${describeRedisError(err)}`, { cause: err });
    const problem = this.ready ? `Redis at ${this.where} is unreachable: ${describeRedisError(err)}` : this.problem;
    return new QueueUnavailableError(problem, { cause: err });
  }

  /** Resolves when the connection is ready, or rejects after `timeoutMs`. */
  waitReady(timeoutMs: number): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        reject(new Error(this.problem));
      }, timeoutMs);
      this.client.once('ready', onReady);
    });
  }
}

/** ioredis' errors, worded for an operator (an AggregateError from a dual-stack connect has no message). */
export function describeRedisError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return describeRedisError(err.errors[0]);
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    // ioredis' words for "the connection is down" when a command is refused without being sent.
    if (/^Stream isn't writeable|^Connection is closed/.test(err.message)) return 'the connection is closed';
    if (err.message) return err.message;
    if (code) return code;
    return err.name;
  }
  return String(err);
}
