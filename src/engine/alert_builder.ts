// Turning a matched rule and its event into Falco's JSON alert.

import { randomUUID } from 'node:crypto';
import type { Alert } from '../alert.js';
import type { CompiledRule } from './loader/compiler.js';

const NS_PER_SECOND = 1_000_000_000n;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function split(ns: bigint): { date: Date; nanos: string } {
  const seconds = ns >= 0n ? ns / NS_PER_SECOND : (ns - NS_PER_SECOND + 1n) / NS_PER_SECOND;
  const nanos = ns - seconds * NS_PER_SECOND;
  return { date: new Date(Number(seconds) * 1000), nanos: pad(Number(nanos), 9) };
}

/** RFC 3339 in UTC with nanoseconds, as Falco writes an alert's `time`: `2026-11-29T01:02:03.123456789Z`. */
export function rfc3339Nanos(ns: bigint): string {
  const { date, nanos } = split(ns);
  return `${date.toISOString().slice(0, 19)}.${nanos}Z`;
}

/** `%evt.time` as Falco prints it at the start of an alert's output: local `HH:MM:SS.nnnnnnnnn`. */
export function evtTime(ns: bigint): string {
  const { date, nanos } = split(ns);
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${nanos}`;
}

export function buildAlert<E>(rule: CompiledRule<E>, event: E, timeNs: bigint, hostname: string): Alert {
  return {
    uuid: randomUUID(),
    time: rfc3339Nanos(timeNs),
    rule: rule.name,
    priority: rule.priority,
    source: rule.source,
    output: `${evtTime(timeNs)}: ${rule.priority} ${rule.output.render(event)}`,
    output_fields: rule.output.fields(event),
    tags: [...rule.tags],
    hostname,
  };
}
