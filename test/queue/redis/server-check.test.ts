// Which Redis settings saker warns about: the pure part of the start-up check (the Redis part is in
// outage.test.ts).

import { describe, expect, it } from 'vitest';
import { durabilityWarnings, parseInfo, type RedisServerFacts } from '../../../src/queue/redis/server-check.js';

const durable: RedisServerFacts = {
  version: '7.2.4',
  aofEnabled: true,
  appendfsync: 'everysec',
  save: '3600 1',
  maxmemoryPolicy: 'noeviction',
  maxmemory: 0,
  clusterEnabled: false,
};

describe('durabilityWarnings', () => {
  it('has nothing to say about appendonly + noeviction', () => {
    expect(durabilityWarnings(durable)).toEqual([]);
    expect(durabilityWarnings({ ...durable, appendfsync: 'always' })).toEqual([]);
  });

  it('warns about each way acknowledged alerts can be lost', () => {
    expect(durabilityWarnings({ ...durable, maxmemoryPolicy: 'volatile-lru' })).toEqual([expect.stringMatching(/^maxmemory-policy is volatile-lru: /)]);
    expect(durabilityWarnings({ ...durable, aofEnabled: false })).toEqual([expect.stringMatching(/^appendonly is no: a Redis crash loses the alerts acknowledged since its last RDB snapshot/)]);
    expect(durabilityWarnings({ ...durable, aofEnabled: false, save: '' })).toEqual([expect.stringMatching(/^persistence is off/)]);
    expect(durabilityWarnings({ ...durable, appendfsync: 'no' })).toEqual([expect.stringMatching(/^appendfsync is no: /)]);
    expect(durabilityWarnings({ ...durable, clusterEnabled: true })).toEqual([expect.stringMatching(/cluster mode, which saker does not support/)]);
  });

  it('stays quiet about what managed Redis hides (CONFIG GET refused)', () => {
    expect(durabilityWarnings({ ...durable, appendfsync: undefined, save: undefined, maxmemoryPolicy: 'unknown' })).toEqual([]);
  });
});

describe('parseInfo', () => {
  it("reads INFO's key:value lines, skipping section headers", () => {
    const info = parseInfo('# Server\r\nredis_version:7.0.15\r\n\r\n# Persistence\r\naof_enabled:1\r\n');
    expect(info.get('redis_version')).toBe('7.0.15');
    expect(info.get('aof_enabled')).toBe('1');
    expect(info.has('# Server')).toBe(false);
  });
});
