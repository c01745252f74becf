// What the Redis queue's main thread (thread.ts) and its delivery thread (thread-entry.ts) say to each other.

import type { LogLevel } from '../../config/service-config.js';
import type { DeliveryPolicy, MetricsSnapshot, OutputRecipe } from '../queue.js';
import type { RedisQueueOptions } from './options.js';

export type ConsoleLevel = 'error' | 'warn' | 'info' | 'log' | 'debug' | 'trace';

/** The thread's `workerData`. */
export interface ThreadSetup {
  options: RedisQueueOptions;
  targets: Array<{ recipe: OutputRecipe; policy: DeliveryPolicy }>;
  /** The main thread's log level, and the bindings of the queue's logger (the outputs' loggers have none). */
  log: { level: LogLevel; bindings: Record<string, unknown> };
}

export type ToThread =
  | { kind: 'metrics'; id: number }
  | { kind: 'hangup' }
  /** Both in ms since the epoch; see Deliverers.close. */
  | { kind: 'close'; deadline: number; interruptAt: number };

export type FromThread =
  | { kind: 'ready' }
  | { kind: 'failed'; message: string }
  /** One JSON line, formatted and path-redacted by the thread's logger; the main thread's stream scrubs secrets. */
  | { kind: 'log'; line: string }
  /** What a library wrote to the thread's console, formatted. */
  | { kind: 'console'; level: ConsoleLevel; text: string }
  | { kind: 'metrics'; id: number; snapshot: MetricsSnapshot }
  | { kind: 'closed' };
