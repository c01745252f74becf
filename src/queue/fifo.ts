// A first-in, first-out list of alerts that takes batches from the front without shifting the array each
// time: the head moves, and the array is compacted only once the consumed part dominates it.

import type { Alert } from '../alert.js';

export class AlertFifo {
  private items: Alert[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(alerts: readonly Alert[]): void {
    for (const alert of alerts) this.items.push(alert);
  }

  /** Up to `n` alerts from the front. */
  take(n: number): Alert[] {
    const end = Math.min(this.head + n, this.items.length);
    const out = this.items.slice(this.head, end);
    this.head = end;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return out;
  }
}
