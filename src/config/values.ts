// Turning one raw configuration value (from YAML, or the text of an environment variable) into the typed value
// its ConfigKey declares. Every problem is a sentence the user reads after the key's name.

import { parsePriority, priorityProblem } from '../alert.js';
import type { ConfigKey } from '../../outputs/output.js';

/** A value that does not fit its key. The loader prefixes where it came from (file:line:col or env name). */
export class ValueProblem extends Error {}

/** Where a raw value came from: YAML keeps its JS type, the environment gives text only. */
export type ValueOrigin = 'yaml' | 'env';

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/** True when the raw value means "not set": the key then takes its default. */
export function isUnset(raw: unknown): boolean {
  return raw === undefined || raw === null || raw === '';
}

function show(raw: unknown): string {
  return typeof raw === 'string' ? `'${raw}'` : JSON.stringify(raw);
}

function kindOf(raw: unknown): string {
  if (Array.isArray(raw)) return 'a list';
  if (raw === null) return 'null';
  if (typeof raw === 'object') return 'a map';
  return `${show(raw)}`;
}

function scalarText(raw: unknown, expected: string): string {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  throw new ValueProblem(`expected ${expected}, got ${kindOf(raw)}`);
}

/** `500ms`, `10s`, `2m`, `1h`, or a bare number of milliseconds. */
export function parseDuration(raw: unknown): number {
  if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0) return Math.round(raw);
  const text = scalarText(raw, 'a duration (500ms, 10s, 2m, 1h or milliseconds)').trim();
  const m = DURATION.exec(text);
  if (!m) throw new ValueProblem(`${show(raw)} is not a duration; write 500ms, 10s, 2m, 1h or a number of milliseconds`);
  return Math.round(Number(m[1]) * UNIT_MS[(m[2] ?? 'ms').toLowerCase()]!);
}

/** Renders milliseconds the way a user would write them, for docs and logs. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

function checkBounds(key: ConfigKey, n: number, render: (n: number) => string = String): number {
  if (key.min !== undefined && n < key.min) throw new ValueProblem(`${render(n)} is below the minimum of ${render(key.min)}`);
  if (key.max !== undefined && n > key.max) throw new ValueProblem(`${render(n)} is above the maximum of ${render(key.max)}`);
  return n;
}

function toList(raw: unknown): string[] {
  if (Array.isArray(raw)) {
    return raw.map((item, i) => {
      if (item === null || typeof item === 'object') throw new ValueProblem(`item ${i}: expected text, got ${kindOf(item)}`);
      return String(item);
    });
  }
  // Falcosidekick's convention for lists given as text (environment variables): comma-separated.
  return scalarText(raw, 'a list')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function toMap(raw: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw)) {
      if (v !== null && typeof v === 'object') throw new ValueProblem(`${k}: expected text, got ${kindOf(v)}`);
      out[k] = v === null ? '' : String(v);
    }
    return out;
  }
  // Falcosidekick's text form: `key1:value1,key2:value2` (a value may itself contain ':').
  const text = scalarText(raw, 'a map (key: value pairs, or key1:value1,key2:value2)');
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue;
    const colon = pair.indexOf(':');
    if (colon <= 0) throw new ValueProblem(`'${pair.trim()}' is not a key:value pair (write key1:value1,key2:value2)`);
    out[pair.slice(0, colon).trim()] = pair.slice(colon + 1).trim();
  }
  return out;
}

/** The typed value of `raw` for `key`. Call only when `isUnset(raw)` is false. */
export function coerce(key: ConfigKey, raw: unknown, origin: ValueOrigin): unknown {
  switch (key.type) {
    case 'string':
      return scalarText(raw, 'text');
    case 'int': {
      const n = typeof raw === 'number' ? raw : /^\s*[-+]?\d+\s*$/.test(scalarText(raw, 'an integer')) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n)) throw new ValueProblem(`${show(raw)} is not an integer`);
      return checkBounds(key, n);
    }
    case 'number': {
      const n = typeof raw === 'number' ? raw : Number(scalarText(raw, 'a number').trim());
      if (!Number.isFinite(n) || (typeof raw === 'string' && raw.trim() === '')) throw new ValueProblem(`${show(raw)} is not a number`);
      return checkBounds(key, n);
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      const word = scalarText(raw, 'true or false').trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      throw new ValueProblem(`${show(raw)} is not a boolean; write true or false`);
    }
    case 'duration':
      return checkBounds(key, parseDuration(raw), formatDuration);
    case 'priority': {
      const text = scalarText(raw, 'a priority');
      const p = parsePriority(text.trim());
      if (!p) throw new ValueProblem(priorityProblem(text));
      return p;
    }
    case 'string[]':
      return toList(raw);
    case 'map':
      return toMap(raw);
    case 'enum': {
      const text = scalarText(raw, `one of ${(key.values ?? []).join(', ')}`).trim();
      const found = key.values?.find((v) => v.toLowerCase() === text.toLowerCase());
      if (found === undefined) throw new ValueProblem(`${show(raw)} is not one of ${(key.values ?? []).join(', ')}`);
      return found;
    }
    default: {
      const never: never = key.type;
      throw new ValueProblem(`unknown key type ${String(never)} (${origin})`);
    }
  }
}

/** A default as the README shows it. */
export function describeDefault(key: ConfigKey): string {
  const d = key.default;
  if (d === undefined || d === '' || (Array.isArray(d) && d.length === 0)) return '';
  if (key.type === 'duration' && typeof d === 'number') return formatDuration(d);
  if (Array.isArray(d)) return d.join(',');
  if (typeof d === 'object' && d !== null) return Object.entries(d).map(([k, v]) => `${k}:${String(v)}`).join(',');
  return String(d);
}
