// Generic JSON events from a request body or a document: an object is one event, an array is a list of
// events (each element an object or an array). Unusable elements are reported by JSON path.

import { jsonEvent, type JsonEvent, type Rejection } from './event.js';
import { eventOverLimit } from './size.js';

export interface JsonBatch {
  events: JsonEvent[];
  rejected: Rejection[];
}

/** One event, timed `time`; `text` is its JSON text when the caller has it. */
export function sizedJsonEvent(value: unknown, maxEventBytes: number, time: bigint, where: string, text?: string): JsonEvent | Rejection {
  const bytes = eventOverLimit(value, maxEventBytes, text);
  if (bytes !== undefined) return { where, reason: `event is ${bytes} bytes, over the limit of ${maxEventBytes} bytes per event` };
  const parsed = jsonEvent(value, time, text);
  return parsed.ok ? parsed.event : { where, reason: parsed.reason };
}

export function jsonPayload(payload: unknown, maxEventBytes: number, time: bigint, where = '$'): JsonBatch {
  const batch: JsonBatch = { events: [], rejected: [] };
  const items = Array.isArray(payload) ? payload : [payload];
  items.forEach((item, i) => {
    const result = sizedJsonEvent(item, maxEventBytes, time, Array.isArray(payload) ? `${where}[${i}]` : where);
    if ('reason' in result) batch.rejected.push(result);
    else batch.events.push(result);
  });
  return batch;
}
