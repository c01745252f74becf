// The embedded queue's dead letters for one output: in memory, oldest first, bounded.

import type { Alert } from '../alert.js';
import type { DeadLetter } from './queue.js';

export class DeadLetterStore {
  /**
   * By id, oldest first. The id is the alert's uuid, as in the Redis queue: it stays the same across retries
   * (an alert that dies again is found under the same id), and an alert that dies twice is one letter.
   */
  private readonly letters = new Map<string, DeadLetter>();
  /** Dead letters pushed out by newer ones since start-up. */
  dropped = 0;

  constructor(
    private readonly output: string,
    private readonly limit: number,
  ) {}

  get size(): number {
    return this.letters.size;
  }

  /** Keeps the alert; returns how many old letters had to go to stay within the limit. */
  add(alert: Alert, error: string, attempts: number): number {
    if (this.limit === 0) {
      this.dropped++;
      return 1;
    }
    const id = alert.uuid;
    // A letter that fails again moves to the end: the list is ordered by failure time.
    this.letters.delete(id);
    this.letters.set(id, { id, output: this.output, alert, error, attempts, failedAt: new Date().toISOString() });
    let evicted = 0;
    for (const oldest of this.letters.keys()) {
      if (this.letters.size <= this.limit) break;
      this.letters.delete(oldest);
      evicted++;
    }
    this.dropped += evicted;
    return evicted;
  }

  list(offset: number, limit: number): DeadLetter[] {
    const out: DeadLetter[] = [];
    let i = 0;
    for (const letter of this.letters.values()) {
      if (i++ < offset) continue;
      if (out.length >= limit) break;
      out.push(letter);
    }
    return out;
  }

  /** Removes and returns the named letters (or all), in the order asked (oldest first for all), and the ids not found. */
  take(ids: readonly string[] | 'all'): { alerts: Alert[]; notFound: string[] } {
    const asked = ids === 'all' ? [...this.letters.keys()] : [...new Set(ids)];
    const alerts: Alert[] = [];
    const notFound: string[] = [];
    for (const id of asked) {
      const letter = this.letters.get(id);
      if (!letter) {
        notFound.push(id);
        continue;
      }
      alerts.push(letter.alert);
      this.letters.delete(id);
    }
    return { alerts, notFound };
  }

  purge(): number {
    const n = this.letters.size;
    this.letters.clear();
    return n;
  }
}
