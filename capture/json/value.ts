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
  // JSON.stringify's own texts for the scalars pod fields are full of (`privileged: true`, `runAsUser: 0`),
  // without its call, which costs thousands of instructions: a finite number's JSON text is its ToString.
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (value === null) return 'null';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return JSON.stringify(value);
}

/** Reads a value at a path fixed when a rule is compiled. */
export type Access = (root: unknown) => unknown;

/**
 * Whether plain property access reads `key` exactly as `member` does on any JSON value: not an array index
 * and not something objects or arrays inherit (`length`, `constructor`, `__proto__`, …).
 */
function plainKey(key: string): boolean {
  return !INDEX.test(key) && !(key in Object.prototype) && !(key in Array.prototype);
}

/** One step of a path, compiled: the hot extractors read fixed keys, and plain access is the fast way. */
export function compileStep(key: string): Access {
  if (!plainKey(key)) return (v) => member(v, key);
  return (v) => (isObj(v) ? v[key] : undefined);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;

/**
 * A fixed path of keys, compiled once; undefined as soon as a step finds nothing. Short plain paths get a
 * closure per length, each load with its own key, so that V8's inline caches stay monomorphic per field.
 */
export function compileAccess(keys: readonly string[]): Access {
  if (keys.every(plainKey)) {
    const [k0, k1, k2, k3, k4] = keys as [string, string, string, string, string];
    switch (keys.length) {
      case 0:
        return (r) => r;
      case 1:
        return (r) => (isObj(r) ? r[k0] : undefined);
      case 2:
        return (r) => {
          const a = isObj(r) ? r[k0] : undefined;
          return isObj(a) ? a[k1] : undefined;
        };
      case 3:
        return (r) => {
          const a = isObj(r) ? r[k0] : undefined;
          const b = isObj(a) ? a[k1] : undefined;
          return isObj(b) ? b[k2] : undefined;
        };
      case 4:
        return (r) => {
          const a = isObj(r) ? r[k0] : undefined;
          const b = isObj(a) ? a[k1] : undefined;
          const c = isObj(b) ? b[k2] : undefined;
          return isObj(c) ? c[k3] : undefined;
        };
      case 5:
        return (r) => {
          const a = isObj(r) ? r[k0] : undefined;
          const b = isObj(a) ? a[k1] : undefined;
          const c = isObj(b) ? b[k2] : undefined;
          const d = isObj(c) ? c[k3] : undefined;
          return isObj(d) ? d[k4] : undefined;
        };
      default:
        break;
    }
  }
  const steps = keys.map(compileStep);
  return (root) => {
    let v = root;
    for (const step of steps) {
      v = step(v);
      if (v === undefined) return undefined;
    }
    return v;
  };
}
