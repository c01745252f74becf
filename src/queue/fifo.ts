// A first-in, first-out list of alerts, with the time each was queued, that takes batches from the front
// without shifting the arrays each time: the head moves, and the arrays are compacted only once the
// consumed part dominates them.

import type { Alert } from '../alert.js';

export interface Batch {
  alerts: Alert[];
  /** When the oldest alert of the batch was queued (ms since the epoch). */
  enqueuedAt: number;
}

export class AlertFifo {
  private items: Alert[] = [];
  private times: number[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(alerts: readonly Alert[], now: number = Date.now()): void {
    for (const alert of alerts) {
      this.items.push(alert);
      this.times.push(now);
    }
  }

  /** The alerts still in the list, oldest first, without taking them. */
  peek(): Alert[] {
    return this.items.slice(this.head);
  }

  /** Up to `n` alerts from the front; call only when the list is not empty. */
  take(n: number): Batch {
    const end = Math.min(this.head + n, this.items.length);
    const batch = { alerts: this.items.slice(this.head, end), enqueuedAt: this.times[this.head]! };
    this.head = end;
    if (this.head === this.items.length) {
      this.items = [];
      this.times = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return batch;
  }
}
