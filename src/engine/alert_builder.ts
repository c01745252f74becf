// Turning a matched rule and its event into Falco's JSON alert.

import { randomUUID } from 'node:crypto';
import type { Alert } from '../alert.js';
import type { CompiledRule } from './loader/compiler.js';

const NS_PER_SECOND = 1_000_000_000n;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * Texts of whole seconds formatted lately, by second. Formatting with Date (local time above all) is most
 * of an alert's time texts, and alerts come from few seconds at a time: the events of a burst, or of an
 * audit log replayed. Bounded: forgotten all at once when full.
 */
const SECONDS_KEPT = 256;

class SecondTexts {
  private readonly texts = new Map<number, string>();
  constructor(private readonly format: (date: Date) => string) {}

  of(seconds: number): string {
    let text = this.texts.get(seconds);
    if (text === undefined) {
      text = this.format(new Date(seconds * 1000));
      if (this.texts.size >= SECONDS_KEPT) this.texts.clear();
      this.texts.set(seconds, text);
    }
    return text;
  }
}

/** `2026-11-29T01:02:03`: the second in UTC. */
const utcSeconds = new SecondTexts((date) => date.toISOString().slice(0, 19));
/** `02:02:03`: the second in local time (the process's time zone, fixed while it runs). */
const localSeconds = new SecondTexts((date) => `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`);

/** Whole seconds (rounded down) and the nanoseconds past them, as `.nnnnnnnnn`. */
function split(ns: bigint): { seconds: number; nanos: string } {
  let seconds = ns / NS_PER_SECOND;
  let nanos = ns % NS_PER_SECOND;
  if (nanos < 0n) {
    seconds -= 1n;
    nanos += NS_PER_SECOND;
  }
  return { seconds: Number(seconds), nanos: pad(Number(nanos), 9) };
}

/** RFC 3339 in UTC with nanoseconds, as Falco writes an alert's `time`: `2026-11-29T01:02:03.123456789Z`. */
export function rfc3339Nanos(ns: bigint): string {
  const { seconds, nanos } = split(ns);
  return `${utcSeconds.of(seconds)}.${nanos}Z`;
}

/** `%evt.time` as Falco prints it at the start of an alert's output: local `HH:MM:SS.nnnnnnnnn`. */
export function evtTime(ns: bigint): string {
  const { seconds, nanos } = split(ns);
  return `${localSeconds.of(seconds)}.${nanos}`;
}

/**
 * The alert for a rule that matched `event`. Without `uuid` (saker replay prints alerts without it), the
 * alert's uuid is empty rather than one generated for nothing.
 */
export function buildAlert<E>(rule: CompiledRule<E>, event: E, timeNs: bigint, hostname: string, uuid = true): Alert {
  const { seconds, nanos } = split(timeNs);
  return {
    uuid: uuid ? randomUUID() : '',
    time: `${utcSeconds.of(seconds)}.${nanos}Z`,
    rule: rule.name,
    priority: rule.priority,
    source: rule.source,
    output: `${localSeconds.of(seconds)}.${nanos}: ${rule.priority} ${rule.output.render(event)}`,
    output_fields: rule.output.fields(event),
    tags: [...rule.tags],
    hostname,
  };
}
