// The Redis implementation of the queue contract: a 200 means the alerts are in Redis, and from there every
// output gets them at least once — across saker crashes (stalled-job recovery), output outages (retries,
// then dead letters) and Redis restarts (with appendonly on) — while several saker processes may share the
// work. The parts: output-queues (one BullMQ queue per output), producer (micro-batching), output-worker
// (delivery and its verdicts), dead-letters, queue-depth and server-check.

import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  QueueUnavailableError,
  type AlertQueue,
  type DeadLetter,
  type Delivery,
  type DeliveryTarget,
  type OutputQueueStats,
  type QueueHealth,
  type RetryOutcome,
} from '../queue.js';
import { RedisLink, describeRedisError, producerConnection, workerConnection } from './connection.js';
import { RedisDeadLetters } from './dead-letters.js';
import type { RedisQueueOptions } from './options.js';
import { OutputQueues } from './output-queues.js';
import { OutputWorker } from './output-worker.js';
import { BatchingProducer } from './producer.js';
import { alertsInQueue } from './queue-depth.js';
import { durabilityWarnings, readServerFacts } from './server-check.js';

/**
 * How long start-up waits for a first connection before going on: saker listens promptly whatever Redis does,
 * answering 503 (and /healthz 503) until Redis is up; the workers start delivering as soon as it is.
 */
const FIRST_CONNECT_WAIT_MS = 1000;
/**
 * At shutdown, the end of the budget kept for interrupted deliveries to reschedule their alerts in Redis
 * (at most half the budget).
 */
const RESCHEDULE_GRACE_MS = 3000;

interface Running {
  producerLink: RedisLink;
  workerLink: RedisLink;
  queues: OutputQueues;
  producer: BatchingProducer;
  deadLetters: RedisDeadLetters;
  workers: OutputWorker[];
  sweepTimer: NodeJS.Timeout;
}

export class RedisQueue implements AlertQueue {
  readonly kind = 'redis';
  private running: Running | undefined;
  private readonly targets = new Map<string, DeliveryTarget>();
  private readonly shutdown = new AbortController();
  private closing: Promise<void> | undefined;
  /** Durability warnings already logged: each once per process, not again at every reconnection. */
  private readonly warned = new Set<string>();

  constructor(
    private readonly options: RedisQueueOptions,
    private readonly logger: Logger,
  ) {}

  async start(targets: readonly DeliveryTarget[]): Promise<void> {
    if (this.running) throw new Error('the Redis queue is already started');
    const { options, logger } = this;
    const producerClient = producerConnection(options.url, options.enqueueTimeoutMs);
    const producerLink = new RedisLink(producerClient, options.url, logger, true);
    const workerClient = workerConnection(options.url);
    const workerLink = new RedisLink(workerClient, options.url, logger, false);

    const queues = new OutputQueues(producerClient, options, logger);
    for (const target of targets) {
      queues.open(target);
      this.targets.set(target.output.name, target);
    }
    const deadLetters = new RedisDeadLetters(producerClient, options.prefix);
    const producer = new BatchingProducer(producerLink, queues, options);
    const workers = targets.map(
      (target) =>
        new OutputWorker(target, { connection: workerClient, options, deadLetters, shutdown: this.shutdown.signal, logger }),
    );
    const sweepTimer = setInterval(() => void this.sweepFailedJobs(), options.stalledIntervalMs);
    sweepTimer.unref();
    this.running = { producerLink, workerLink, queues, producer, deadLetters, workers, sweepTimer };

    for (const worker of workers) worker.run();
    // Every (re)connection: check what this Redis would lose, and collect jobs BullMQ failed meanwhile.
    try {
      await producerLink.waitReady(FIRST_CONNECT_WAIT_MS);
      await this.onConnected();
    } catch {
      // Not connected yet (no error either, say a slow TCP connect): said once now, not again at its first error.
      producerLink.reportOutage(`no connection within ${FIRST_CONNECT_WAIT_MS} ms`);
    }
    producerClient.on('ready', () => void this.onConnected());
    logger.info(
      { redis: producerLink.address, prefix: options.prefix, outputs: queues.names },
      'queue: redis — alerts are acknowledged once Redis has them, and stay there until every output has them',
    );
  }

  enqueue(deliveries: readonly Delivery[]): Promise<void> {
    if (!this.running) return Promise.reject(new QueueUnavailableError('the Redis queue is not started'));
    return this.running.producer.enqueue(deliveries);
  }

  async health(): Promise<QueueHealth> {
    const running = this.running;
    if (!running) return { ok: false, reason: 'the Redis queue is not started' };
    if (this.closing) return { ok: false, reason: 'saker is shutting down' };
    const link = running.producerLink;
    if (!link.ready) return { ok: false, reason: link.problem };
    try {
      await link.client.ping();
    } catch (err) {
      return { ok: false, reason: `Redis at ${link.where} is not answering: ${describeRedisError(err)}` };
    }
    const refusal = running.producer.refusal;
    return refusal ? { ok: false, reason: refusal } : { ok: true };
  }

  stats(): Promise<Record<string, OutputQueueStats>> {
    return this.onRedis('the queue statistics', async (running) => {
      const client = running.producerLink.client;
      const rows = await Promise.all(
        running.queues.names.map(async (name) => {
          const [depth, deadLetters] = await Promise.all([
            alertsInQueue(client, running.queues.queue(name).toKey('')),
            running.deadLetters.count(name),
          ]);
          return [name, { depth, deadLetters }] as const;
        }),
      );
      return Object.fromEntries(rows);
    });
  }

  readonly deadLetters = {
    list: (output: string, page?: { offset?: number; limit?: number }): Promise<DeadLetter[]> =>
      this.withOutput(output, (running) => running.deadLetters.list(output, page)),
    retry: (output: string, ids: readonly string[] | 'all'): Promise<number> => this.retryDeadLetters(output, ids).then((outcome) => outcome.retried),
    retryIds: (output: string, ids: readonly string[]): Promise<RetryOutcome> => this.retryDeadLetters(output, ids),
    purge: (output: string): Promise<number> => this.withOutput(output, (running) => running.deadLetters.purge(output)),
  };

  close(drainMs: number): Promise<void> {
    this.closing ??= this.stop(drainMs);
    return this.closing;
  }

  /**
   * Everything within `budgetMs`, whatever Redis does (down, or hanging without closing the connection):
   * jobs in progress finish, or are interrupted `reserveMs` before the end and put back in Redis without
   * costing an attempt; queued jobs stay in Redis for the next start or another saker process. Past the
   * budget the connections are dropped.
   */
  private async stop(budgetMs: number): Promise<void> {
    const running = this.running;
    if (!running) return;
    const deadline = Date.now() + budgetMs;
    const reserveMs = Math.min(RESCHEDULE_GRACE_MS, budgetMs / 2);
    clearInterval(running.sweepTimer);
    await settledBefore(running.producer.close(), deadline);

    const workersClosed = Promise.allSettled(running.workers.map((worker) => worker.close()));
    const interrupt = setTimeout(() => this.shutdown.abort(), Math.max(0, deadline - reserveMs - Date.now()));
    const finished = await settledBefore(workersClosed, deadline);
    clearTimeout(interrupt);
    if (!finished) {
      // Redis is unreachable, so the interrupted jobs cannot be rescheduled: their locks will expire and
      // the stalled-job check hands them to the next worker.
      this.logger.warn('Redis did not take the interrupted deliveries back in time; they will be redelivered after their lock expires');
      running.workerLink.client.disconnect();
    }
    await settledBefore(Promise.allSettled([...this.targets.values()].map((target) => target.output.close())), deadline);
    await settledBefore(running.queues.close(), deadline);
    const quit = await settledBefore(Promise.allSettled([running.producerLink.quit(), running.workerLink.quit()]), deadline);
    if (!quit) {
      running.producerLink.client.disconnect();
      running.workerLink.client.disconnect();
    }
  }

  private async onConnected(): Promise<void> {
    const running = this.running;
    if (!running) return;
    try {
      const facts = await readServerFacts(running.producerLink.client);
      for (const warning of durabilityWarnings(facts)) {
        if (this.warned.has(warning)) continue;
        this.warned.add(warning);
        this.logger.warn({ redis: running.producerLink.address }, `Redis may lose acknowledged alerts: ${warning}`);
      }
    } catch (err) {
      this.logger.warn(`could not read the Redis configuration: ${describeRedisError(err)}`);
    }
    await this.sweepFailedJobs();
  }

  private async sweepFailedJobs(): Promise<void> {
    const running = this.running;
    if (!running || !running.producerLink.ready) return;
    for (const name of running.queues.names) {
      try {
        const moved = await running.deadLetters.absorbFailedJobs(name, running.queues.queue(name));
        if (moved > 0) this.logger.warn({ output: name, alerts: moved }, 'alerts of jobs the queue gave up on moved to the dead letters');
      } catch (err) {
        this.logger.debug({ err, output: name }, 'could not sweep failed jobs');
      }
    }
  }

  private retryDeadLetters(output: string, ids: readonly string[] | 'all'): Promise<RetryOutcome> {
    return this.withOutput(output, (running) =>
      running.deadLetters.retry(output, ids, (letters) =>
        running.queues.add(
          output,
          letters.map((letter) => letter.alert),
          1,
        ),
      ),
    );
  }

  private withOutput<T>(output: string, action: (running: Running) => Promise<T>): Promise<T> {
    if (this.running && !this.targets.has(output)) {
      return Promise.reject(new Error(`no output named '${output}' (outputs: ${[...this.targets.keys()].join(', ') || 'none'})`));
    }
    return this.onRedis(`the dead letters of '${output}'`, action);
  }

  /**
   * Runs an operator's request (statistics, dead letters) on the fail-fast connection. While Redis cannot
   * serve it the request fails with QueueUnavailableError, which the API answers with 503 and the reason, as
   * it answers POST / — at once when the connection is down, within `redis.enqueuetimeout` when Redis does not
   * answer. A bug (a TypeError, say) stays what it is.
   */
  private async onRedis<T>(what: string, action: (running: Running) => Promise<T>): Promise<T> {
    const running = this.running;
    if (!running) throw new QueueUnavailableError('the Redis queue is not started');
    const link = running.producerLink;
    if (!link.ready) throw new QueueUnavailableError(link.problem);
    try {
      return await action(running);
    } catch (err) {
      if (err instanceof TypeError || err instanceof SyntaxError || err instanceof RangeError) throw err;
      throw link.unavailable(err, what);
    }
  }
}

/** Whether `work` settled before `deadline` (ms since the epoch). It goes on either way. */
async function settledBefore(work: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
