// Falco JSON alerts as they arrive on `POST /`: validated by hand (it is the hot path), in place — the parsed
// object becomes the Alert, keeping any field we do not know, so that what comes in goes out unchanged but
// for the defaults and the enrichment the user asked for. Every problem names its index, field and reason.

import { randomUUID } from 'node:crypto';
import { parsePriority, PRIORITIES, priorityProblem, type Alert, type Priority } from '../alert.js';

export interface AlertProblem {
  /** Position in the array; absent when the body was a single alert. */
  index?: number;
  /** `priority`, `tags[2]`, or '' for the element itself. */
  field: string;
  problem: string;
}

export interface ParsedAlerts {
  alerts: Alert[];
  problems: AlertProblem[];
}

/** The two-digit number at `i`, or -1 when those are not two digits. */
function twoDigits(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * RFC 3339 date-time: `YYYY-MM-DD`, `T` (or a space, which RFC 3339 allows), `HH:MM:SS`, an optional
 * fraction, then `Z` or `±HH:MM`. Checked character by character: it runs for every alert, and a regular
 * expression would allocate its match on each.
 */
export function isRfc3339(text: string): boolean {
  const n = text.length;
  if (n < 20 || twoDigits(text, 0) < 0 || twoDigits(text, 2) < 0 || text[4] !== '-' || text[7] !== '-') return false;
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const sep = text[10];
  if (month < 1 || month > 12 || day < 1 || day > 31 || (sep !== 'T' && sep !== 't' && sep !== ' ')) return false;
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17); // 60: a leap second, as RFC 3339 permits
  if (hour < 0 || hour > 23 || text[13] !== ':' || minute < 0 || minute > 59 || text[16] !== ':' || second < 0 || second > 60) return false;
  let i = 19;
  if (text[i] === '.') {
    const start = ++i;
    while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
    if (i === start) return false;
  }
  const zone = text[i];
  if (zone === 'Z' || zone === 'z') return i + 1 === n;
  if (zone !== '+' && zone !== '-') return false;
  const offHour = twoDigits(text, i + 1);
  const offMinute = twoDigits(text, i + 4);
  return i + 6 === n && offHour >= 0 && offHour <= 23 && text[i + 3] === ':' && offMinute >= 0 && offMinute <= 59;
}

// Falco writes priorities in this spelling: found as they are, without lower-casing a copy of each.
const CANONICAL = new Set<string>(PRIORITIES);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `a string`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Checks one element and turns it into an Alert (the same object). Pushes a problem per bad field and
 * returns undefined when there was any.
 */
function toAlert(value: unknown, index: number | undefined, problems: AlertProblem[]): Alert | undefined {
  const before = problems.length;
  const bad = (field: string, problem: string) => {
    problems.push(index === undefined ? { field, problem } : { index, field, problem });
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    bad('', `expected a Falco alert (a JSON object), got ${describe(value)}`);
    return undefined;
  }
  const a = value as Record<string, unknown>;

  const time = a['time'];
  if (time === undefined) bad('time', 'required: the event time, RFC 3339 (2026-11-29T01:02:03.123456789Z)');
  else if (typeof time !== 'string') bad('time', `expected an RFC 3339 string, got ${describe(time)}`);
  else if (!isRfc3339(time)) bad('time', `'${time.slice(0, 60)}' is not an RFC 3339 time (2026-11-29T01:02:03.123456789Z)`);

  const rule = a['rule'];
  if (rule === undefined) bad('rule', 'required: the name of the rule that fired');
  else if (typeof rule !== 'string') bad('rule', `expected a string, got ${describe(rule)}`);
  else if (rule.trim() === '') bad('rule', 'must not be empty');

  const priority = a['priority'];
  if (priority === undefined) bad('priority', 'required: a Falco priority (Emergency … Debug)');
  else if (typeof priority !== 'string') bad('priority', `expected a string, got ${describe(priority)}`);
  else {
    const p = CANONICAL.has(priority) ? (priority as Priority) : parsePriority(priority);
    if (p === undefined) bad('priority', priorityProblem(priority.slice(0, 60)));
    else a['priority'] = p;
  }

  const output = a['output'];
  if (output === undefined || output === null) a['output'] = '';
  else if (typeof output !== 'string') bad('output', `expected a string, got ${describe(output)}`);

  const fields = a['output_fields'];
  if (fields === undefined || fields === null) a['output_fields'] = {};
  else if (typeof fields !== 'object' || Array.isArray(fields)) bad('output_fields', `expected an object, got ${describe(fields)}`);

  const source = a['source'];
  if (source === undefined || source === null || source === '') a['source'] = 'syscall';
  else if (typeof source !== 'string') bad('source', `expected a string, got ${describe(source)}`);

  const tags = a['tags'];
  if (tags === undefined || tags === null) a['tags'] = [];
  else if (!Array.isArray(tags)) bad('tags', `expected an array of strings, got ${describe(tags)}`);
  else {
    for (let i = 0; i < tags.length; i++) {
      if (typeof tags[i] !== 'string') bad(`tags[${i}]`, `expected a string, got ${describe(tags[i])}`);
    }
  }

  const hostname = a['hostname'];
  if (hostname === undefined || hostname === null) a['hostname'] = '';
  else if (typeof hostname !== 'string') bad('hostname', `expected a string, got ${describe(hostname)}`);

  const uuid = a['uuid'];
  if (uuid === undefined || uuid === null || uuid === '') a['uuid'] = randomUUID();
  else if (typeof uuid !== 'string') bad('uuid', `expected a string, got ${describe(uuid)}`);

  return problems.length === before ? (a as unknown as Alert) : undefined;
}

/** A request body: one alert or an array of them. Valid alerts are kept even when others are not. */
export function parseAlerts(body: unknown): ParsedAlerts {
  const problems: AlertProblem[] = [];
  if (Array.isArray(body)) {
    const alerts: Alert[] = [];
    for (let i = 0; i < body.length; i++) {
      const alert = toAlert(body[i], i, problems);
      if (alert) alerts.push(alert);
    }
    return { alerts, problems };
  }
  if (body === undefined) {
    return { alerts: [], problems: [{ field: '', problem: 'empty body: send one Falco alert (a JSON object) or an array of them' }] };
  }
  const alert = toAlert(body, undefined, problems);
  return { alerts: alert ? [alert] : [], problems };
}

/** `[3].priority: 'warn' is not a priority; …` */
export function formatProblem(p: AlertProblem): string {
  const where = p.index === undefined ? p.field : p.field === '' ? `[${p.index}]` : `[${p.index}].${p.field}`;
  return where === '' ? p.problem : `${where}: ${p.problem}`;
}
