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
 * `from` gives, for each key in sorted order, its place among the record's keys; `names` the key's JSON
 * text with its colon, written once.
 */
interface KeyOrder {
  keys: string[];
  sorted: string[];
  from: number[];
  names: string[];
  /**
   * False when an object built with the sorted keys would not print them so: integer-like keys, which
   * objects list first in numeric order, or `__proto__`, which assigning does not create.
   */
  plain: boolean;
}
const ORDERS_KEPT = 1024;
const orders = new Map<string, KeyOrder>();

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function keyOrder(rule: string, keys: string[]): KeyOrder {
  let order = orders.get(rule);
  if (order === undefined || !sameKeys(order.keys, keys)) {
    const sorted = [...keys].sort();
    order = {
      keys,
      sorted,
      from: sorted.map((k) => keys.indexOf(k)),
      names: sorted.map((k) => `${JSON.stringify(k)}:`),
      plain: keys.every((k) => k !== '__proto__' && !/^(?:0|[1-9][0-9]*)$/.test(k)),
    };
    if (orders.size >= ORDERS_KEPT) orders.clear();
    orders.set(rule, order);
  }
  return order;
}

/**
 * Characters JSON.stringify writes otherwise than as themselves: `"`, `\\`, control characters, and lone
 * surrogates (here any surrogate: a text with a pair goes the slow way, which is still exact).
 */
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * One line of Falco's JSON output: the text JSON.stringify gives for the alert's members in Falco's order.
 * Written piece by piece when no text in it needs an escape (one test over all its texts, where a
 * JSON.stringify call per alert cost more than the rest of the line); otherwise JSON.stringify writes it.
 */
export function falcoJsonLine(alert: Alert): string {
  const { hostname, output, priority, rule, source, tags, time } = alert;
  const record = alert.output_fields as unknown;
  if (
    typeof hostname !== 'string' ||
    typeof output !== 'string' ||
    typeof priority !== 'string' ||
    typeof rule !== 'string' ||
    typeof source !== 'string' ||
    typeof time !== 'string' ||
    !Array.isArray(tags) ||
    record === null ||
    typeof record !== 'object' ||
    Array.isArray(record)
  ) {
    return genericJsonLine(alert);
  }
  const order = keyOrder(rule, Object.keys(record));
  if (!order.plain) return genericJsonLine(alert);
  /** Every text the line quotes, for the escape test. */
  let texts = hostname + output + priority + rule + source + time;
  const values = Object.values(record);
  const { from, names } = order;
  let fields = '{';
  for (let i = 0; i < names.length; i++) {
    const v: unknown = values[from[i]!];
    let json: string | undefined;
    if (typeof v === 'string') {
      texts += v;
      json = `"${v}"`;
    } else if (Array.isArray(v)) {
      json = stringsJson(v);
      if (json === undefined) json = JSON.stringify(v);
      else texts += v.join('');
    } else {
      json = JSON.stringify(v);
      if (json === undefined) continue; // JSON.stringify leaves such a member out
    }
    fields += (fields.length === 1 ? '' : ',') + names[i] + json;
  }
  let tagsJson = stringsJson(tags);
  if (tagsJson === undefined) tagsJson = JSON.stringify(tags);
  else texts += tags.join('');
  if (ESCAPED.test(texts)) return genericJsonLine(alert);
  return (
    `{"hostname":"${hostname}","output":"${output}","output_fields":${fields}}` +
    `,"priority":"${priority}","rule":"${rule}","source":"${source}","tags":${tagsJson},"time":"${time}"}`
  );
}

/** An array of strings as JSON, each string taken as needing no escape; undefined when not all are strings. */
function stringsJson(list: readonly unknown[]): string | undefined {
  let out = '[';
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (typeof x !== 'string') return undefined;
    out += i === 0 ? `"${x}"` : `,"${x}"`;
  }
  return `${out}]`;
}

/** The same line for an alert of unusual members or keys: an object with the keys sorted, JSON.stringify'd. */
function genericJsonLine(alert: Alert): string {
  const record = alert.output_fields;
  const fields: Record<string, unknown> = {};
  for (const key of keyOrder(alert.rule, Object.keys(record)).sorted) fields[key] = record[key];
  return JSON.stringify({
    hostname: alert.hostname,
    output: alert.output,
    output_fields: fields,
    priority: alert.priority,
    rule: alert.rule,
    source: alert.source,
    tags: alert.tags,
    time: alert.time,
  });
}
