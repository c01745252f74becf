// The embedded queue's delivery thread, seen from the main thread (the machinery is thread/host.ts). The
// main thread only takes alerts in: it counts each output's alerts at the door (capacity), keeps the alerts
// of a short window (WINDOW_MS) together and posts them in one message; the thread runs the lanes and says
// how many alerts left them. What the thread holds when it dies is lost (the embedded queue is not
// durable): the count is logged, and the thread names the alerts first when it can.

import type { Logger } from 'pino';
import type { Alert } from '../alert.js';
import { writeLogLine } from '../logging.js';
import type { AlertsMessage, EmbeddedRequest, EmbeddedThreadSetup, SettledMessage } from './embedded-messages.js';
import { QueueUnavailableError, type DeadLetter, type DeliveryTarget, type MetricsSnapshot, type RetryOutcome } from './queue.js';
import { threadEntry } from './thread/entry-url.js';
import { guestSetup, ThreadHost } from './thread/host.js';

/**
 * How long the alerts taken in wait to be posted to the thread together. Each message costs the main thread
 * 1–2 µs beyond cloning its alerts (~2 µs each; structured clone measured cheaper on this side than
 * JSON.stringify, or JSON bytes in a transferred buffer) and wakes the thread; a few milliseconds are nothing
 * to a delivery, and the thread's batches come out fuller.
 */
const WINDOW_MS = 2;
/** How long an operator's request (stats, dead letters) waits for the thread. */
const REQUEST_WAIT_MS = 2000;
/** How long a process about to exit waits for the thread to name the alerts it loses. */
const LOSS_WAIT_MS = 1000;
/**
 * The thread's young generation. The embedded queue's alerts wait in the thread's lanes and outlive a small
 * one: at 8 MB (the Redis queue's thread) its garbage collector took ~35 % of the thread's profile samples
 * with 100-alert arrays, and at 15,000 alerts/s saker spent 25–40 % more CPU per request than at 24 MB, for
 * up to ~15 MB less peak RSS (README, "Ingest").
 */
const YOUNG_GENERATION_MB = 24;
/** At shutdown, how long past the deadline the thread may take to close its outputs before it is ended. */
const CLOSE_GRACE_MS = 500;

export class EmbeddedDeliveryThread {
  /** Alerts accepted in this window, not posted yet (nor while the thread restarts). */
  private window = new Map<string, Alert[]>();
  private windowAt = 0;
  private flushScheduled = false;
  /** Alerts posted to the thread and not reported settled, per output. */
  private readonly inThread = new Map<string, number>();
  private host!: ThreadHost<EmbeddedRequest, AlertsMessage | SettledMessage>;

  private constructor(
    readonly names: readonly string[],
    private readonly logger: Logger,
  ) {
    for (const name of names) this.inThread.set(name, 0);
  }

  /** Starts the thread and resolves once its outputs are started; rejects with the reason they are not. */
  static async start(targets: readonly DeliveryTarget[], deadLetterLimit: number, logger: Logger): Promise<EmbeddedDeliveryThread> {
    const thread = new EmbeddedDeliveryThread(
      targets.map((target) => target.output.name),
      logger,
    );
    const setup: Omit<EmbeddedThreadSetup, 'sync'> = { ...guestSetup(targets, logger), deadLetterLimit };
    thread.host = await ThreadHost.start(threadEntry('./embedded-thread-entry.js', import.meta.url), setup, logger, {
      message: (message) => {
        if (message.kind === 'settled') thread.settle(message.counts);
      },
      stopped: (code) => thread.lost(code),
      restarted: () => thread.flush(),
      youngGenerationMb: YOUNG_GENERATION_MB,
    });
    return thread;
  }

  /** The running worker: tests end it to see what a crash does. */
  get worker(): ThreadHost<EmbeddedRequest, AlertsMessage | SettledMessage>['thread'] {
    return this.host.thread;
  }

  has(output: string): boolean {
    return this.inThread.has(output);
  }

  /** Alerts held for the output: in the thread, or about to be posted there. */
  depth(output: string): number {
    return this.inThread.get(output)! + (this.window.get(output)?.length ?? 0);
  }

  /** Takes the alerts for the output; they leave for the thread at the end of the window. */
  add(output: string, alerts: readonly Alert[]): void {
    let held = this.window.get(output);
    if (!held) {
      held = [];
      this.window.set(output, held);
      if (this.window.size === 1) this.windowAt = Date.now();
    }
    for (const alert of alerts) held.push(alert);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setTimeout(() => {
      this.flushScheduled = false;
      this.flush();
    }, WINDOW_MS);
  }

  /** Posts the window, unless the thread is restarting (then it waits for the new thread). */
  flush(): void {
    if (this.window.size === 0 || !this.host.accepting) return;
    const message: AlertsMessage = { kind: 'alerts', at: this.windowAt, outputs: [], alerts: [] };
    for (const [output, alerts] of this.window) {
      message.outputs.push(output);
      message.alerts.push(alerts);
      this.inThread.set(output, this.inThread.get(output)! + alerts.length);
    }
    this.window = new Map();
    this.host.post(message);
  }

  private settle(counts: SettledMessage['counts']): void {
    for (const [output, n] of counts) this.inThread.set(output, Math.max(0, (this.inThread.get(output) ?? 0) - n));
  }

  /** The thread died: what it held is gone (it named the alerts itself if it could). */
  private lost(code: number): void {
    for (const [output, n] of this.inThread) {
      if (n > 0) {
        this.logger.error({ output, lost: n, code }, `the delivery thread stopped: ${n} alert(s) for output '${output}' it held are lost`);
      }
      this.inThread.set(output, 0);
    }
  }

  deadLetterCounts(): Promise<Record<string, number>> {
    return this.host.request<Record<string, number>>({ kind: 'dead-letter-counts' }, {}, REQUEST_WAIT_MS);
  }

  listDead(output: string, offset: number, limit: number): Promise<DeadLetter[]> {
    return this.ask<DeadLetter[]>({ kind: 'dlq-list', output, offset, limit });
  }

  async requeueDead(output: string, ids: readonly string[] | 'all'): Promise<RetryOutcome> {
    const outcome = await this.ask<RetryOutcome>({ kind: 'dlq-retry', output, ids });
    // The thread took them before it said so, and says so before any of them can be settled: counted in now.
    this.inThread.set(output, this.inThread.get(output)! + outcome.retried);
    return outcome;
  }

  purgeDead(output: string): Promise<number> {
    return this.ask<number>({ kind: 'dlq-purge', output });
  }

  /** An operator's request: without an answer it fails (503 from the API) rather than say "none". */
  private async ask<T>(body: EmbeddedRequest): Promise<T> {
    const notAnswered = Symbol('not answered');
    const answer = await this.host.request<T | typeof notAnswered>(body, notAnswered, REQUEST_WAIT_MS);
    if (answer === notAnswered) throw new QueueUnavailableError('the delivery thread did not answer (it may be restarting, or saker stopping); try again');
    return answer;
  }

  metrics(): Promise<MetricsSnapshot> {
    return this.host.request<MetricsSnapshot>({ kind: 'metrics' }, [], REQUEST_WAIT_MS);
  }

  /**
   * Logs what exiting right now would lose, without turning the event loop: the thread names the alerts,
   * and when it cannot answer in time, the count per output is logged instead.
   */
  reportLossNow(what: string): void {
    this.flush();
    const lines = this.host.requestNow<string[]>({ kind: 'loss', what }, LOSS_WAIT_MS);
    if (lines) {
      for (const line of lines) writeLogLine(this.logger, line);
      // Alerts held while the thread restarts never reached it.
      for (const [output, alerts] of this.window) this.logger.error({ output, lost: alerts.length }, `${alerts.length} alert(s) for output '${output}' ${what}`);
      return;
    }
    for (const output of this.names) {
      const n = this.depth(output);
      if (n > 0) this.logger.error({ output, lost: n }, `${n} alert(s) for output '${output}' ${what} (the delivery thread did not name them in time)`);
    }
  }

  /** Lets the thread deliver what is queued until `deadline` (ms since the epoch), then close its outputs. */
  async close(deadline: number): Promise<void> {
    this.flush();
    // Alerts taken while the thread restarts, which it did not get back in time.
    for (const [output, alerts] of this.window) {
      this.logger.error({ output, lost: alerts.length }, `${alerts.length} alert(s) for output '${output}' were not delivered before shutdown and are lost`);
    }
    const stopped = await this.host.close(deadline, deadline, CLOSE_GRACE_MS);
    if (!stopped) {
      for (const [output, n] of this.inThread) {
        if (n > 0) this.logger.error({ output, lost: n }, `${n} alert(s) for output '${output}' were not delivered before shutdown and are lost`);
      }
    }
  }
}
