// saker in-process with REDIS_URL: the real HTTP API, router, webhook output and Redis queue together —
// Retry-After, dead letters over /api/v1/dlq, /healthz and 503s through a Redis outage.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alert, startTestService, type TestService } from '../../helpers/service.js';
import { AlertSink } from '../../peers/alert-sink.js';
import { redisRestartSkipReason, startRedis, type RedisServer } from '../../peers/redis.js';

const CLI = fileURLToPath(new URL('../../../dist/src/cli.js', import.meta.url));
const run = promisify(execFile);

describe.skipIf(redisRestartSkipReason)('saker with the Redis queue', () => {
  let redis: RedisServer;
  let sink: AlertSink;
  let saker: TestService;

  beforeAll(async () => {
    redis = await startRedis({ persistent: true });
    sink = await AlertSink.start();
    saker = await startTestService({
      env: {
        REDIS_URL: redis.url,
        REDIS_PREFIX: redis.prefix,
        WEBHOOK_ADDRESS: sink.url,
        WEBHOOK_MAXATTEMPTS: '3',
        WEBHOOK_BACKOFF_INITIAL: '50ms',
        WEBHOOK_BACKOFF_MAX: '100ms',
      },
    });
  });
  afterAll(async () => {
    await saker?.stop();
    await sink?.close();
    await redis?.close();
  });

  const dlq = async (path = '', init?: RequestInit) => {
    const response = await fetch(`${saker.url}/api/v1/dlq${path}`, init);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('says at start-up which queue it uses', () => {
    expect(saker.queue.kind).toBe('redis');
    expect(saker.logs.some((l) => /^queue: redis/.test(String(l.msg)))).toBe(true);
  });

  it("honours the webhook receiver's Retry-After", async () => {
    sink.behaviour = (_alerts, n) => (n === 1 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 });
    const before = sink.requests.length;
    const posted = await saker.post('/', alert({ uuid: 'retry-after-1' }));
    expect(posted.status).toBe(200);
    await sink.waitUntil(() => sink.accepted.has('retry-after-1'), 10_000);
    const [first, second] = sink.requests.slice(before);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  it('dead-letters what the receiver rejects, and replays it over /api/v1/dlq', async () => {
    sink.behaviour = (alerts) => (alerts.some((a) => a.rule === 'Rejected rule') ? { status: 400, body: { error: 'no such index' } } : { status: 200 });
    const posted = await saker.post('/', [alert({ uuid: 'dead-1', rule: 'Rejected rule' }), alert({ uuid: 'live-1' })]);
    expect(posted.status).toBe(200);
    await sink.waitUntil(() => sink.accepted.has('live-1'), 10_000);
    await expect.poll(async () => (await dlq('/webhook')).body.total, { timeout: 10_000 }).toBe(1);

    const listed = await dlq('/webhook');
    expect(listed.body.deadLetters).toEqual([
      expect.objectContaining({ id: 'dead-1', output: 'webhook', attempts: 1, error: expect.stringMatching(/^webhook answered HTTP 400: .*no such index/) }),
    ]);
    const overview = await dlq();
    expect(overview.body.outputs).toEqual({ webhook: { depth: 0, deadLetters: 1 } });

    sink.behaviour = () => ({ status: 200 });
    const retried = await dlq('/webhook/retry', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"all":true}' });
    expect(retried.body).toEqual({ retried: 1, notFound: [] });
    await sink.waitUntil(() => sink.accepted.has('dead-1'), 10_000);
    expect((await dlq('/webhook')).body.total).toBe(0);
  });

  it('purges dead letters over /api/v1/dlq', async () => {
    sink.behaviour = () => ({ status: 422 });
    await saker.post('/', [alert({ uuid: 'purge-1' }), alert({ uuid: 'purge-2' })]);
    await expect.poll(async () => (await dlq('/webhook')).body.total, { timeout: 10_000 }).toBe(2);
    expect((await dlq('/webhook', { method: 'DELETE' })).body).toEqual({ purged: 2 });
    sink.behaviour = () => ({ status: 200 });
  });

  it('lists, retries and purges dead letters kept in Redis with `saker dlq`', async () => {
    sink.behaviour = () => ({ status: 410 });
    await saker.post('/', [alert({ uuid: 'cli-1', rule: 'Gone rule' }), alert({ uuid: 'cli-2' }), alert({ uuid: 'cli-3' })]);
    await expect.poll(async () => (await dlq('/webhook')).body.total, { timeout: 10_000 }).toBe(3);
    const sakerDlq = (...args: string[]) => run(process.execPath, [CLI, 'dlq', ...args, '--url', saker.url]);

    const overview = await sakerDlq('list');
    expect(overview.stdout).toMatch(/^OUTPUT\s+QUEUED\s+DEAD LETTERS\nwebhook\s+0\s+3\n$/);
    const listed = await sakerDlq('list', 'webhook');
    expect(listed.stdout).toContain('cli-1');
    expect(listed.stdout).toContain('Gone rule');
    expect(listed.stdout).toContain('webhook answered HTTP 410');
    expect(listed.stdout).toContain('3 of 3 shown');

    sink.behaviour = () => ({ status: 200 });
    expect((await sakerDlq('retry', 'webhook', 'cli-1')).stdout).toBe('1 dead letter(s) of webhook queued again\n');
    await sink.waitUntil(() => sink.accepted.has('cli-1'), 10_000);
    expect((await sakerDlq('purge', 'webhook')).stdout).toBe('2 dead letter(s) of webhook deleted\n');
    expect((await sakerDlq('list', 'webhook')).stdout).toBe('no dead letters for webhook (0 in all)\n');
    expect(sink.accepted.has('cli-2')).toBe(false);
  });

  it('answers /api/v1/dlq and `saker dlq` with 503 and the reason while Redis is down or not answering', async () => {
    await redis.stop();
    try {
      const unreachable = { error: 'Service Unavailable', message: expect.stringMatching(/^Redis at .* is unreachable(: .*)?; retry later$/) };
      const json = { 'content-type': 'application/json' };
      for (const [path, init] of [
        ['', undefined],
        ['/webhook', undefined],
        ['/webhook/retry', { method: 'POST', headers: json, body: '{"all":true}' }],
        ['/webhook/retry', { method: 'POST', headers: json, body: '{"ids":["x"]}' }],
        ['/webhook', { method: 'DELETE' }],
      ] as const) {
        const answer = await dlq(path, init);
        expect(answer, `${init?.method ?? 'GET'} /api/v1/dlq${path}`).toEqual({ status: 503, body: unreachable });
      }
      // An unknown output is still the operator's mistake (404), whatever Redis does.
      expect((await dlq('/nope')).status).toBe(404);

      const cli = await run(process.execPath, [CLI, 'dlq', 'list', 'webhook', '--url', saker.url]).then(
        () => ({ code: 0, stderr: '' }),
        (err: { code: number; stderr: string }) => err,
      );
      expect(cli.code).toBe(1);
      expect(cli.stderr).toMatch(/^saker dlq: GET \/api\/v1\/dlq\/webhook: HTTP 503: Redis at .* is unreachable(: .*)?; retry later\n$/);
    } finally {
      await redis.start();
    }
    await expect.poll(async () => (await dlq('/webhook')).status, { timeout: 10_000 }).toBe(200);

    // Frozen: the connection stays open but nothing is answered; the answer comes within redis.enqueuetimeout.
    redis.pause();
    try {
      expect(await dlq('/webhook')).toEqual({
        status: 503,
        body: { error: 'Service Unavailable', message: expect.stringMatching(/^Redis at .* is not answering: Command timed out; retry later$/) },
      });
    } finally {
      redis.resume();
    }
  });

  it('answers 503 with the reason while Redis is down, and recovers by itself', async () => {
    await redis.stop();
    const refused = await saker.post('/', alert({ uuid: 'during-outage' }));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).not.toBeNull();
    expect(((await refused.json()) as { message: string }).message).toContain(`Redis at ${redis.url} is unreachable`);
    const health = await fetch(`${saker.url}/healthz`);
    expect(health.status).toBe(503);
    // /healthz is public: it names the problem, not the connection (the log has the details).
    expect(await health.json()).toEqual({ status: 'unavailable', reason: 'redis unreachable' });
    const logged = saker.logs.find((l) => String(l.msg).startsWith('/healthz: unavailable:'));
    expect(String(logged?.['reason'])).toMatch(/^Redis at .* is unreachable/);

    await redis.start();
    await expect.poll(async () => (await fetch(`${saker.url}/healthz`)).status, { timeout: 10_000 }).toBe(200);
    expect((await saker.post('/', alert({ uuid: 'after-outage' }))).status).toBe(200);
    await sink.waitUntil(() => sink.accepted.has('after-outage'), 10_000);
    expect(sink.accepted.has('during-outage')).toBe(false);
  });
});
