// The embedded queue's delivery: one in-memory lane per output, with its batches, retries after backoff,
// rate limit, concurrency and dead letters. Attempts, backoff and dead-lettering are decided by delivery.ts,
// as in the Redis queue. The lanes run in the embedded queue's delivery thread (embedded-thread-entry.ts),
// and on the main thread for the outputs that must stay there; capacity is counted by the caller, at the door.

import type { Logger } from 'pino';
import type { Alert } from '../alert.js';
import { DeadLetterStore } from './dead-letters.js';
import { attemptDelivery } from './delivery.js';
import { AlertFifo, type Batch } from './fifo.js';
import type { DeadLetter, DeliveryTarget, RetryOutcome } from './queue.js';

interface Attempt extends Batch {
  attempt: number;
}

class Lane {
  readonly fifo = new AlertFifo();
  /** Retries whose backoff has passed, served before new alerts. */
  readonly ready: Attempt[] = [];
  /** Retries waiting for their backoff to pass (and, after shutdown, retries that will never run). */
  readonly backingOff = new Set<Attempt>();
  /** Batches being sent right now. */
  readonly sending = new Set<Attempt>();
  readonly timers = new Set<NodeJS.Timeout>();
  readonly dead: DeadLetterStore;
  /** Alerts held for this output in any state: waiting, backing off, or in delivery. */
  depth = 0;
  inFlight = 0;
  pumpScheduled = false;
  /** Earliest time the next batch may start under the rate limit, and whether a timer waits for it. */
  nextStartAt = 0;
  rateWaiting = false;

  constructor(
    readonly target: DeliveryTarget,
    deadLetterLimit: number,
  ) {
    this.dead = new DeadLetterStore(target.output.name, deadLetterLimit);
  }

  get name(): string {
    return this.target.output.name;
  }

  /** Every alert this lane holds that its output has not confirmed: sending, retrying, waiting. */
  undelivered(): Alert[] {
    const out: Alert[] = [];
    for (const batch of [...this.sending, ...this.ready, ...this.backingOff]) out.push(...batch.alerts);
    out.push(...this.fifo.peek());
    return out;
  }
}

/** Lost alerts logged one by one per output; past this, a count. */
const LOST_LISTED = 20;

export interface LanesOptions {
  /** Dead letters kept per output. */
  deadLetterLimit: number;
  logger: Logger;
  /** Alerts of an output that left its lane (delivered, or dead letters): the door counts them out. */
  onSettled?: (output: string, alerts: number) => void;
}

export class Lanes {
  private readonly lanes = new Map<string, Lane>();
  private readonly shutdown = new AbortController();
  private idleWaiters: Array<() => void> = [];

  constructor(
    targets: readonly DeliveryTarget[],
    private readonly options: LanesOptions,
  ) {
    for (const target of targets) this.lanes.set(target.output.name, new Lane(target, options.deadLetterLimit));
  }

  get names(): string[] {
    return [...this.lanes.keys()];
  }

  has(output: string): boolean {
    return this.lanes.has(output);
  }

  /** Alerts the output's lane holds: waiting, backing off or in delivery. */
  depth(output: string): number {
    return this.lane(output).depth;
  }

  deadLetterCount(output: string): number {
    return this.lane(output).dead.size;
  }

  /** Queues the alerts for the output, `at` being when they were accepted (ms since the epoch). */
  push(output: string, alerts: readonly Alert[], at?: number): void {
    const lane = this.lane(output);
    lane.fifo.push(alerts, at);
    lane.depth += alerts.length;
    this.schedulePump(lane);
  }

  private lane(output: string): Lane {
    const lane = this.lanes.get(output);
    if (!lane) throw new Error(`no queue for output '${output}'`);
    return lane;
  }

  listDead(output: string, offset = 0, limit = 100): DeadLetter[] {
    return this.lane(output).dead.list(offset, limit);
  }

  purgeDead(output: string): number {
    return this.lane(output).dead.purge();
  }

  requeueDead(output: string, ids: readonly string[] | 'all'): RetryOutcome {
    const lane = this.lane(output);
    const { alerts, notFound } = lane.dead.take(ids);
    // A replay is an operator's decision: it is not refused for capacity, and starts with fresh attempts.
    lane.fifo.push(alerts);
    lane.depth += alerts.length;
    if (alerts.length > 0) this.schedulePump(lane);
    return { retried: alerts.length, notFound };
  }

  // Alerts that arrive in the same turn of the event loop leave together, in batches, rather than each
  // starting its own delivery.
  private schedulePump(lane: Lane): void {
    if (lane.pumpScheduled) return;
    lane.pumpScheduled = true;
    setImmediate(() => {
      lane.pumpScheduled = false;
      this.pump(lane);
    });
  }

  private pump(lane: Lane): void {
    const { policy, output } = lane.target;
    while (lane.inFlight < policy.concurrency && !this.shutdown.signal.aborted) {
      if (policy.ratePerSecond !== undefined) {
        const wait = lane.nextStartAt - Date.now();
        if (wait > 0) {
          if (!lane.rateWaiting && (lane.ready.length > 0 || lane.fifo.length > 0)) {
            lane.rateWaiting = true;
            this.later(lane, wait, () => {
              lane.rateWaiting = false;
              this.pump(lane);
            });
          }
          return;
        }
      }
      const batch: Attempt | undefined = lane.ready.shift() ?? (lane.fifo.length > 0 ? { ...lane.fifo.take(output.maxBatch), attempt: 1 } : undefined);
      if (!batch) return;
      if (policy.ratePerSecond !== undefined) lane.nextStartAt = Math.max(Date.now(), lane.nextStartAt) + 1000 / policy.ratePerSecond;
      lane.inFlight++;
      lane.sending.add(batch);
      void this.deliver(lane, batch);
    }
  }

  private async deliver(lane: Lane, batch: Attempt): Promise<void> {
    const outcome = await attemptDelivery(lane.target, batch.alerts, batch.attempt, this.shutdown.signal, batch.enqueuedAt);
    lane.inFlight--;
    lane.sending.delete(batch);
    lane.depth -= outcome.delivered.length;
    const log = this.options.logger;

    if (outcome.dead.length > 0) {
      let evicted = 0;
      for (const { alert, error } of outcome.dead) evicted += lane.dead.add(alert, error, batch.attempt);
      lane.depth -= outcome.dead.length;
      log.error(
        { output: lane.name, alerts: outcome.dead.length, attempts: batch.attempt, error: outcome.dead[0]!.error },
        `${outcome.dead.length} alert(s) for output '${lane.name}' moved to the dead letters`,
      );
      if (evicted > 0) {
        log.warn({ output: lane.name, dropped: evicted }, `dead letters of output '${lane.name}' are full (queue.deadletters): dropped the ${evicted} oldest`);
      }
    }
    const settled = outcome.delivered.length + outcome.dead.length;
    if (settled > 0) this.options.onSettled?.(lane.name, settled);
    if (outcome.retry) {
      const { alerts, delayMs, error } = outcome.retry;
      const next: Attempt = { alerts, enqueuedAt: batch.enqueuedAt, attempt: batch.attempt + 1 };
      lane.backingOff.add(next);
      // Shutting down past the drain time, the retry never runs: close() reports these alerts as lost.
      if (!this.shutdown.signal.aborted) {
        log.warn(
          { output: lane.name, alerts: alerts.length, attempt: batch.attempt, retryInMs: delayMs, error },
          `delivery to output '${lane.name}' failed; retrying`,
        );
        this.later(lane, delayMs, () => {
          lane.backingOff.delete(next);
          lane.ready.push(next);
          this.pump(lane);
        });
      }
    }
    this.pump(lane);
    this.notifyIfIdle();
  }

  private later(lane: Lane, delayMs: number, run: () => void): void {
    const timer = setTimeout(() => {
      lane.timers.delete(timer);
      run();
    }, delayMs);
    lane.timers.add(timer);
  }

  isIdle(): boolean {
    for (const lane of this.lanes.values()) if (lane.depth > 0) return false;
    return true;
  }

  private notifyIfIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private inFlight(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.inFlight;
    return n;
  }

  /**
   * Logs, per output, the alerts still held: each one's uuid, rule, priority and time (the first LOST_LISTED,
   * then a count), so that an operator can find and resend them; and the dead letters that go with the process.
   */
  reportLoss(what: string, log: Logger = this.options.logger): void {
    for (const lane of this.lanes.values()) {
      const lost = lane.undelivered();
      if (lost.length > 0) {
        log.error({ output: lane.name, lost: lost.length }, `${lost.length} alert(s) for output '${lane.name}' ${what}`);
        for (const alert of lost.slice(0, LOST_LISTED)) {
          const { uuid, rule, priority, time } = alert;
          // Nested: a top-level `time` would clash with the log line's own.
          log.error({ output: lane.name, alert: { uuid, rule, priority, time } }, `lost alert ${uuid} for output '${lane.name}': ${priority} '${rule}' at ${time}`);
        }
        if (lost.length > LOST_LISTED) {
          log.error({ output: lane.name, unlisted: lost.length - LOST_LISTED }, `… and ${lost.length - LOST_LISTED} more lost alert(s) for output '${lane.name}', not listed`);
        }
      }
      if (lane.dead.size > 0) {
        log.warn({ output: lane.name, deadLetters: lane.dead.size }, `${lane.dead.size} dead letter(s) of output '${lane.name}' are discarded (the embedded queue keeps them in memory)`);
      }
    }
  }

  /**
   * Lets the outputs deliver what is queued for at most `drainMs`, then cuts the rest short, reports what
   * is lost and closes the outputs.
   */
  async close(drainMs: number): Promise<void> {
    const log = this.options.logger;
    if (!this.isIdle()) {
      log.info({ drainMs }, 'letting outputs deliver what is queued');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, drainMs);
        }),
      ]);
      clearTimeout(timer);
    }
    this.shutdown.abort();
    for (const lane of this.lanes.values()) {
      for (const t of lane.timers) clearTimeout(t);
      lane.timers.clear();
    }
    // Aborted sends settle promptly; wait for them so that outputs are not closed under a request.
    while (this.inFlight() > 0) await new Promise((r) => setTimeout(r, 5));
    this.reportLoss('were not delivered before shutdown and are lost');
    await Promise.all(
      [...this.lanes.values()].map((lane) =>
        lane.target.output.close().catch((err: unknown) => log.error({ output: lane.name, err }, `closing output '${lane.name}' failed`)),
      ),
    );
  }
}
