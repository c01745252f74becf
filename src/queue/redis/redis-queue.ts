// The Redis implementation of the queue contract: a 200 means the alerts are in Redis, and from there every
// output gets them at least once — across saker crashes (stalled-job recovery), output outages (retries,
// then dead letters) and Redis restarts (with appendonly on) — while several saker processes may share the
// work. The parts: output-queues (one BullMQ queue per output), producer (micro-batching), deliverers and
// output-worker (delivery and its verdicts), run in a thread of their own (thread.ts) for every output that
// can be built there again, dead-letters, queue-depth and server-check.

import type { Logger } from 'pino';
import {
  QueueUnavailableError,
  type AlertQueue,
  type DeadLetter,
  type Delivery,
  type DeliveryTarget,
  type MetricsSnapshot,
  type OutputQueueStats,
  type QueueHealth,
  type RetryOutcome,
} from '../queue.js';
import { startOutputs } from '../start-outputs.js';
import { RedisLink, describeRedisError, producerConnection } from './connection.js';
import { RedisDeadLetters } from './dead-letters.js';
import { interruptAt, settledBefore } from '../deadline.js';
import { Deliverers } from './deliverers.js';
import type { RedisQueueOptions } from './options.js';
import { OutputQueues } from './output-queues.js';
import { BatchingProducer } from './producer.js';
import { alertsInQueue } from './queue-depth.js';
import { durabilityWarnings, readServerFacts } from './server-check.js';
import { DeliveryThread } from './thread.js';

/**
 * How long start-up waits for a first connection before going on: saker listens promptly whatever Redis does,
 * answering 503 (and /healthz 503) until Redis is up; the workers start delivering as soon as it is.
 */
const FIRST_CONNECT_WAIT_MS = 1000;

interface Running {
  producerLink: RedisLink;
  queues: OutputQueues;
  producer: BatchingProducer;
  deadLetters: RedisDeadLetters;
  /** The delivery thread, for the outputs it can build (those with a recipe). */
  thread: DeliveryThread | undefined;
  /** Deliverers on this thread, for the others. */
  local: Deliverers | undefined;
  /** The outputs built here for the thread's targets: never started, closed at the end. */
  unused: DeliveryTarget[];
  sweepTimer: NodeJS.Timeout;
}

export class RedisQueue implements AlertQueue {
  readonly kind = 'redis';
  private running: Running | undefined;
  private readonly targets = new Map<string, DeliveryTarget>();
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
    const threaded = targets.filter((target) => target.recipe);
    const here = targets.filter((target) => !target.recipe);
    await startOutputs(here.map((target) => target.output));
    // The thread loads its modules and starts its outputs while this one connects to Redis: saker listens
    // as promptly as before.
    const threadStarted = threaded.length > 0 ? DeliveryThread.start(threaded, options, logger) : undefined;

    const producerClient = producerConnection(options.url, options.enqueueTimeoutMs);
    const producerLink = new RedisLink(producerClient, options.url, logger, true);
    const connected = producerLink.waitReady(FIRST_CONNECT_WAIT_MS).then(
      () => true,
      () => false,
    );
    const queues = new OutputQueues(producerClient, options, logger);
    for (const target of targets) {
      queues.open(target);
      this.targets.set(target.output.name, target);
    }
    let thread: DeliveryThread | undefined;
    try {
      thread = await threadStarted;
    } catch (err) {
      await queues.close();
      await producerLink.quit();
      throw err;
    }
    const deadLetters = new RedisDeadLetters(producerClient, options.prefix);
    const producer = new BatchingProducer(producerLink, queues, options);
    const local = here.length > 0 ? new Deliverers(here, options, logger) : undefined;
    const sweepTimer = setInterval(() => void this.sweepFailedJobs(), options.stalledIntervalMs);
    sweepTimer.unref();
    this.running = { producerLink, queues, producer, deadLetters, thread, local, unused: threaded, sweepTimer };

    local?.run();
    // Every (re)connection: check what this Redis would lose, and collect jobs BullMQ failed meanwhile.
    if (await connected) await this.onConnected();
    // Not connected yet (no error either, say a slow TCP connect): said once now, not again at its first error.
    else producerLink.reportOutage(`no connection within ${FIRST_CONNECT_WAIT_MS} ms`);
    producerClient.on('ready', () => void this.onConnected());
    logger.info(
      { redis: producerLink.address, prefix: options.prefix, outputs: queues.names, deliveryThread: threaded.map((t) => t.output.name) },
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

  deliveryMetrics(): Promise<MetricsSnapshot> {
    return this.running?.thread?.metrics() ?? Promise.resolve([]);
  }

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
    const start = Date.now();
    const deadline = start + budgetMs;
    const interrupt = interruptAt(start, deadline);
    clearInterval(running.sweepTimer);
    await settledBefore(running.producer.close(), deadline);

    await Promise.all([running.thread?.close(deadline, interrupt), running.local?.close(deadline, interrupt)]);
    await settledBefore(Promise.allSettled(running.unused.map((target) => target.output.close())), deadline);
    await settledBefore(running.queues.close(), deadline);
    if (!(await settledBefore(running.producerLink.quit(), deadline))) running.producerLink.client.disconnect();
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
