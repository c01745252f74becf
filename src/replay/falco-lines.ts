// The two ways Falco prints an alert on stdout: its text line (`json_output: false`) and its JSON object
// (`json_output: true`, keys in Falco's order, which is alphabetical, without saker's own `uuid`).

import type { Alert } from '../alert.js';

/**
 * `14:09:12.581541000: Warning Privileged pod created (…)`: an engine alert's `output` is already Falco's
 * whole line (time in local time, priority, message), as in Falco's JSON alerts.
 */
export function falcoTextLine(alert: Alert): string {
  return alert.output;
}

/**
 * The alphabetical order of output_fields keys, by rule: every alert of a rule has the same keys in the same
 * order, so the order is sorted once and only checked after that (alerts of another origin may differ).
 */
interface KeyOrder {
  keys: string[];
  sorted: string[];
}
const ORDERS_KEPT = 1024;
const orders = new Map<string, KeyOrder>();

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sortedKeys<T>(rule: string, record: Record<string, T>): Record<string, T> {
  const keys = Object.keys(record);
  let order = orders.get(rule);
  if (order === undefined || !sameKeys(order.keys, keys)) {
    order = { keys, sorted: [...keys].sort() };
    if (orders.size >= ORDERS_KEPT) orders.clear();
    orders.set(rule, order);
  }
  const out: Record<string, T> = {};
  for (const key of order.sorted) out[key] = record[key]!;
  return out;
}

/** One line of Falco's JSON output. */
export function falcoJsonLine(alert: Alert): string {
  return JSON.stringify({
    hostname: alert.hostname,
    output: alert.output,
    output_fields: sortedKeys(alert.rule, alert.output_fields),
    priority: alert.priority,
    rule: alert.rule,
    source: alert.source,
    tags: alert.tags,
    time: alert.time,
  });
}
