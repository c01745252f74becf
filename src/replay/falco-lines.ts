// The two ways Falco prints an alert on stdout: its text line (`json_output: false`) and its JSON object
// (`json_output: true`, keys in Falco's order, which is alphabetical, without saker's own `uuid`).

import type { Alert } from '../alert.js';
import { eventClockTime } from '../../capture/event-fields.js';
import { parseRfc3339 } from '../../capture/k8saudit/timestamp.js';

/** `14:09:12.581541000: Warning Privileged pod created (…)`, the time in local time as Falco prints it. */
export function falcoTextLine(alert: Alert): string {
  const ns = parseRfc3339(alert.time);
  const clock = typeof ns === 'bigint' ? eventClockTime(ns) : alert.time;
  return `${clock}: ${alert.priority} ${alert.output}`;
}

function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key]!;
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
