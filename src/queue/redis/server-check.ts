// Is the Redis we talk to configured so that it keeps what it acknowledged? saker's promise ("a 200 means
// delivered at least once") is only as good as Redis' persistence and eviction settings, so start-up reads
// them and warns, in words that say what could be lost and what to set.

import type { Redis } from 'ioredis';

export interface RedisServerFacts {
  version: string;
  aofEnabled: boolean;
  /** `appendfsync`, when CONFIG GET is allowed (managed Redis often forbids it). */
  appendfsync?: string;
  /** RDB snapshot rules (`save`), when CONFIG GET is allowed; '' means snapshots are off. */
  save?: string;
  maxmemoryPolicy: string;
  maxmemory: number;
  clusterEnabled: boolean;
}

/** Parses `INFO`'s `key:value` lines. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

export async function readServerFacts(client: Redis): Promise<RedisServerFacts> {
  const info = parseInfo(await client.info());
  const facts: RedisServerFacts = {
    version: info.get('redis_version') ?? 'unknown',
    aofEnabled: info.get('aof_enabled') === '1',
    maxmemoryPolicy: info.get('maxmemory_policy') ?? 'unknown',
    maxmemory: Number(info.get('maxmemory') ?? 0),
    clusterEnabled: info.get('cluster_enabled') === '1',
  };
  facts.appendfsync = await configValue(client, 'appendfsync');
  facts.save = await configValue(client, 'save');
  return facts;
}

async function configValue(client: Redis, name: string): Promise<string | undefined> {
  try {
    const pair = (await client.config('GET', name)) as string[];
    return pair[1];
  } catch {
    return undefined; // CONFIG is often renamed or forbidden on managed Redis: warn from INFO alone.
  }
}

/** The ways this Redis could lose acknowledged alerts, one sentence each; empty when none. */
export function durabilityWarnings(facts: RedisServerFacts): string[] {
  const warnings: string[] = [];
  if (facts.maxmemoryPolicy !== 'noeviction' && facts.maxmemoryPolicy !== 'unknown') {
    warnings.push(
      `maxmemory-policy is ${facts.maxmemoryPolicy}: under memory pressure Redis deletes keys, queued alerts ` +
        'among them, without telling anyone; set maxmemory-policy noeviction (saker then answers 503 when Redis is full)',
    );
  }
  if (!facts.aofEnabled) {
    const snapshotsOff = facts.save === '';
    warnings.push(
      snapshotsOff
        ? 'persistence is off (appendonly no, no RDB snapshots): a Redis restart loses every queued alert and dead letter; set appendonly yes'
        : 'appendonly is no: a Redis crash loses the alerts acknowledged since its last RDB snapshot; set appendonly yes',
    );
  } else if (facts.appendfsync === 'no') {
    warnings.push(
      'appendfsync is no: the operating system decides when the append-only file reaches the disk, so a machine ' +
        'crash can lose tens of seconds of acknowledged alerts; set appendfsync everysec (or always)',
    );
  }
  if (facts.clusterEnabled) {
    warnings.push('this Redis runs in cluster mode, which saker does not support: use a standalone Redis (with a replica)');
  }
  return warnings;
}
