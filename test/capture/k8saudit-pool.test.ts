// The evaluation threads of POST /k8s-audit (capture/k8saudit/eval-pool.ts), real threads running the
// build in dist/: the alerts they raise are the ones the main thread raises, reloads swap their rules,
// unusable events are reported while the others go on, events are numbered in one range per body, and a
// thread that stops fails its requests with 503 and is started again with the running rules.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readAuditBody } from '../../capture/k8saudit/body.js';
import type { BodyResult } from '../../capture/k8saudit/eval-messages.js';
import { EvalPool, EvalThreadStoppedError } from '../../capture/k8saudit/eval-pool.js';
import type { Alert } from '../../src/alert.js';
import { LiveRules } from '../../src/rules/live-rules.js';
import { waitFor } from '../cli/saker.js';
import { CORPUS, CORPUS_ABSENT, hasSamples, k8sSamples } from './corpus.js';
import { auditJson } from './k8saudit-events.js';

const dir = mkdtempSync(join(tmpdir(), 'saker-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

function memoryLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { logger, lines };
}

async function start(
  files: string[],
  size: number,
  heapMb?: number,
  maxBodiesPerThread?: number,
): Promise<{ live: LiveRules; pool: EvalPool; lines: Array<Record<string, unknown>>; restarts: () => number }> {
  const { logger, lines } = memoryLogger();
  const live = await LiveRules.start({ files, match: 'first', minimumPriority: 'Debug', sources: ['k8s_audit'], watch: false }, logger);
  open.push(live);
  let restarts = 0;
  const pool = await EvalPool.start(live, {
    size,
    logger,
    onRestart: () => restarts++,
    ...(heapMb !== undefined ? { heapMb } : {}),
    ...(maxBodiesPerThread !== undefined ? { maxBodiesPerThread } : {}),
  });
  open.push(pool);
  return { live, pool, lines, restarts: () => restarts };
}

const eventList = (items: string[]) => Buffer.from(`{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[${items.join(',')}]}`);
const OPTIONS = { maxEventBytes: 256 * 1024 };

function evaluated(result: BodyResult): Extract<BodyResult, { kind: 'evaluated' }> {
  if (result.kind !== 'evaluated') throw new Error(`the body was not evaluated: ${JSON.stringify(result)}`);
  return result;
}

/** An alert without what differs between any two evaluations (its random id). */
const comparable = ({ uuid: _uuid, ...rest }: Alert) => rest;

const rule = (name: string, verb: string, output = `${verb} by %ka.user.name`) => `
- rule: ${name}
  desc: requests with verb ${verb}
  condition: ka.verb = ${verb}
  output: ${output}
  priority: NOTICE
  source: k8s_audit
`;

describe('evaluation threads', () => {
  it.skipIf(!hasSamples)(`raise the alerts the main thread raises on the corpus samples, upstream rules (${hasSamples ? 'corpus' : CORPUS_ABSENT})`, async () => {
    const { live, pool } = await start([`${CORPUS}rules/upstream/k8s_audit_rules.yaml`], 2);
    const samples = k8sSamples().map((s) => s.text);
    const items = Array.from({ length: 3 * samples.length }, (_, i) => samples[i % samples.length]!);
    const here = readAuditBody(eventList(items), { ...OPTIONS, cluster: 'prod' });
    if (here.kind !== 'batch') throw new Error('the corpus body did not read');
    const expected = here.batch.events.flatMap((e) => live.evaluate('k8s_audit', e)).map(comparable);
    expect(expected.length).toBeGreaterThan(samples.length / 8);

    // Both threads, at once.
    const [a, b] = await Promise.all([pool.evaluate(eventList(items), { ...OPTIONS, cluster: 'prod' }), pool.evaluate(eventList(items), { ...OPTIONS, cluster: 'prod' })]);
    for (const result of [evaluated(a), evaluated(b)]) {
      expect(result.outcome).toEqual({ accepted: items.length, rejected: 0, problems: [] });
      expect(result.alerts.map(comparable)).toEqual(expected);
      expect(new Set(result.alerts.map((x) => x.uuid)).size).toBe(result.alerts.length);
    }
  });

  it('report unusable events with their paths while the others of the batch are evaluated', async () => {
    const file = join(dir, 'creates.yaml');
    writeFileSync(file, rule('Creates', 'create'));
    const { pool } = await start([file], 1);
    const body = eventList([
      JSON.stringify(auditJson()),
      JSON.stringify(auditJson({ stageTimestamp: undefined })),
      '7',
      JSON.stringify(auditJson({ user: { username: 'bob' } })),
    ]);
    const result = evaluated(await pool.evaluate(body, OPTIONS));
    expect(result.outcome).toEqual({
      accepted: 2,
      rejected: 2,
      problems: [
        { where: '$.items[1]', reason: 'stageTimestamp is missing' },
        { where: '$.items[2]', reason: 'an audit event must be a JSON object, not a number' },
      ],
    });
    expect(result.alerts.map((a) => a.output)).toEqual([expect.stringMatching(/create by alice$/), expect.stringMatching(/create by bob$/)]);
    expect(await pool.evaluate(Buffer.from('{"kind":"EventList","items":['), OPTIONS)).toEqual({ kind: 'invalid', message: expect.stringMatching(/^body: invalid JSON: /) });
    expect(await pool.evaluate(Buffer.from(' \n '), OPTIONS)).toEqual({ kind: 'empty' });
  });

  it('number the events of a body with one range, unique across threads', async () => {
    const file = join(dir, 'numbers.yaml');
    writeFileSync(file, rule('Numbered', 'create', 'n=%evt.num'));
    const { pool } = await start([file], 2);
    const items = Array.from({ length: 50 }, () => JSON.stringify(auditJson()));
    const results = await Promise.all([1, 2, 3, 4].map(() => pool.evaluate(eventList(items), OPTIONS)));
    const numbers = results.map((r) => evaluated(r).alerts.map((a) => Number(/n=(\d+)$/.exec(a.output)![1])));
    for (const body of numbers) expect(body).toEqual(Array.from({ length: 50 }, (_, i) => body[0]! + i));
    const all = numbers.flat().sort((x, y) => x - y);
    expect(new Set(all).size).toBe(200);
    expect(all[199]! - all[0]!).toBe(199);
  });

  it('refuse a body with 503 when every thread holds its share, and take bodies again once they are done', async () => {
    const file = join(dir, 'busy.yaml');
    writeFileSync(file, rule('Creates', 'create'));
    const { pool } = await start([file], 2, undefined, 2);
    const body = () => eventList(Array.from({ length: 20 }, () => JSON.stringify(auditJson())));
    const held = [1, 2, 3, 4].map(() => pool.evaluate(body(), OPTIONS));
    await expect(pool.evaluate(body(), OPTIONS)).rejects.toMatchObject({
      statusCode: 503,
      message: 'the evaluation threads are busy (2 batches waiting for each of 2); retry',
    });
    for (const result of await Promise.all(held)) expect(evaluated(result).alerts).toHaveLength(20);
    expect(evaluated(await pool.evaluate(body(), OPTIONS)).alerts).toHaveLength(20);
  });

  it('swap to reloaded rules, keep theirs when a reload fails, and build from the texts loaded, not the files', async () => {
    const file = join(dir, 'reloaded.yaml');
    writeFileSync(file, rule('Creates', 'create'));
    const { live, pool, lines } = await start([file], 2);
    const body = () => eventList([JSON.stringify(auditJson())]);
    const rulesOf = async () => {
      const results = await Promise.all([pool.evaluate(body(), OPTIONS), pool.evaluate(body(), OPTIONS)]);
      return results.map((r) => ({ generation: evaluated(r).generation, rules: evaluated(r).alerts.map((a) => a.rule) }));
    };
    expect(await rulesOf()).toEqual([
      { generation: 1, rules: ['Creates'] },
      { generation: 1, rules: ['Creates'] },
    ]);

    writeFileSync(file, rule('Creates v2', 'create'));
    expect(await live.reload('test')).toBe(true);
    // Bodies sent after the swap are evaluated with the new rules, in every thread.
    expect(await rulesOf()).toEqual([
      { generation: 2, rules: ['Creates v2'] },
      { generation: 2, rules: ['Creates v2'] },
    ]);

    writeFileSync(file, rule('Broken', 'create').replace('ka.verb', 'ka.nosuchfield'));
    expect(await live.reload('test')).toBe(false);
    expect(await rulesOf()).toEqual([
      { generation: 2, rules: ['Creates v2'] },
      { generation: 2, rules: ['Creates v2'] },
    ]);

    // A thread started again builds the running rules from their texts: the broken file is not read.
    writeFileSync(file, rule('Creates v3', 'create'));
    await pool.threads[0]!.terminate();
    await waitFor('the thread to be started again', () => lines.find((l) => String(l['msg']).includes('an evaluation thread stopped')));
    expect(await rulesOf()).toEqual([
      { generation: 2, rules: ['Creates v2'] },
      { generation: 2, rules: ['Creates v2'] },
    ]);
  });

  it('fail the requests of a thread that stops with 503, say so, and start the thread again', async () => {
    const file = join(dir, 'crash.yaml');
    writeFileSync(file, rule('Creates', 'create'));
    const { pool, lines, restarts } = await start([file], 1);
    // Big enough that the thread is still at it when it is stopped.
    const big = eventList(Array.from({ length: 3000 }, () => JSON.stringify(auditJson())));
    const pending = pool.evaluate(big, OPTIONS);
    const second = pool.evaluate(eventList([JSON.stringify(auditJson())]), OPTIONS);
    await pool.threads[0]!.terminate();
    await expect(pending).rejects.toBeInstanceOf(EvalThreadStoppedError);
    await expect(second).rejects.toMatchObject({ statusCode: 503 });
    expect(restarts()).toBe(1);
    expect(lines.find((l) => String(l['msg']).includes('an evaluation thread stopped'))).toMatchObject({ level: 50, failedRequests: 2 });
    const again = evaluated(await pool.evaluate(eventList([JSON.stringify(auditJson())]), OPTIONS));
    expect(again.alerts.map((a) => a.rule)).toEqual(['Creates']);
  });

  it('stop a thread that runs out of memory (not saker), fail its request with 503, and start it again', async () => {
    const file = join(dir, 'oom.yaml');
    writeFileSync(file, rule('Creates', 'create'));
    const { pool, lines, restarts } = await start([file], 1, 16);
    const item = JSON.stringify(auditJson());
    // 39 MB of events: their text alone is over the thread's 16 MB heap.
    const huge = Buffer.from(`{"kind":"EventList","items":[${Array.from({ length: 60_000 }, () => item).join(',')}]}`);
    await expect(pool.evaluate(huge, OPTIONS)).rejects.toBeInstanceOf(EvalThreadStoppedError);
    expect(restarts()).toBe(1);
    expect(lines.find((l) => (l['err'] as { code?: string } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY')).toMatchObject({ msg: 'an evaluation thread failed' });
    const again = evaluated(await pool.evaluate(eventList([item]), OPTIONS));
    expect(again.alerts.map((a) => a.rule)).toEqual(['Creates']);
  });
});
