// Reading parsed JSON the way Falco's plugins read it (they use the fastjson library): a key looks up an
// object member, a decimal number indexes an array, anything else finds nothing; and a value that is not a
// JSON string is extracted as its JSON text.

/** A JSON value as JSON.parse returns it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const INDEX = /^[+-]?[0-9]+$/;

/**
 * One step into a JSON value: an object member (own members only, so `constructor` or `__proto__` never
 * resolve to something JSON.parse did not create), or an array element by decimal index (`+1` and `01`
 * are accepted as Go's strconv.Atoi accepts them). Undefined when there is nothing there.
 */
export function member(value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    if (!INDEX.test(key)) return undefined;
    const i = Number(key);
    return i >= 0 && i < value.length ? value[i] : undefined;
  }
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * The text Falco extracts for a JSON value: a string as it is, anything else (numbers, booleans, null,
 * objects, arrays) as compact JSON text. Undefined stays undefined (the field is missing).
 */
export function jsonText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value === undefined) return undefined;
  return JSON.stringify(value);
}
