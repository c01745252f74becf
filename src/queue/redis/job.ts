// What one BullMQ job holds: a batch of alerts for one output and the delivery attempt it is at. The
// producer writes it, the worker reads and (on a partial failure) rewrites it.

import type { Alert } from '../../alert.js';

export interface AlertJobData {
  /** 1-based: the attempt the next delivery of these alerts will be. */
  attempt: number;
  alerts: Alert[];
}

/**
 * The job's name carries its alert count ("alerts:120") so that queue depth can be counted in alerts by
 * reading one small hash field per job, without decoding the batches.
 */
export function alertJobName(count: number): string {
  return `alerts:${count}`;
}

/** Splits `items` into consecutive slices of at most `size` (size ≥ 1; Infinity means one slice). */
export function slices<T>(items: readonly T[], size: number): T[][] {
  const step = Math.max(1, Math.floor(Math.min(size, items.length || 1)));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += step) out.push(items.slice(i, i + step));
  return out;
}
