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
