// The consuming side of the Redis queue: one BullMQ worker per output on a connection of their own, the
// outputs they deliver to, and their orderly stop. The Redis queue runs one of these in its delivery thread
// (thread-entry.ts) and, for outputs that must stay on the main thread, one there.

import type { Logger } from 'pino';
import type { DeliveryTarget } from '../queue.js';
import { RedisLink, workerConnection } from './connection.js';
import { RedisDeadLetters } from './dead-letters.js';
import { settledBefore } from '../deadline.js';
import type { RedisQueueOptions } from './options.js';
import { OutputWorker } from './output-worker.js';

export class Deliverers {
  private readonly link: RedisLink;
  private readonly workers: OutputWorker[];
  private readonly shutdown = new AbortController();

  constructor(
    private readonly targets: readonly DeliveryTarget[],
    options: RedisQueueOptions,
    private readonly logger: Logger,
  ) {
    const connection = workerConnection(options.url);
    this.link = new RedisLink(connection, options.url, logger, false);
    // Dead letters are recorded on the workers' connection, which waits through an outage rather than
    // failing the job's bookkeeping.
    const deadLetters = new RedisDeadLetters(connection, options.prefix);
    this.workers = targets.map(
      (target) => new OutputWorker(target, { connection, options, deadLetters, shutdown: this.shutdown.signal, logger }),
    );
  }

  run(): void {
    for (const worker of this.workers) worker.run();
  }

  /**
   * Everything by `deadline` (ms since the epoch), whatever Redis does (down, or hanging without closing the
   * connection): jobs in progress finish, or are interrupted at `interruptAt` and put back in Redis without
   * costing an attempt; queued jobs stay in Redis. Then the outputs close.
   */
  async close(deadline: number, interruptAt: number): Promise<void> {
    const workersClosed = Promise.allSettled(this.workers.map((worker) => worker.close()));
    const interrupt = setTimeout(() => this.shutdown.abort(), Math.max(0, interruptAt - Date.now()));
    const finished = await settledBefore(workersClosed, deadline);
    clearTimeout(interrupt);
    if (!finished) {
      // Redis is unreachable, so the interrupted jobs cannot be rescheduled: their locks will expire and
      // the stalled-job check hands them to the next worker.
      this.logger.warn('Redis did not take the interrupted deliveries back in time; they will be redelivered after their lock expires');
      this.link.client.disconnect();
    }
    await settledBefore(Promise.allSettled(this.targets.map((target) => target.output.close())), deadline);
    if (!(await settledBefore(this.link.quit(), deadline))) this.link.client.disconnect();
  }
}
