// The `redis` and `metrics` sections: what `readServiceConfig` makes of them, and the errors for bad values.

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/loader.js';
import { allSections } from '../../src/config/sections.js';
import { readServiceConfig } from '../../src/config/service-config.js';
import { REDIS_QUEUE_DEFAULTS, resolveRedisQueueOptions } from '../../src/queue/redis/options.js';

function service(env: Record<string, string>) {
  return readServiceConfig(loadConfig({ env, sections: allSections() }));
}

function problems(env: Record<string, string>): string[] {
  try {
    service(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('redis configuration', () => {
  it('means the embedded queue when redis.url is empty', () => {
    expect(service({}).redis).toBeUndefined();
  });

  it('has the same defaults as the Redis queue itself', () => {
    expect(service({ REDIS_URL: 'redis://redis:6379' }).redis).toEqual({ url: 'redis://redis:6379', ...REDIS_QUEUE_DEFAULTS });
  });

  it('reads every key from the environment, durations with units', () => {
    const redis = service({
      REDIS_URL: 'rediss://:pw@redis:6380/2',
      REDIS_PREFIX: 'prod',
      REDIS_BATCH_LINGER: '5ms',
      REDIS_BATCH_MAXALERTS: '1000',
      REDIS_ENQUEUETIMEOUT: '1s',
      REDIS_LOCKDURATION: '1m',
      REDIS_STALLEDINTERVAL: '10s',
      REDIS_MAXSTALLEDCOUNT: '5',
      REDIS_KEEPCOMPLETED_COUNT: '0',
      REDIS_KEEPCOMPLETED_AGE: '10m',
    }).redis;
    expect(redis).toEqual({
      url: 'rediss://:pw@redis:6380/2',
      prefix: 'prod',
      lingerMs: 5,
      jobMaxAlerts: 1000,
      enqueueTimeoutMs: 1000,
      lockDurationMs: 60_000,
      stalledIntervalMs: 10_000,
      maxStalledCount: 5,
      keepCompletedCount: 0,
      keepCompletedAgeMs: 600_000,
    });
  });

  it('names the key of every bad value, without showing the password', () => {
    const found = problems({ REDIS_URL: 'http://:secret@redis:6379', REDIS_PREFIX: 'a b' });
    expect(found.join('\n')).not.toContain('secret');
    expect(found).toEqual([
      "redis.url: 'http://:***@redis:6379' is not a redis:// or rediss:// URL",
      "redis.prefix: 'a b' must be non-empty without spaces or ':' (or a {hash-tag})",
    ]);
    expect(problems({ REDIS_URL: 'redis://redis', REDIS_LOCKDURATION: '10ms' })).toEqual([
      'redis.lockduration (environment variable REDIS_LOCKDURATION): 10ms is below the minimum of 1s',
    ]);
  });

  it('refuses a metrics label that could explode the series count', () => {
    expect(problems({ METRICS_ALERTLABELS: 'rule,uuid' })).toEqual([
      "metrics.alertlabels: 'uuid' is not one of source, rule, hostname, k8s_ns_name, k8s_pod_name",
    ]);
    expect(service({ METRICS_ALERTLABELS: 'rule,hostname' }).metrics.alertLabels).toEqual(['rule', 'hostname']);
  });

  it('checks options given programmatically too', () => {
    expect(() => resolveRedisQueueOptions({ url: 'redis://x', jobMaxAlerts: 0 })).toThrow(/redis\.batch\.maxalerts: must be greater than 0/);
  });
});
