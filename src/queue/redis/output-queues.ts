// One BullMQ queue per output (`<prefix>:<output>`), so that a slow or broken output never holds back
// another. All of them share the producer's fail-fast connection, so the jobs of one flush of the batching
// window go out back to back, however many outputs it feeds.

import { Job, Queue, type JobJson, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Alert } from '../../alert.js';
import type { DeliveryTarget } from '../queue.js';
import { alertJobName, slices, type AlertJobData } from './job.js';
import type { RedisQueueOptions } from './options.js';

/**
 * Failures of saker's own bookkeeping (a Redis error while recording a retry or a dead letter) are retried
 * by BullMQ this many times with exponential backoff from 1 s (about 17 minutes in all) before the job is
 * moved to the dead letters. Delivery retries do not count here: they are rescheduled without an attempt.
 */
const BOOKKEEPING_ATTEMPTS = 10;

export type AlertJobQueue = Queue<AlertJobData, void, string>;

/**
 * A job whose data reaches ioredis as bytes. BullMQ passes a job's data as a JSON string beside Buffer
 * arguments, and ioredis then measures the string's UTF-8 length three times and encodes it once more as it
 * writes the command: for a job of hundreds of alerts that cost the main thread more than the JSON.stringify
 * itself (`npm run bench:ingest`, 100-alert arrays). Encoded once here, the bytes are copied as they are;
 * Redis stores the same JSON either way.
 */
class AlertJob extends Job {
  override asJSON(): JobJson {
    const json = super.asJSON();
    // ioredis takes Buffers wherever it takes strings; BullMQ's type says string.
    json.data = Buffer.from(json.data) as unknown as string;
    return json;
  }
}

class OutputJobQueue extends Queue<AlertJobData, void, string> {
  protected override get Job(): typeof Job {
    // BullMQ types the class as generic in the job's data; this queue's jobs all hold AlertJobData.
    return AlertJob as typeof Job;
  }
}

interface OutputQueue {
  queue: AlertJobQueue;
  jobSize: number;
}

/**
 * Alerts per job for an output: up to `jobMaxAlerts`, whatever the output's batch size — the worker sends a
 * job's alerts in batches of `maxBatch`, one after the other, so that an output's `concurrency` still counts
 * requests in flight, while Redis pays for one job (a few dozen commands) per `jobMaxAlerts` alerts rather
 * than per batch. A rate-limited output gets one job per send, because BullMQ's limiter counts jobs.
 */
export function jobSizeFor(target: DeliveryTarget, jobMaxAlerts: number): number {
  if (target.policy.ratePerSecond !== undefined) return Math.min(Math.max(1, target.output.maxBatch), jobMaxAlerts);
  return jobMaxAlerts;
}

export class OutputQueues {
  private readonly queues = new Map<string, OutputQueue>();
  private readonly jobOptions: JobsOptions;

  constructor(
    private readonly client: Redis,
    private readonly options: RedisQueueOptions,
    private readonly logger: Logger,
  ) {
    this.jobOptions = {
      removeOnComplete: { count: options.keepCompletedCount, age: Math.ceil(options.keepCompletedAgeMs / 1000) },
      // Failed jobs are moved to the dead letters by the worker's sweep, never left behind.
      removeOnFail: false,
      attempts: BOOKKEEPING_ATTEMPTS,
      backoff: { type: 'exponential', delay: 1000, jitter: 1 },
      stackTraceLimit: 1,
    };
  }

  open(target: DeliveryTarget): void {
    const name = target.output.name;
    if (this.queues.has(name)) throw new Error(`two outputs are named '${name}': each needs its own queue`);
    this.queues.set(name, { queue: this.create(name), jobSize: jobSizeFor(target, this.options.jobMaxAlerts) });
  }

  has(output: string): boolean {
    return this.queues.has(output);
  }

  get names(): string[] {
    return [...this.queues.keys()];
  }

  queue(output: string): AlertJobQueue {
    return this.entry(output).queue;
  }

  /** Adds `alerts` as jobs at `attempt`; resolves when Redis acknowledged every one of them. */
  async add(output: string, alerts: readonly Alert[], attempt: number): Promise<void> {
    const entry = this.entry(output);
    const jobs = slices(alerts, entry.jobSize).map((batch) => ({
      name: alertJobName(batch.length),
      data: { attempt, alerts: batch },
    }));
    try {
      // A batching window usually makes one job per output. `addBulk` builds an ioredis pipeline for it, and
      // ioredis copies every script BullMQ defined onto each new pipeline: for a single job one command costs
      // the main thread less (about 5% of its time per request in `npm run bench:ingest`).
      if (jobs.length === 1) await entry.queue.add(jobs[0]!.name, jobs[0]!.data);
      else await entry.queue.addBulk(jobs);
    } catch (err) {
      await this.renewIfBroken(output, entry);
      throw err;
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((entry) => entry.queue.close()));
  }

  private entry(output: string): OutputQueue {
    const entry = this.queues.get(output);
    if (!entry) throw new Error(`no queue for output '${output}' (known: ${this.names.join(', ') || 'none'})`);
    return entry;
  }

  private create(name: string): AlertJobQueue {
    const queue: AlertJobQueue = new OutputJobQueue(name, {
      connection: this.client,
      prefix: this.options.prefix,
      defaultJobOptions: this.jobOptions,
      // saker reads no queue events; keep BullMQ's event stream short so that it costs little memory.
      streams: { events: { maxLen: 1000 } },
    });
    // The connection's own listener logs outages; without a listener here BullMQ's re-emitted errors would
    // be unhandled 'error' events.
    queue.on('error', (err) => this.logger.debug({ err, output: name }, 'BullMQ queue error'));
    return queue;
  }

  /**
   * BullMQ prepares a queue once, when its connection first becomes ready; if Redis went away during that
   * moment the queue stays unusable, so it is replaced by a fresh one.
   */
  private async renewIfBroken(output: string, entry: OutputQueue): Promise<void> {
    const broken = await entry.queue.waitUntilReady().then(
      () => false,
      () => true,
    );
    if (!broken) return;
    this.logger.debug({ output }, 'recreating the BullMQ queue after a failed start');
    const old = entry.queue;
    entry.queue = this.create(output);
    old.close().catch(() => {});
  }
}
