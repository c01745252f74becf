// Queue depth in alerts, not jobs: the number an operator compares with what came in. Each job's name
// carries its alert count (job.ts), so one script sums a small hash field per job, in Redis, in one round
// trip. Past `JOBS_READ_PER_STATE` jobs in a state the rest are estimated from the average of those read,
// so a huge backlog costs a bounded amount of Redis time per scrape.

import type { Redis } from 'ioredis';

const JOBS_READ_PER_STATE = 5000;

// Builds key names from ARGV as BullMQ's own scripts do: standalone Redis (not Cluster) only.
const COUNT_ALERTS = `
local base = ARGV[1]
local cap = tonumber(ARGV[2])
local jobs, read, alerts = 0, 0, 0
local function add(ids)
  for _, id in ipairs(ids) do
    local name = redis.call('HGET', base .. id, 'name')
    local n = name and tonumber(string.match(name, '(%d+)$'))
    if n then
      alerts = alerts + n
      read = read + 1
    end
  end
end
for _, list in ipairs({'wait', 'paused', 'active'}) do
  jobs = jobs + redis.call('LLEN', base .. list)
  add(redis.call('LRANGE', base .. list, 0, cap - 1))
end
for _, zset in ipairs({'delayed', 'prioritized'}) do
  jobs = jobs + redis.call('ZCARD', base .. zset)
  add(redis.call('ZRANGE', base .. zset, 0, cap - 1))
end
return {jobs, read, alerts}`;

/** Alerts waiting, delayed for a retry, or being delivered in the queue whose keys start with `queueKey`. */
export async function alertsInQueue(client: Redis, queueKey: string): Promise<number> {
  const [jobs, read, alerts] = (await client.eval(COUNT_ALERTS, 0, queueKey, JOBS_READ_PER_STATE)) as [number, number, number];
  if (jobs <= read) return alerts;
  const perJob = read > 0 ? alerts / read : 1;
  return Math.round(alerts + (jobs - read) * perJob);
}
