// The embedded queue's dead letters for one output: in memory, oldest first, bounded.

import type { Alert } from '../alert.js';
import type { DeadLetter } from './queue.js';

export class DeadLetterStore {
  private readonly letters = new Map<string, DeadLetter>();
  private nextId = 1;
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
    const id = String(this.nextId++);
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

  /** Removes and returns the named letters (or all), oldest first. */
  take(ids: readonly string[] | 'all'): Alert[] {
    const chosen = ids === 'all' ? [...this.letters.keys()] : [...new Set(ids)].filter((id) => this.letters.has(id));
    const alerts: Alert[] = [];
    for (const id of chosen) {
      alerts.push(this.letters.get(id)!.alert);
      this.letters.delete(id);
    }
    return alerts;
  }

  purge(): number {
    const n = this.letters.size;
    this.letters.clear();
    return n;
  }
}
