// Shared set-up for the Redis queue suites: a queue over a private Redis with test-sized timings.

import pino, { type Logger } from 'pino';
import { Writable } from 'node:stream';
import type { DeliveryPolicy, DeliveryTarget } from '../../../src/queue/queue.js';
import { RedisQueue } from '../../../src/queue/redis/redis-queue.js';
import { resolveRedisQueueOptions, type RedisQueueOptions } from '../../../src/queue/redis/options.js';
import type { RedisServer } from '../../peers/redis.js';
import type { Output } from '../../../outputs/output.js';

export const fastPolicy: DeliveryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 50,
  maxDelayMs: 200,
  timeoutMs: 2000,
  concurrency: 2,
};

/** A logger whose lines the test can read (and that prints nothing). */
export function memoryLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines: () => lines };
}

export function queueOptions(redis: RedisServer, overrides: Partial<RedisQueueOptions> = {}): RedisQueueOptions {
  return resolveRedisQueueOptions({
    url: redis.url,
    prefix: redis.prefix,
    // Short locks so that stalled-job recovery happens within a test's patience.
    lockDurationMs: 2000,
    stalledIntervalMs: 1000,
    ...overrides,
  });
}

export async function startQueue(
  redis: RedisServer,
  outputs: Array<Output | DeliveryTarget>,
  overrides: Partial<RedisQueueOptions> = {},
  logger: Logger = pino({ level: 'silent' }),
): Promise<RedisQueue> {
  const queue = new RedisQueue(queueOptions(redis, overrides), logger);
  const targets = outputs.map((o) => ('policy' in o ? o : { output: o, policy: fastPolicy }));
  await queue.start(targets);
  return queue;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
