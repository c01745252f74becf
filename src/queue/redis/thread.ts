// The Redis queue's delivery thread, seen from the main thread. Delivering (BullMQ's job processing, and
// each output's client) costs about as much CPU as taking the alerts in, and Node runs JavaScript on one
// core per thread: with the BullMQ workers and the outputs on a thread of their own, the main thread does
// HTTP ingest and the micro-batched job adds, and delivery uses another core. The thread builds its outputs again from
// their config sections (an output object cannot cross threads); its logs are written by the main thread's
// logger, its delivery metrics added to GET /metrics, and SIGHUP is passed on to it.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { writeLogLine } from '../../logging.js';
import type { DeliveryTarget, MetricsSnapshot } from '../queue.js';
import { settledBefore } from './deadline.js';
import type { RedisQueueOptions } from './options.js';
import type { FromThread, ThreadSetup, ToThread } from './thread-messages.js';

/** A scrape does not wait longer than this for the thread's metrics (they are left out instead). */
const METRICS_WAIT_MS = 2000;
/**
 * The thread's young generation: V8's default lets a second heap grow by tens of MB under load (saker's
 * peak RSS in `npm run bench:ingest` went from ~200 to ~250 MB); the thread's garbage is short-lived job
 * data, so collecting it more often costs little.
 */
const THREAD_YOUNG_GENERATION_MB = 8;
/** After the thread died of an uncaught error, it is started again after this long. */
const RESTART_DELAY_MS = 1000;

/**
 * The compiled thread entry. Running from the TypeScript sources (vitest) there is none beside this file:
 * the thread then runs the build in dist/, which `npm test` makes first.
 */
function entry(): URL {
  const beside = new URL('./thread-entry.js', import.meta.url);
  if (!import.meta.url.endsWith('.ts') || existsSync(fileURLToPath(beside))) return beside;
  return new URL('../../../dist/src/queue/redis/thread-entry.js', import.meta.url);
}

export class DeliveryThread {
  private worker: Worker;
  private closing = false;
  private nextId = 0;
  private readonly waiting = new Map<number, (snapshot: MetricsSnapshot) => void>();
  private readonly onHangup = () => this.send({ kind: 'hangup' });

  private constructor(
    private readonly setup: ThreadSetup,
    private readonly logger: Logger,
  ) {
    this.worker = this.spawn();
    process.on('SIGHUP', this.onHangup);
  }

  /** Starts the thread and resolves once its outputs are started; rejects with the reason they are not. */
  static async start(targets: readonly DeliveryTarget[], options: RedisQueueOptions, logger: Logger): Promise<DeliveryThread> {
    const setup: ThreadSetup = {
      options,
      targets: targets.map(({ recipe, policy }) => ({ recipe: recipe!, policy })),
      log: { level: logger.level as ThreadSetup['log']['level'], bindings: logger.bindings() },
    };
    const thread = new DeliveryThread(setup, logger);
    try {
      await thread.ready();
    } catch (err) {
      thread.stop();
      throw err;
    }
    return thread;
  }

  /** The thread's delivery metrics; none if it does not answer in time (it is restarting, say). */
  metrics(): Promise<MetricsSnapshot> {
    if (this.closing) return Promise.resolve([]);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle([]), METRICS_WAIT_MS);
      const settle = (snapshot: MetricsSnapshot) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(snapshot);
      };
      this.waiting.set(id, settle);
      this.send({ kind: 'metrics', id });
    });
  }

  /** Lets the thread stop its deliveries and close its outputs by `deadline`; past it the thread is ended. */
  async close(deadline: number, interruptAt: number): Promise<void> {
    this.closing = true;
    process.off('SIGHUP', this.onHangup);
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.send({ kind: 'close', deadline, interruptAt });
    if (!(await settledBefore(exited, deadline))) {
      this.logger.warn('the delivery thread did not stop in time; ending it');
      await this.worker.terminate();
    }
  }

  private stop(): void {
    this.closing = true;
    process.off('SIGHUP', this.onHangup);
    void this.worker.terminate();
  }

  private ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      let failure: Error | undefined;
      const onMessage = (message: FromThread) => {
        if (message.kind !== 'ready' && message.kind !== 'failed') return;
        this.worker.off('message', onMessage);
        this.worker.off('exit', onExit);
        if (message.kind === 'ready') resolve();
        else reject(new Error(message.message));
      };
      const onError = (err: Error) => (failure = err);
      const onExit = (code: number) => reject(failure ?? new Error(`the delivery thread stopped as it started (exit code ${code})`));
      this.worker.on('message', onMessage);
      this.worker.once('error', onError);
      this.worker.once('exit', onExit);
    });
  }

  private spawn(): Worker {
    const worker = new Worker(entry(), { workerData: this.setup, resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB } });
    worker.on('message', (message: FromThread) => this.receive(message));
    worker.on('error', (err) => this.logger.error({ err }, 'the delivery thread failed'));
    worker.on('exit', (code) => {
      if (this.closing || worker !== this.worker) return;
      // An output's library threw where nothing catches it. The alerts are safe in Redis (a job in
      // progress is redelivered once its lock expires): start again rather than stop delivering.
      this.logger.error({ code }, `the delivery thread stopped; starting it again in ${RESTART_DELAY_MS} ms`);
      setTimeout(() => {
        if (!this.closing) this.worker = this.spawn();
      }, RESTART_DELAY_MS).unref();
    });
    return worker;
  }

  private receive(message: FromThread): void {
    if (message.kind === 'log') writeLogLine(this.logger, message.line);
    // Said again on this console, which `saker run` routes to the log.
    else if (message.kind === 'console') console[message.level](message.text);
    else if (message.kind === 'metrics') this.waiting.get(message.id)?.(message.snapshot);
  }

  private send(message: ToThread): void {
    this.worker.postMessage(message);
  }
}
