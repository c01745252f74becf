// The worker of one output's queue: takes a job (a batch of alerts), delivers it through attemptDelivery —
// the same verdicts as the embedded queue — and records the outcome in Redis before BullMQ completes the
// job. Several saker processes on one Redis each run one of these per output; BullMQ hands each job to one
// of them.
//
// Retries reschedule the *same* job: its data is rewritten to the alerts that still need delivering (the
// failed part of a partial batch) at the next attempt number, and the job is moved to BullMQ's delayed set
// for the backoff (or Retry-After) that attemptDelivery chose. Keeping one job, rather than completing it
// and adding a new one, leaves no moment where a crash could both redeliver the delivered part and
// duplicate the failed part; attempts are counted in the job's data, so BullMQ's own attempt counter is
// left for failures of saker's bookkeeping.

import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Alert } from '../../alert.js';
import { RetryableError } from '../../../outputs/output.js';
import { attemptDelivery, judge, type AttemptOutcome, type FailedAlert } from '../delivery.js';
import type { DeliveryTarget } from '../queue.js';
import { alertJobName, slices, type AlertJobData } from './job.js';
import type { RedisDeadLetters } from './dead-letters.js';
import type { RedisQueueOptions } from './options.js';

/** Rewrites a job's data and name only if it still exists (an operator may have removed it meanwhile). */
const REWRITE_JOB = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'data', ARGV[1], 'name', ARGV[2])
  return 1
end
return 0`;

/** What happens to a job's alerts once every slice of it was tried. */
interface JobVerdict {
  dead: FailedAlert[];
  /** Alerts to deliver again, at which attempt, after how long, and why. */
  again?: { alerts: Alert[]; attempt: number; delayMs: number; error: string };
}

export interface OutputWorkerDeps {
  connection: Redis;
  options: RedisQueueOptions;
  deadLetters: RedisDeadLetters;
  /** Aborted when saker stops: in-flight sends are cut short and their alerts rescheduled, not failed. */
  shutdown: AbortSignal;
  logger: Logger;
}

export class OutputWorker {
  private readonly worker: Worker<AlertJobData, void, string>;
  private readonly name: string;

  constructor(
    private readonly target: DeliveryTarget,
    private readonly deps: OutputWorkerDeps,
  ) {
    this.name = target.output.name;
    const { options } = deps;
    const rate = target.policy.ratePerSecond;
    this.worker = new Worker<AlertJobData, void, string>(this.name, (job, token) => this.process(job, token), {
      connection: deps.connection,
      prefix: options.prefix,
      concurrency: Math.max(1, target.policy.concurrency),
      limiter: rate === undefined ? undefined : rateLimiter(rate),
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
      maxStalledCount: options.maxStalledCount,
      removeOnComplete: { count: options.keepCompletedCount, age: Math.ceil(options.keepCompletedAgeMs / 1000) },
      // After a connection error BullMQ waits this long before fetching jobs again (15 s by default): a
      // Redis restart should cost seconds of delivery, not a quarter of a minute.
      runRetryDelay: 1000,
      autorun: false,
    });
    this.worker.on('error', (err) => deps.logger.debug({ err, output: this.name }, 'BullMQ worker error'));
    this.worker.on('stalled', (jobId) =>
      deps.logger.warn({ output: this.name, jobId }, 'a delivery job stalled (its worker died or hung); it will be delivered again'),
    );
  }

  /** Starts taking jobs; resolves at once (the worker runs until close). */
  run(): void {
    this.worker.run().catch((err: unknown) => this.deps.logger.error({ err, output: this.name }, 'BullMQ worker stopped'));
  }

  /** Stops taking jobs and resolves when the jobs in progress have finished or been rescheduled. */
  close(): Promise<void> {
    return this.worker.close();
  }

  private async process(job: Job<AlertJobData, void, string>, token: string | undefined): Promise<void> {
    const { attempt, alerts } = job.data;
    const verdict = await this.deliver(alerts, attempt, job.timestamp);
    const log = this.deps.logger;
    if (verdict.dead.length > 0) {
      await this.deps.deadLetters.add(this.name, verdict.dead, attempt);
      log.error(
        { output: this.name, alerts: verdict.dead.length, attempts: attempt, error: verdict.dead[0]!.error },
        `${verdict.dead.length} alert(s) for output '${this.name}' moved to the dead letters`,
      );
    }
    if (!verdict.again) return;
    const { alerts: again, attempt: next, delayMs, error } = verdict.again;
    if (next > attempt) {
      log.warn(
        { output: this.name, alerts: again.length, attempt, retryInMs: delayMs, error },
        `delivery to output '${this.name}' failed; retrying`,
      );
    }
    const data: AlertJobData = { attempt: next, alerts: again };
    // Both commands go out together on the worker's connection and run in order.
    await Promise.all([
      this.deps.connection.eval(REWRITE_JOB, 1, this.worker.toKey(job.id ?? ''), JSON.stringify(data), alertJobName(again.length)),
      job.moveToDelayed(Date.now() + delayMs, token),
    ]);
    throw new DelayedError();
  }

  /** Tries every slice of the job (one send each) and folds the outcomes into one verdict. */
  private async deliver(alerts: Alert[], attempt: number, enqueuedAt: number): Promise<JobVerdict> {
    const { policy, output } = this.target;
    const shutdown = this.deps.shutdown;
    const dead: FailedAlert[] = [];
    const retry: Alert[] = [];
    const interrupted: Alert[] = [];
    let delayMs = 0;
    let error = '';
    // Once a whole slice failed retryably the peer is most likely down: the remaining slices share that
    // verdict without each waiting for its own timeout.
    let peerDown: string | undefined;
    const fold = (outcome: AttemptOutcome) => {
      dead.push(...outcome.dead);
      if (outcome.retry) {
        retry.push(...outcome.retry.alerts);
        delayMs = Math.max(delayMs, outcome.retry.delayMs);
        error = outcome.retry.error;
      }
    };

    for (const slice of slices(alerts, output.maxBatch)) {
      if (shutdown.aborted) {
        interrupted.push(...slice);
        continue;
      }
      if (peerDown !== undefined) {
        fold(judge(policy, slice, attempt, new RetryableError(peerDown)));
        continue;
      }
      const outcome = await attemptDelivery(this.target, slice, attempt, shutdown, enqueuedAt);
      if (shutdown.aborted && outcome.delivered.length < slice.length) {
        // Cut short by saker's own shutdown: not the peer's fault, so not an attempt.
        const delivered = new Set(outcome.delivered);
        interrupted.push(...slice.filter((alert) => !delivered.has(alert)));
        continue;
      }
      fold(outcome);
      if (outcome.delivered.length === 0 && outcome.retry?.alerts.length === slice.length) peerDown = outcome.retry.error;
    }

    if (interrupted.length > 0) {
      // A job holds one attempt number: the retried alerts ride along with the interrupted ones (at worst
      // they get one extra try).
      return { dead, again: { alerts: [...interrupted, ...retry], attempt, delayMs: 0, error: 'saker is shutting down' } };
    }
    if (retry.length > 0) return { dead, again: { alerts: retry, attempt: attempt + 1, delayMs, error } };
    return { dead };
  }
}

/** BullMQ counts a rate as jobs per duration, both integers: 0.5/s is one job per 2000 ms. */
function rateLimiter(perSecond: number): { max: number; duration: number } {
  if (perSecond >= 1) return { max: Math.round(perSecond), duration: 1000 };
  return { max: 1, duration: Math.round(1000 / perSecond) };
}
