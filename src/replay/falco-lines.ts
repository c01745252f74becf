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
 * Alphabetical orders of output_fields keys, by the keys in the order an alert has them: every alert of a
 * rule has the same keys in the same order, so each order is sorted once. Bounded: forgotten when full.
 */
const ORDERS_KEPT = 1024;
const orders = new Map<string, string[]>();

function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
  const keys = Object.keys(record);
  const id = JSON.stringify(keys);
  let order = orders.get(id);
  if (order === undefined) {
    order = keys.sort();
    if (orders.size >= ORDERS_KEPT) orders.clear();
    orders.set(id, order);
  }
  const out: Record<string, T> = {};
  for (const key of order) out[key] = record[key]!;
  return out;
}

/** One line of Falco's JSON output. */
export function falcoJsonLine(alert: Alert): string {
  return JSON.stringify({
    hostname: alert.hostname,
    output: alert.output,
    output_fields: sortedKeys(alert.output_fields),
    priority: alert.priority,
    rule: alert.rule,
    source: alert.source,
    tags: alert.tags,
    time: alert.time,
  });
}
