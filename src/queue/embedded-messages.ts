// What the embedded queue's main thread (embedded-thread.ts) and its delivery thread
// (embedded-thread-entry.ts) say to each other beyond what every delivery thread says (thread/messages.ts).

import type { Alert } from '../alert.js';
import type { GuestSetup } from './thread/messages.js';

/** The thread's `workerData`. */
export interface EmbeddedThreadSetup extends GuestSetup {
  /** Dead letters kept per output. */
  deadLetterLimit: number;
}

export type EmbeddedRequest =
  | { kind: 'metrics' }
  | { kind: 'dead-letter-counts' }
  | { kind: 'dlq-list'; output: string; offset: number; limit: number }
  | { kind: 'dlq-retry'; output: string; ids: readonly string[] | 'all' }
  | { kind: 'dlq-purge'; output: string }
  /** The log lines that report what exiting now would lose (asked with requestNow: saker exits right after). */
  | { kind: 'loss'; what: string };

/**
 * Main → thread: the alerts accepted during one short window (a few ms), per output (structured
 * clone: an alert routed to several outputs crosses once). `at` is when the first of them was accepted.
 */
export interface AlertsMessage {
  kind: 'alerts';
  at: number;
  outputs: string[];
  alerts: Alert[][];
}

/** Thread → main: alerts that left their lanes (delivered, or dead letters), per output, since the last one. */
export interface SettledMessage {
  kind: 'settled';
  counts: Array<[string, number]>;
}
