// The output contract: what every adapter in outputs/ implements, and all that it may import besides
// its own client library. Outputs know nothing about queues, Redis, routing or the engine.

import type { Logger } from 'pino';
import type { Alert } from '../src/alert.js';

export type { Alert } from '../src/alert.js';

/** A delivery failure. The queue decides what to do from `retryable` alone. */
export abstract class DeliveryError extends Error {
  abstract readonly retryable: boolean;
}

/** Worth trying again: network errors, timeouts, 5xx, 429. `retryAfterMs` (from Retry-After) overrides backoff. */
export class RetryableError extends DeliveryError {
  readonly retryable = true;
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RetryableError';
  }
}

/** Trying again cannot help: other 4xx, a rejected document, bad configuration. Goes to the dead letters. */
export class PermanentError extends DeliveryError {
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

/**
 * Part of a batch failed (an Elasticsearch bulk response with per-item errors, a digest mail to one bad
 * recipient…). Alerts of the batch not named in `failures` were delivered; only the named ones are retried
 * or dead-lettered, each by its own error. Keys are indexes into the `alerts` array given to `send`.
 */
export class PartialDeliveryError extends Error {
  constructor(readonly failures: ReadonlyMap<number, DeliveryError>) {
    super(`${failures.size} alert(s) of the batch failed`);
    this.name = 'PartialDeliveryError';
  }
}

export interface SendContext {
  /** 1 on the first try. */
  attempt: number;
  /** Aborted when the output's timeout passes or saker is shutting down: pass it to the client. */
  signal: AbortSignal;
  /** When saker accepted these alerts (ms since the epoch), if the queue knows: for latency metrics. */
  enqueuedAt?: number;
}

export interface Output {
  /** The config section it was built from (`webhook`, `slack`, …): also the name of its queue. */
  readonly name: string;
  /**
   * Most alerts one `send` takes. Batching outputs (webhook arrays, Elasticsearch bulk, email digests)
   * send a batch in one request; others say 1 or loop inside `send`.
   */
  readonly maxBatch: number;
  /** One-time preparation before the first send (an index template, a connection pool). Optional. */
  start?(): Promise<void>;
  /**
   * Delivers the alerts, resolving when the peer has them. The alerts are shared with the other outputs:
   * read them, never modify them. Throws a DeliveryError for the whole batch, a
   * PartialDeliveryError when only some failed; anything else thrown counts as retryable.
   */
  send(alerts: Alert[], ctx: SendContext): Promise<void>;
  /** Flushes and releases connections. Called once, at shutdown. */
  close(): Promise<void>;
}

// ---- configuration declared by each output ---------------------------------------------------------------

export type ConfigValueType =
  | 'string'
  | 'int' // integer; env text parsed strictly
  | 'number'
  | 'bool' // true/false (env: true/false/1/0/yes/no)
  | 'duration' // milliseconds as a number, or text with a unit: 500ms, 10s, 2m, 1h
  | 'priority' // a Falco priority name (case-insensitive, `info` alias); unknown names are errors
  | 'string[]' // YAML sequence; env: comma-separated
  | 'map' // string → string; env: `k1:v1,k2:v2` (Falcosidekick's convention)
  | 'enum'; // one of `values`

/**
 * One configuration key of an output section, relative to it: `webhookurl` in `slack:`. A dotted name is a
 * nested map (`mutualtls.certfile`). The environment name is derived as Falcosidekick does: the section and
 * the key path joined by `_`, uppercased (`SLACK_WEBHOOKURL`). The README's reference table is generated
 * from these declarations, so `doc` is what users read.
 */
export interface ConfigKey {
  name: string;
  type: ConfigValueType;
  doc: string;
  default?: unknown;
  /** For `enum`. */
  values?: readonly string[];
  /** Never logged: tokens, passwords, URLs that embed credentials. */
  secret?: boolean;
  /** Other spellings accepted for compatibility (e.g. a Falcosidekick name saker renamed). */
  aliases?: readonly string[];
  /** Bounds for `int`, `number` and `duration` (ms), inclusive. */
  min?: number;
  max?: number;
}

/** Resolved, validated values of one section: keys as declared (dotted names stay dotted), defaults applied. */
export type OutputConfig = Record<string, unknown>;

export interface OutputContext {
  /** Child logger named after the output; redacts secrets. */
  logger: Logger;
  /** This host's name, for outputs that need to say where they run from. */
  hostname: string;
  /** The per-attempt timeout the queue will enforce, so clients can set their own to match. */
  timeoutMs: number;
  /**
   * Falcosidekick's global client TLS settings, as file paths (empty when unset); `outputs/tls.ts` turns them
   * and an output's `mutualtls`/`checkcert` keys into Node TLS options. Absent in contexts built by hand.
   */
  clientTls?: ClientTlsFiles;
}

export interface ClientTlsFiles {
  /** `mutualtlsclient.certfile` / `.keyfile`: presented by outputs whose `mutualtls` is true. */
  certFile: string;
  keyFile: string;
  /** `mutualtlsclient.cacertfile`: trusted, besides the others, by outputs whose `mutualtls` is true. */
  mutualCaCertFile: string;
  /** `tlsclient.cacertfile`: trusted by every output's TLS connections, besides the system's CAs. */
  caCertFile: string;
}

/** What the registry knows about one kind of output: one file in outputs/, one line in outputs/registry.ts. */
export interface OutputModule {
  /** The config section, Falcosidekick's name where it has one: `webhook`, `slack`, `pagerduty`, … */
  type: string;
  /** One line for `--help` and the README. */
  summary: string;
  keys: readonly ConfigKey[];
  /**
   * Whether the section turns the output on. Falcosidekick enables an output when its address/URL/key is
   * set; saker does the same, so a Falcosidekick config works unchanged.
   */
  isEnabled(config: OutputConfig): boolean;
  /** Throws an Error whose message names the key (`slack.channel: required with token`) on bad config. */
  create(config: OutputConfig, ctx: OutputContext): Output;
  /**
   * Why this output must be delivered on saker's main thread, if it must: the Redis queue delivers every
   * other output from a worker thread of its own (building it there again from its config section).
   */
  mainThreadOnly?: string;
}
