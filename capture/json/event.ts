// The event of the `json` source, and the JSON view every JSON-based source shares (`k8s_audit` events
// are JSON events too, which is how `jevt.*` fields work on them, as the json plugin does in Falco).

import { nextEventNumber } from '../shared-state.js';
import type { JsonDocument } from './document.js';

export { nextEventNumber };

export interface JsonEvent {
  /** The parsed document (on an event read from indexed text: parsed whole on first use). */
  readonly value: unknown;
  /**
   * The event's indexed text, when it was read that way: extractors then parse only the members they
   * read (access.ts). `value` holds the same JSON either way.
   */
  readonly doc?: JsonDocument;
  /** The document's text as received, when there is one: `json.obj` re-indents it verbatim. */
  readonly text?: string;
  /** When the event happened, ns since the epoch (`json.rawtime`, the alert's time). */
  readonly time: bigint;
  /**
   * Sequence number of the event in this process (`evt.num`), from 1: events of every JSON-based source are
   * numbered in the order saker takes them (capture/shared-state.ts; one range per request body).
   */
  readonly num: number;
}

/** Why a JSON event could not be taken, and where (a JSON path such as `$[3]`, or `file:line`). */
export interface Rejection {
  readonly where: string;
  readonly reason: string;
}

export type Parsed<E> = { ok: true; event: E } | { ok: false; reason: string };

/** The json plugin only looks at documents that start with `{` or `[`: scalars are not events. */
export function jsonEvent(value: unknown, time: bigint, text?: string): Parsed<JsonEvent> {
  if (value === null || typeof value !== 'object') {
    return { ok: false, reason: `a JSON event must be an object or an array, not ${value === null ? 'null' : typeof value}` };
  }
  const num = nextEventNumber();
  return { ok: true, event: text === undefined ? { value, time, num } : { value, time, text, num } };
}
