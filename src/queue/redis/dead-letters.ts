// Dead letters in Redis, per output: a hash of id → dead letter (JSON) and a sorted set of ids by the time
// they failed, so that listing pages through them oldest first. The id is the alert's uuid, its idempotency
// key: an alert that dies twice (say, redelivered after a crash) is one dead letter, not two.

import type { Redis } from 'ioredis';
import type { DeadLetter, RetryOutcome } from '../queue.js';
import type { FailedAlert } from '../delivery.js';
import type { AlertJobQueue } from './output-queues.js';

/** How many dead letters one retry step moves back: bounds the memory and the size of one Redis write. */
const RETRY_PAGE = 500;

export class RedisDeadLetters {
  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {}

  private keys(output: string): { index: string; letters: string } {
    return { index: `${this.prefix}:${output}:dlq`, letters: `${this.prefix}:${output}:dlq:letters` };
  }

  async add(output: string, failed: readonly FailedAlert[], attempts: number, failedAt = new Date()): Promise<void> {
    if (failed.length === 0) return;
    const { index, letters } = this.keys(output);
    const entries: string[] = [];
    const scored: Array<number | string> = [];
    for (const { alert, error } of failed) {
      const letter: DeadLetter = { id: alert.uuid, output, alert, error, attempts, failedAt: failedAt.toISOString() };
      entries.push(letter.id, JSON.stringify(letter));
      scored.push(failedAt.getTime(), letter.id);
    }
    // One transaction: a dead letter is either listed and readable, or not there at all.
    await this.client.multi().hset(letters, ...entries).zadd(index, ...scored).exec().then(throwOnError);
  }

  async count(output: string): Promise<number> {
    return this.client.zcard(this.keys(output).index);
  }

  async list(output: string, page: { offset?: number; limit?: number } = {}): Promise<DeadLetter[]> {
    const offset = Math.max(0, page.offset ?? 0);
    const limit = Math.max(0, page.limit ?? 100);
    if (limit === 0) return [];
    const { index } = this.keys(output);
    const ids = await this.client.zrange(index, offset, offset + limit - 1);
    return this.read(output, ids);
  }

  /**
   * Puts dead letters back on the output's queue as fresh deliveries (attempt 1), then forgets them. `all`
   * means those that had failed when the retry started: an alert that dies again meanwhile waits for the
   * next retry instead of making this one loop. Resolves to how many were put back, and the named ids that
   * were not dead letters.
   */
  async retry(
    output: string,
    ids: readonly string[] | 'all',
    requeue: (letters: DeadLetter[]) => Promise<void>,
  ): Promise<RetryOutcome> {
    const { index } = this.keys(output);
    const outcome: RetryOutcome = { retried: 0, notFound: [] };
    if (ids === 'all') {
      const until = Date.now();
      for (;;) {
        const page = await this.client.zrangebyscore(index, '-inf', until, 'LIMIT', 0, RETRY_PAGE);
        if (page.length === 0) break;
        outcome.retried += (await this.move(output, page, requeue)).moved;
      }
      return outcome;
    }
    // An id named twice is one letter, put back once.
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += RETRY_PAGE) {
      const { moved, missing } = await this.move(output, unique.slice(i, i + RETRY_PAGE), requeue);
      outcome.retried += moved;
      outcome.notFound.push(...missing);
    }
    return outcome;
  }

  async purge(output: string): Promise<number> {
    const { index, letters } = this.keys(output);
    const results = await this.client.multi().zcard(index).del(index, letters).exec().then(throwOnError);
    return Number(results[0]);
  }

  /**
   * Jobs that BullMQ itself failed — stalled more than allowed, or saker's bookkeeping kept failing — hold
   * alerts too: they become dead letters with BullMQ's reason, so that nothing is ever left where saker's
   * tools do not look. Resolves to how many alerts were moved.
   */
  async absorbFailedJobs(output: string, queue: AlertJobQueue): Promise<number> {
    let moved = 0;
    for (;;) {
      const jobs = await queue.getFailed(0, 49);
      if (jobs.length === 0) return moved;
      for (const job of jobs) {
        const alerts = job.data?.alerts ?? [];
        const error = `delivery stopped by the queue: ${job.failedReason || 'unknown reason'}`;
        await this.add(output, alerts.map((alert) => ({ alert, error })), job.data?.attempt ?? 1);
        await job.remove();
        moved += alerts.length;
      }
    }
  }

  private async read(output: string, ids: readonly string[]): Promise<DeadLetter[]> {
    if (ids.length === 0) return [];
    const raw = await this.client.hmget(this.keys(output).letters, ...ids);
    const letters: DeadLetter[] = [];
    for (const text of raw) if (text !== null) letters.push(JSON.parse(text) as DeadLetter);
    return letters;
  }

  /** Requeues first, forgets second: a crash in between leaves a duplicate, never a loss. */
  private async move(
    output: string,
    ids: readonly string[],
    requeue: (letters: DeadLetter[]) => Promise<void>,
  ): Promise<{ moved: number; missing: string[] }> {
    const letters = await this.read(output, ids);
    const { index, letters: lettersKey } = this.keys(output);
    if (letters.length > 0) await requeue(letters);
    // Ids asked for but not found (already retried, purged, mistyped) are cleaned from the index too.
    await this.client.multi().hdel(lettersKey, ...ids).zrem(index, ...ids).exec().then(throwOnError);
    const found = new Set(letters.map((letter) => letter.id));
    return { moved: letters.length, missing: ids.filter((id) => !found.has(id)) };
  }
}

type ExecResult = Array<[Error | null, unknown]> | null;

function throwOnError(results: ExecResult): unknown[] {
  if (!results) throw new Error('Redis aborted the transaction');
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
