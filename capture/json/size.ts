// The per-event size limit: an event's size is the byte length of its JSON text. When the event came
// with its own text (a line of a file) that text is measured; otherwise the parsed value is.

/** Byte length of a JSON text, computed only when the cheap bound (3 bytes per UTF-16 unit) is over the limit. */
function overLimit(text: string, limit: number): number | undefined {
  if (text.length * 3 <= limit) return undefined;
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > limit ? bytes : undefined;
}

/**
 * What is left of `budget` after an upper bound of the JSON text size of `value` (every character counted
 * as an escape, every number as 24 bytes); negative once over. Walking is about three times cheaper than
 * serializing, and typical events are a tenth of the limit even so bounded.
 */
function sizeBound(value: unknown, budget: number): number {
  if (typeof value === 'string') return budget - (value.length * 6 + 2);
  if (value === null || typeof value !== 'object') return budget - 24;
  let left = budget - 2;
  if (Array.isArray(value)) {
    for (const item of value) {
      left = sizeBound(item, left - 1);
      if (left < 0) return left;
    }
    return left;
  }
  for (const key in value) {
    left = sizeBound((value as Record<string, unknown>)[key], left - (key.length * 6 + 4));
    if (left < 0) return left;
  }
  return left;
}

/** The event's size in bytes when it is over the limit, undefined when within. */
export function eventOverLimit(value: unknown, limit: number, text: string | undefined): number | undefined {
  if (text !== undefined) return overLimit(text, limit);
  if (sizeBound(value, limit) >= 0) return undefined;
  return overLimit(JSON.stringify(value), limit);
}
