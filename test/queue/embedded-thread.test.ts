// saker in-process with the embedded queue and `queue.deliverythread` on delivers from a worker thread of its own: the main thread counts
// capacity at the door (503 when full, accepting again once the thread reports deliveries), the outputs are
// built again in the thread and deliver while the main thread is busy, SIGHUP reaches them, and a thread that
// dies is started again with its loss logged.

import { existsSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedQueue } from '../../src/queue/embedded.js';
import { alert, startTestService, type TestService } from '../helpers/service.js';
import { waitUntil } from '../helpers/wait.js';
import { AlertSink } from '../peers/alert-sink.js';

describe('the embedded queue’s delivery thread', () => {
  let sink: AlertSink;
  let saker: TestService;
  const path = join(mkdtempSync(join(tmpdir(), 'saker-embedded-thread-')), 'alerts.jsonl');
  const fileRules = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { rule: string }).rule);

  beforeAll(async () => {
    sink = await AlertSink.start();
    saker = await startTestService({
      env: {
        FILE_PATH: path,
        FILE_RATELIMIT: '4',
        WEBHOOK_ADDRESS: sink.url,
        WEBHOOK_BACKOFF_INITIAL: '50ms',
        WEBHOOK_BACKOFF_MAX: '100ms',
        WEBHOOK_MAXATTEMPTS: '100',
        QUEUE_CAPACITY: '3',
        QUEUE_DELIVERYTHREAD: 'true',
      },
    });
  });
  afterAll(async () => {
    await saker?.stop();
    await sink?.close();
  });

  it('delivers while the main thread is busy', async () => {
    // The file output's rate limit (4 batches/s) holds the second alert back for ~250 ms, on a timer. This
    // thread does not return to its event loop until the file has it: only another thread can write it.
    expect((await saker.post('/', alert({ rule: 'before busy' }))).status).toBe(200);
    expect((await saker.post('/', alert({ rule: 'while busy' }))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50)); // this thread posts the alerts of each 2 ms to the delivery thread
    const until = Date.now() + 5000;
    let written = false;
    while (!written && Date.now() < until) written = existsSync(path) && readFileSync(path, 'utf8').includes('while busy');
    expect(written).toBe(true);
    await sink.waitUntil(() => sink.requests.some((r) => r.alerts.some((a) => a.rule === 'while busy')), 5000);
  });

  it('answers 503 when an output’s lane is full, and accepts again once the thread has delivered', async () => {
    sink.behaviour = () => ({ status: 200, delayMs: 2000 });
    const thread = (saker.queue as EmbeddedQueue).deliveryThread!;
    for (let i = 0; i < 3; i++) expect((await saker.post('/', alert({ uuid: `slow-${i}` }))).status).toBe(200);
    // The file output (capacity 3 too) has them at once: the thread says so, and its count goes down first.
    await expect.poll(() => thread.depth('file')).toBe(0);
    expect(thread.depth('webhook')).toBe(3);
    const refused = await saker.post('/', alert({ uuid: 'refused' }));
    expect(refused.status).toBe(503);
    expect(JSON.stringify(await refused.json())).toContain("the queue of output 'webhook' is full (3 of 3 alerts waiting or in delivery)");
    await expect.poll(async () => (await saker.queue.stats())['webhook']?.depth, { timeout: 5000 }).toBe(0);
    sink.behaviour = () => ({ status: 200 });
    await expect.poll(() => thread.depth('file')).toBe(0);
    expect((await saker.post('/', alert({ uuid: 'after-drain' }))).status).toBe(200);
    await sink.waitUntil(() => sink.accepted.has('after-drain'), 5000);
    expect(sink.accepted.has('refused')).toBe(false);
  });

  it('passes SIGHUP on to the thread, where the file output reopens its file', async () => {
    renameSync(path, `${path}.1`);
    process.emit('SIGHUP', 'SIGHUP');
    await waitUntil('the file to be reopened', () => existsSync(path));
    expect((await saker.post('/', alert({ rule: 'after rotation' }))).status).toBe(200);
    await waitUntil('the alert in the new file', () => readFileSync(path, 'utf8').includes('after rotation'));
    expect(fileRules(path)).toEqual(['after rotation']);
  });

  it('starts a thread that died again, logs what it held as lost, and delivers afterwards', async () => {
    const thread = (saker.queue as EmbeddedQueue).deliveryThread!;
    await expect.poll(() => thread.depth('webhook')).toBe(0);
    await sink.down();
    for (const uuid of ['crash-1', 'crash-2']) expect((await saker.post('/', alert({ uuid }))).status).toBe(200);
    await expect.poll(() => thread.depth('webhook')).toBe(2);
    await thread.worker.terminate();
    await waitUntil('the loss to be logged', () =>
      saker.logs.some((l) => l.msg === "the delivery thread stopped: 2 alert(s) for output 'webhook' it held are lost"),
    );
    expect(thread.depth('webhook')).toBe(0);
    // Accepted while the thread restarts: held here, and posted to the new thread.
    expect((await saker.post('/', alert({ uuid: 'during-restart' }))).status).toBe(200);
    await sink.up();
    await sink.waitUntil(() => sink.accepted.has('during-restart'), 10_000);
    expect((await saker.post('/', alert({ uuid: 'after-restart' }))).status).toBe(200);
    await sink.waitUntil(() => sink.accepted.has('after-restart'), 5000);
    expect(sink.accepted.has('crash-1')).toBe(false);
    await expect.poll(() => thread.depth('webhook')).toBe(0);
  });
});
