// What any delivery thread (the Redis queue's, the embedded queue's) and the main thread say to each other,
// beside what each queue adds: start-up, logs, console output, requests and their replies, SIGHUP, close.

import type { MessagePort } from 'node:worker_threads';
import type { LogLevel } from '../../config/service-config.js';
import type { DeliveryPolicy, OutputRecipe } from '../queue.js';

export type ConsoleLevel = 'error' | 'warn' | 'info' | 'log' | 'debug' | 'trace';

/** What every thread's `workerData` holds; each queue adds its own settings. */
export interface GuestSetup {
  targets: Array<{ recipe: OutputRecipe; policy: DeliveryPolicy }>;
  /** The main thread's log level, and the bindings of the queue's logger (the outputs' loggers have none). */
  log: { level: LogLevel; bindings: Record<string, unknown> };
  /** Where the thread answers a request the main thread waits for without its event loop (`requestNow`). */
  sync: { port: MessagePort; flag: SharedArrayBuffer };
}

/** A request the main thread waits an answer for; `body.kind` says what is asked. */
export interface RequestMessage<Body extends { kind: string } = { kind: string }> {
  kind: 'request';
  id: number;
  /** Answered on the sync port (the main thread is blocked in Atomics.wait meanwhile). */
  sync: boolean;
  body: Body;
}

export type HostMessage<Body extends { kind: string } = { kind: string }> =
  | RequestMessage<Body>
  | { kind: 'hangup' }
  /** In ms since the epoch: everything is to be finished (outputs closed) by then. */
  | { kind: 'close'; deadline: number; interruptAt: number };

export type GuestMessage =
  | { kind: 'ready' }
  | { kind: 'failed'; message: string }
  /** One JSON line, formatted and path-redacted by the thread's logger; the main thread's stream scrubs secrets. */
  | { kind: 'log'; line: string }
  /** What a library wrote to the thread's console, formatted. */
  | { kind: 'console'; level: ConsoleLevel; text: string }
  | { kind: 'reply'; id: number; value?: unknown; error?: string }
  | { kind: 'closed' };
