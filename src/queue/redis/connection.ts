// The two kinds of Redis connection saker opens, and why they differ.
//
// - The producer connection (enqueue, dead-letter admin, stats) fails fast: no offline queue, no resending
//   of commands after a disconnect. An HTTP request must get a 503 within a bounded time while Redis is
//   down, never wait in a client-side buffer that a crash would lose.
// - The worker connection waits: BullMQ's workers need blocking commands that retry forever
//   (maxRetriesPerRequest null), and a delivery's bookkeeping after Redis comes back is exactly right.
//
// Both reconnect by themselves; `RedisLink` turns their events into one "reachable or why not" state and
// logs its changes once rather than on every failed reconnect.

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

/**
 * Tracks whether a connection is usable and the last reason it was not, and logs each change of state once:
 * "unreachable" when it is lost (or cannot be made at start-up), "reachable again" when it is back — not a
 * line per failed reconnect. Only the `announce`d link (the producer's) logs at warn/info: both connections
 * go to the same Redis, so the worker's transitions would say the same again (they go to debug).
 */
export class RedisLink {
  private lastError: string | undefined;
  /** The outage in progress was logged: its end will be too. */
  private outageLogged = false;
  private quitting = false;

  constructor(
    readonly client: Redis,
    private readonly url: string,
    private readonly logger: Logger,
    private readonly announce: boolean,
  ) {
    client.on('ready', () => {
      this.lastError = undefined;
      if (this.outageLogged) this.log('info', `Redis reachable again at ${this.address}`);
      this.outageLogged = false;
    });
    client.on('error', (err: Error) => {
      this.lastError = describeRedisError(err);
      // At start-up there is no 'close' before the first failure: the first error is the news.
      if (!this.ready) this.reportOutage(this.lastError);
    });
    client.on('close', () => {
      if (!this.quitting) this.reportOutage(this.lastError ?? 'connection lost');
    });
  }

  get where(): string {
    return redactRedisUrl(this.url);
  }

  /** host:port, for log lines: the URL itself is a secret setting (it may hold a password), scrubbed from logs. */
  get address(): string {
    try {
      const url = new URL(this.url);
      return `${url.hostname}:${url.port || '6379'}`;
    } catch {
      return this.where;
    }
  }

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /** Why the connection cannot be used now, in words for a 503 body or /healthz. */
  get problem(): string {
    const state = this.client.status === 'ready' ? 'not answering' : 'unreachable';
    return `Redis at ${this.where} is ${state}${this.lastError ? `: ${this.lastError}` : ''}`;
  }

  /** Logs that Redis cannot be reached, and why, once per outage. */
  reportOutage(reason: string): void {
    if (this.outageLogged) return;
    this.outageLogged = true;
    this.log('warn', `Redis unreachable at ${this.address}: ${reason}; retrying (alerts get 503 meanwhile)`);
  }

  /** QUIT when Redis is there to answer it (it flushes what was sent); otherwise just drop the connection. */
  async quit(): Promise<void> {
    this.quitting = true;
    if (!this.ready) {
      this.client.disconnect();
      return;
    }
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  private log(level: 'warn' | 'info', message: string): void {
    const fields = { redis: this.address };
    if (!this.announce) this.logger.debug(fields, `worker connection: ${message}`);
    else if (level === 'warn') this.logger.warn(fields, message);
    else this.logger.info(fields, message);
  }

  /**
   * A failed command as the reason saker cannot do something now (HTTP 503): Redis refused `what` (an
   * error reply: out of memory, a read-only replica), or the connection failed, whether or not ioredis
   * has noticed yet.
   */
  unavailable(err: unknown, what: string): QueueUnavailableError {
    if (err instanceof QueueUnavailableError) return err;
    if (err instanceof ReplyError) return new QueueUnavailableError(`Redis at ${this.where} refused ${what}: ${describeRedisError(err)}`, { cause: err });
    if (!this.ready) return new QueueUnavailableError(this.problem, { cause: err });
    const reason = describeRedisError(err);
    const state = reason === 'Command timed out' ? 'not answering' : 'unreachable';
    return new QueueUnavailableError(`Redis at ${this.where} is ${state}: ${reason}`, { cause: err });
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
