// Some libraries write to the console themselves: BullMQ warns about Redis' eviction policy for every queue
// and worker it prepares, ioredis about an error event nobody listens to. `saker run`'s stderr carries JSON
// log lines and its stdout only alerts, so there the console is routed to the logger: one structured line
// per message, and the same message again within a minute is not written again.

import { format } from 'node:util';
import type { Logger } from 'pino';

const REPEAT_WINDOW_MS = 60_000;
/** Distinct messages remembered; past this the memory starts over (a message may then be written twice). */
const REMEMBERED = 1000;

export function routeConsoleToLogger(logger: Logger): void {
  const log = logger.child({ component: 'library' });
  const writtenAt = new Map<string, number>();
  const route =
    (level: 'error' | 'warn' | 'info' | 'debug') =>
    (...args: unknown[]): void => {
      const message = format(...args);
      const now = Date.now();
      const last = writtenAt.get(message);
      if (last !== undefined && now - last < REPEAT_WINDOW_MS) return;
      if (writtenAt.size >= REMEMBERED) writtenAt.clear();
      writtenAt.set(message, now);
      log[level](message);
    };
  console.error = route('error');
  console.trace = route('error');
  console.warn = route('warn');
  console.log = route('info');
  console.info = route('info');
  console.debug = route('debug');
}
