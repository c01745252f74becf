// A delivery thread seen from the main thread, whichever queue runs it. Delivering (the outputs' clients,
// the queue's bookkeeping) costs about as much CPU as taking alerts in, and Node runs JavaScript on one core
// per thread: with delivery on a thread of its own, the main thread does HTTP ingest and delivery uses
// another core. The thread builds its outputs again from their config sections (an output object cannot
// cross threads); its logs are written by the main thread's logger, SIGHUP is passed on to it, and when it
// dies of an uncaught error it is started again after RESTART_DELAY_MS.

import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { Logger } from 'pino';
import { writeLogLine } from '../../logging.js';
import type { DeliveryTarget } from '../queue.js';
import { settledBefore } from '../deadline.js';
import type { GuestMessage, GuestSetup, HostMessage } from './messages.js';
import { started } from './started.js';

/**
 * The thread's young generation unless the queue says otherwise: V8's default lets a second heap grow by
 * tens of MB under load (saker's peak RSS in `npm run bench:ingest` went from ~200 to ~250 MB with the Redis
 * queue), and that thread's garbage is short-lived job data, so collecting it more often costs little.
 */
const THREAD_YOUNG_GENERATION_MB = 8;
/** After the thread died of an uncaught error, it is started again after this long. */
const RESTART_DELAY_MS = 1000;

export interface HostOptions {
  /** The thread's young generation (V8's `maxYoungGenerationSizeMb`); THREAD_YOUNG_GENERATION_MB if not given. */
  youngGenerationMb?: number;
}

export interface HostEvents<From> {
  /** A message of the queue's own (the host handles logs, console output, replies, start-up). */
  message?(message: From): void;
  /** The thread stopped on its own (it is started again after RESTART_DELAY_MS): what it held is gone. */
  stopped?(code: number): void;
  /** The thread was started again; it takes messages from now on (they wait until it is ready). */
  restarted?(): void;
}

/** The part of a thread's setup every queue shares, for `targets` built again there. */
export function guestSetup(targets: readonly DeliveryTarget[], logger: Logger): Omit<GuestSetup, 'sync'> {
  return {
    targets: targets.map(({ recipe, policy }) => ({ recipe: recipe!, policy })),
    log: { level: logger.level as GuestSetup['log']['level'], bindings: logger.bindings() },
  };
}

export class ThreadHost<Body extends { kind: string }, From extends { kind: string }> {
  private worker: Worker;
  /** Between a crash and the restart: messages posted now would be lost. */
  private down = false;
  private closing = false;
  private nextId = 0;
  private restarts = 0;
  private readonly waiting = new Map<number, (reply: { value?: unknown; error?: string } | undefined) => void>();
  private readonly onHangup = () => this.post({ kind: 'hangup' });
  private sync!: { port: MessagePort; flag: Int32Array };

  private constructor(
    private readonly entry: URL,
    private readonly setup: Omit<GuestSetup, 'sync'> & object,
    private readonly logger: Logger,
    private readonly events: HostEvents<From> & HostOptions,
  ) {
    this.worker = this.spawn();
    process.on('SIGHUP', this.onHangup);
  }

  /** Starts the thread and resolves once its outputs are started; rejects with the reason they are not. */
  static async start<B extends { kind: string }, F extends { kind: string }>(
    entry: URL,
    setup: Omit<GuestSetup, 'sync'> & object,
    logger: Logger,
    events: HostEvents<F> & HostOptions = {},
  ): Promise<ThreadHost<B, F>> {
    const host = new ThreadHost<B, F>(entry, setup, logger, events);
    try {
      await host.ready();
    } catch (err) {
      host.stop();
      throw err;
    }
    return host;
  }

  /** False between a crash and the restart, when a posted message would be lost. */
  get accepting(): boolean {
    return !this.down && !this.closing;
  }

  /** The running thread. Tests end it to see what a crash does. */
  get thread(): Worker {
    return this.worker;
  }

  post<M extends HostMessage<Body> | { kind: string }>(message: M): void {
    if (!this.down) this.worker.postMessage(message);
  }

  /** Asks the thread; `fallback` if it does not answer within `waitMs` (it is restarting, say). */
  request<T>(body: Body, fallback: T, waitMs: number): Promise<T> {
    if (this.down || this.closing) return Promise.resolve(fallback);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => settle(undefined), waitMs);
      const settle = (reply: { value?: unknown; error?: string } | undefined) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        if (reply === undefined) resolve(fallback);
        else if (reply.error !== undefined) reject(new Error(reply.error));
        else resolve(reply.value as T);
      };
      this.waiting.set(id, settle);
      this.post({ kind: 'request', id, sync: false, body });
    });
  }

  /**
   * Asks the thread and blocks this one until it answers, for at most `waitMs`: for a process about to exit
   * (a second SIGTERM), whose event loop will not turn again. Undefined without an answer.
   */
  requestNow<T>(body: Body, waitMs: number): T | undefined {
    if (this.down) return undefined;
    const { port, flag } = this.sync;
    while (receiveMessageOnPort(port)); // answers that came too late for their own request
    const id = this.nextId++;
    Atomics.store(flag, 0, 0);
    this.post({ kind: 'request', id, sync: true, body });
    const deadline = Date.now() + waitMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(flag, 0, 0, left) === 'timed-out') return undefined;
      Atomics.store(flag, 0, 0);
      for (let received = receiveMessageOnPort(port); received; received = receiveMessageOnPort(port)) {
        const reply = received.message as { id: number; value?: unknown };
        if (reply.id === id) return reply.value as T;
      }
    }
  }

  /**
   * Asks the thread to finish by `deadline` (ms since the epoch); past `deadline + graceMs` it is ended.
   * Resolves to whether it stopped by itself.
   */
  async close(deadline: number, interruptAt: number, graceMs = 0): Promise<boolean> {
    this.closing = true;
    process.off('SIGHUP', this.onHangup);
    if (this.down) return true;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.post({ kind: 'close', deadline, interruptAt });
    if (await settledBefore(exited, deadline + graceMs)) return true;
    this.logger.warn('the delivery thread did not stop in time; ending it');
    await this.worker.terminate();
    return false;
  }

  private stop(): void {
    this.closing = true;
    process.off('SIGHUP', this.onHangup);
    void this.worker.terminate();
  }

  private ready(): Promise<void> {
    return started(this.worker, 'the delivery thread');
  }

  private spawn(): Worker {
    const channel = new MessageChannel();
    const flag = new SharedArrayBuffer(4);
    this.sync = { port: channel.port1, flag: new Int32Array(flag) };
    const workerData: GuestSetup = { ...this.setup, sync: { port: channel.port2, flag } };
    const worker = new Worker(this.entry, {
      workerData,
      transferList: [channel.port2],
      resourceLimits: { maxYoungGenerationSizeMb: this.events.youngGenerationMb ?? THREAD_YOUNG_GENERATION_MB },
    });
    // Messages of a thread that has since been replaced are not news any more.
    worker.on('message', (message: GuestMessage | From) => {
      if (worker === this.worker) this.receive(message);
    });
    worker.on('error', (err) => this.logger.error({ err }, 'the delivery thread failed'));
    worker.on('exit', (code) => {
      if (this.closing || worker !== this.worker) return;
      this.down = true;
      for (const settle of [...this.waiting.values()]) settle(undefined);
      this.events.stopped?.(code);
      this.logger.error({ code }, `the delivery thread stopped; starting it again in ${RESTART_DELAY_MS} ms`);
      setTimeout(() => {
        if (this.closing) return;
        this.restarts++;
        this.worker = this.spawn();
        this.down = false;
        this.events.restarted?.();
      }, RESTART_DELAY_MS).unref();
    });
    return worker;
  }

  private receive(message: GuestMessage | From): void {
    const own = message as GuestMessage;
    switch (own.kind) {
      case 'log':
        writeLogLine(this.logger, own.line);
        return;
      case 'console':
        // Said again on this console, which `saker run` routes to the log.
        console[own.level](own.text);
        return;
      case 'reply':
        this.waiting.get(own.id)?.(own);
        return;
      case 'failed':
        // At start-up the caller reports it; a thread started again after a crash has no caller.
        if (this.restarts > 0) this.logger.error(`the delivery thread could not start again: ${own.message}`);
        return;
      case 'ready':
      case 'closed':
        return;
      default:
        this.events.message?.(message as From);
    }
  }
}
