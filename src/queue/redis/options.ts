// What the Redis queue can be tuned with: the `redis` config section, resolved. Defaults are chosen for a
// single Redis on the same network as saker; the README's "Durable delivery with Redis" explains each one.

import { redactUrlPasswords } from '../../url-credentials.js';

export interface RedisQueueOptions {
  /** redis://[user:password@]host:port[/db] or rediss:// for TLS. */
  url: string;
  /** Key prefix of every BullMQ queue (one per output: `<prefix>:<output>:…`) and of the dead letters. */
  prefix: string;
  /** Micro-batching: alerts arriving within `lingerMs` are added to Redis in one pipelined round trip. */
  lingerMs: number;
  /** Most alerts one job carries (also flushes the batching window early when reached). */
  jobMaxAlerts: number;
  /** An enqueue that Redis has not acknowledged within this time fails (HTTP 503). */
  enqueueTimeoutMs: number;
  /** How long a worker's claim on a job lasts without renewal; a crashed worker's jobs wait this long. */
  lockDurationMs: number;
  /** How often workers look for jobs whose lock expired (their worker died) and put them back. */
  stalledIntervalMs: number;
  /** A job that stalls more often than this is dead-lettered (it may be what kills its worker). */
  maxStalledCount: number;
  /** Completed jobs kept for inspection, by count and by age; older ones are deleted. */
  keepCompletedCount: number;
  keepCompletedAgeMs: number;
}

export const REDIS_QUEUE_DEFAULTS: Omit<RedisQueueOptions, 'url'> = {
  prefix: 'saker',
  lingerMs: 2,
  jobMaxAlerts: 500,
  enqueueTimeoutMs: 2000,
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  maxStalledCount: 3,
  keepCompletedCount: 100,
  keepCompletedAgeMs: 3_600_000,
};

/** The options with defaults applied, checked for values BullMQ or the batching would misbehave with. */
export function resolveRedisQueueOptions(given: Partial<RedisQueueOptions> & { url: string }): RedisQueueOptions {
  const options: RedisQueueOptions = { ...REDIS_QUEUE_DEFAULTS, ...given };
  const problems: string[] = [];
  if (!/^rediss?:\/\//.test(options.url)) problems.push(`redis.url: '${redactRedisUrl(options.url)}' is not a redis:// or rediss:// URL`);
  if (!/^[^\s:{}]+$/.test(options.prefix) && !/^\{[^\s{}]+\}$/.test(options.prefix)) {
    problems.push(`redis.prefix: '${options.prefix}' must be non-empty without spaces or ':' (or a {hash-tag})`);
  }
  const positive: Array<[keyof RedisQueueOptions, string]> = [
    ['jobMaxAlerts', 'redis.batch.maxalerts'],
    ['enqueueTimeoutMs', 'redis.enqueuetimeout'],
    ['lockDurationMs', 'redis.lockduration'],
    ['stalledIntervalMs', 'redis.stalledinterval'],
  ];
  for (const [key, name] of positive) {
    const value = options[key];
    if (typeof value !== 'number' || !(value > 0)) problems.push(`${name}: must be greater than 0 (got ${String(value)})`);
  }
  const nonNegative: Array<[keyof RedisQueueOptions, string]> = [
    ['lingerMs', 'redis.batch.linger'],
    ['maxStalledCount', 'redis.maxstalledcount'],
    ['keepCompletedCount', 'redis.keepcompleted.count'],
    ['keepCompletedAgeMs', 'redis.keepcompleted.age'],
  ];
  for (const [key, name] of nonNegative) {
    const value = options[key];
    if (typeof value !== 'number' || !(value >= 0)) problems.push(`${name}: must be 0 or more (got ${String(value)})`);
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return options;
}

/** The URL without its password, for logs and error messages (the same redaction as every logged setting's). */
export const redactRedisUrl = redactUrlPasswords;
