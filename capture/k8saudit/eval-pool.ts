// The evaluation threads of POST /k8s-audit. Reading and evaluating a 400-event EventList costs the main
// thread tens of milliseconds, during which it serves nothing else; Node runs JavaScript on one core per
// thread. So the route hands each body's bytes (the buffer transferred, not copied) to one of these
// threads, which reads, checks and evaluates the events with the running rules, and gets back the alerts
// and what became of the events; the main thread routes the alerts and answers.
//
// Rules: every thread builds the running rules from the texts the main thread loaded them from (never
// from the files again), and a successful reload sends it the new texts: messages are handled in order,
// so a body sent after the swap is evaluated with the new rules and one sent before with the old, each
// entirely by one rule set. A thread that stops (an uncaught error, running out of memory) fails the
// requests it had with 503 — nothing of them was queued, and the API server sends the batch again — and
// is started again; the log and saker_evaluation_thread_restarts_total say so.

import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Alert } from '../../src/alert.js';
import { threadEntry } from '../../src/queue/thread/entry-url.js';
import { started } from '../../src/queue/thread/started.js';
import type { RulesRecipe, RunningRules } from '../../src/rules/live-rules.js';
import { shareCaptureState } from '../shared-state.js';
import type { BodyOptions, BodyResult, EvalThreadSetup, FromEvalThread } from './eval-messages.js';

/**
 * Bodies a thread may hold (the one it evaluates and those waiting for it). When the main thread did the work,
 * a busy saker stopped reading sockets, which held the API server back; with threads it reads every body at
 * once, so past this many per thread a body is refused with 503 and Retry-After rather than held in memory.
 */
export const MAX_BODIES_PER_THREAD = 8;
/** A thread that stopped before it was ready (it cannot start at all?) is started again after this long. */
const RESTART_DELAY_MS = 1000;

/** The thread evaluating a request stopped before it answered, or none could take it: nothing of the request was accepted. */
export class EvalThreadStoppedError extends Error {
  readonly statusCode = 503;
  constructor(message: string) {
    super(message);
    this.name = 'EvalThreadStoppedError';
  }
}

interface Pending {
  resolve(result: BodyResult): void;
  reject(err: Error): void;
}

interface Slot {
  readonly index: number;
  worker: Worker;
  ready: boolean;
  readonly pending: Map<number, Pending>;
}

export interface EvalPoolOptions {
  size: number;
  /**
   * Each thread's old-generation heap limit, in MB: a thread over it is stopped (and started again), where
   * without a limit of its own running out of memory would end the whole process.
   */
  heapMb?: number;
  /** Bodies each thread may hold before more are refused (MAX_BODIES_PER_THREAD). */
  maxBodiesPerThread?: number;
  logger: Logger;
  /** Called each time a thread that stopped is started again (for saker_evaluation_thread_restarts_total). */
  onRestart?: () => void;
}

export class EvalPool {
  private readonly slots: Slot[] = [];
  private readonly setup: { memory: SharedArrayBuffer };
  private nextId = 0;
  private closing = false;
  private readonly stopListening: () => void;
  private readonly logger: Logger;

  private constructor(
    private readonly rules: RunningRules,
    private readonly options: EvalPoolOptions,
  ) {
    this.logger = options.logger;
    this.setup = { memory: shareCaptureState() };
    for (let i = 0; i < options.size; i++) {
      const slot: Slot = { index: i, worker: undefined as unknown as Worker, ready: false, pending: new Map() };
      this.slots.push(slot);
      slot.worker = this.spawn(slot);
    }
    this.stopListening = rules.onSwap((recipe) => this.swap(recipe));
  }

  /** Starts `size` threads and resolves once each has built the running rules. */
  static async start(rules: RunningRules, options: EvalPoolOptions): Promise<EvalPool> {
    const pool = new EvalPool(rules, options);
    try {
      await Promise.all(pool.slots.map((slot) => pool.ready(slot)));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /** The threads, for tests that stop one. */
  get threads(): readonly Worker[] {
    return this.slots.map((slot) => slot.worker);
  }

  /**
   * Reads, checks and evaluates a body in the least busy thread. The bytes are moved there: afterwards
   * `bytes` is empty (a body that shares its memory with other buffers is copied instead).
   */
  evaluate(bytes: Buffer, options: BodyOptions): Promise<BodyResult> {
    if (this.closing) return Promise.reject(new EvalThreadStoppedError('saker is stopping'));
    const slot = this.leastBusy();
    const limit = this.options.maxBodiesPerThread ?? MAX_BODIES_PER_THREAD;
    if (slot.pending.size >= limit) {
      return Promise.reject(new EvalThreadStoppedError(`the evaluation threads are busy (${limit} batches waiting for each of ${this.slots.length}); retry`));
    }
    const id = this.nextId++;
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && !(bytes.buffer instanceof SharedArrayBuffer);
    const view = own ? new Uint8Array(bytes.buffer) : new Uint8Array(bytes);
    return new Promise<BodyResult>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ kind: 'evaluate', id, bytes: view, options }, [view.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    this.stopListening();
    const stopped = new EvalThreadStoppedError('saker is stopping');
    for (const slot of this.slots) for (const pending of slot.pending.values()) pending.reject(stopped);
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private leastBusy(): Slot {
    let best = this.slots[0]!;
    for (const slot of this.slots) if (slot.pending.size < best.pending.size) best = slot;
    return best;
  }

  private swap(recipe: RulesRecipe): void {
    for (const slot of this.slots) slot.worker.postMessage({ kind: 'rules', recipe });
  }

  private ready(slot: Slot): Promise<void> {
    return started(slot.worker, 'an evaluation thread');
  }

  private spawn(slot: Slot): Worker {
    const setup: EvalThreadSetup = { memory: this.setup.memory, recipe: this.rules.recipe };
    const limits = this.options.heapMb !== undefined ? { resourceLimits: { maxOldGenerationSizeMb: this.options.heapMb } } : {};
    const worker = new Worker(threadEntry('./eval-thread.js', import.meta.url), { workerData: setup, name: `saker-eval-${slot.index}`, ...limits });
    slot.ready = false;
    worker.on('message', (message: FromEvalThread) => this.receive(slot, message));
    worker.on('error', (err) => this.logger.error({ err, thread: slot.index }, 'an evaluation thread failed'));
    worker.on('exit', (code) => this.exited(slot, worker, code));
    return worker;
  }

  private exited(slot: Slot, worker: Worker, code: number): void {
    if (this.closing || worker !== slot.worker) return;
    const lost = slot.pending.size;
    const stopped = new EvalThreadStoppedError('the evaluation thread stopped before it answered; nothing of the batch was accepted, retry');
    for (const pending of slot.pending.values()) pending.reject(stopped);
    slot.pending.clear();
    // A thread that was ready ran bodies: start another at once. One that stopped while starting would
    // likely stop again: wait a little.
    const delay = slot.ready ? 0 : RESTART_DELAY_MS;
    this.logger.error({ code, thread: slot.index, failedRequests: lost }, `an evaluation thread stopped (exit code ${code}); ${lost} request(s) answered 503; starting it again`);
    this.options.onRestart?.();
    const restart = () => {
      if (!this.closing) slot.worker = this.spawn(slot);
    };
    if (delay === 0) restart();
    else setTimeout(restart, delay).unref();
  }

  private receive(slot: Slot, message: FromEvalThread): void {
    switch (message.kind) {
      case 'ready':
        slot.ready = true;
        // It was built from the recipe of its setup: if the rules were swapped meanwhile, it gets the new.
        if (message.generation !== this.rules.recipe.generation) slot.worker.postMessage({ kind: 'rules', recipe: this.rules.recipe });
        break;
      case 'failed':
        this.logger.error({ thread: slot.index }, message.message);
        break;
      case 'rules':
        if (message.errors.length > 0) {
          this.logger.error({ thread: slot.index, generation: message.generation, errors: message.errors }, 'an evaluation thread could not build the reloaded rules; it keeps its previous rules');
        }
        break;
      case 'done':
      case 'error': {
        const pending = slot.pending.get(message.id);
        if (pending === undefined) return;
        slot.pending.delete(message.id);
        if (message.kind === 'done') {
          const sent = message.result;
          pending.resolve(sent.kind === 'evaluated' ? { ...sent, alerts: JSON.parse(sent.alerts) as Alert[] } : sent);
        }
        else {
          const err = new Error(`evaluating a POST /k8s-audit body: ${message.message}`);
          if (message.stack !== undefined) err.stack = message.stack;
          pending.reject(err);
        }
        break;
      }
    }
  }
}
