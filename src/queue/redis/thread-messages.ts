// What the Redis queue's main thread (thread.ts) and its delivery thread (thread-entry.ts) say to each
// other beyond what every delivery thread says (../thread/messages.ts): nothing but the Redis settings.

import type { GuestSetup } from '../thread/messages.js';
import type { RedisQueueOptions } from './options.js';

/** The thread's `workerData`. */
export interface ThreadSetup extends GuestSetup {
  options: RedisQueueOptions;
}

/** Requests of the Redis queue's own: only the metrics, which every thread answers. */
export type RedisRequest = { kind: 'metrics' };
