// How extracted values print in outputs (libsinsp sinsp_filter_check::tostring / tojson): the text of the
// `output` line and the typed values of `output_fields` in Falco's JSON alert.

import type { OutputFieldValue } from '../../alert.js';
import type { FieldType, FieldValue } from '../source.js';

/** Printable ASCII as is, other bytes as '.', as libsinsp prints buffers. */
function bufferText(b: Uint8Array): string {
  let out = '';
  for (const byte of b) out += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.';
  return out;
}

/** A scalar value as text. */
export function scalarText(type: FieldType, v: FieldValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Uint8Array) return bufferText(v);
  if (Array.isArray(v)) return listText(type, v);
  return String(v);
}

/** List values print as `(a,b)`. */
export function listText(type: FieldType, v: FieldValue[]): string {
  return `(${v.map((x) => scalarText(type, x)).join(',')})`;
}

/** A scalar value as JSON: numbers stay numbers (as a decimal string when beyond 2^53), bools stay bools. */
function scalarJson(type: FieldType, v: FieldValue): OutputFieldValue {
  if (typeof v === 'bigint') {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  }
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  if (v instanceof Uint8Array) return bufferText(v);
  return v.map((x) => scalarJson(type, x));
}

/** A value for `output_fields`: null when missing, arrays for list fields. */
export function jsonValue(type: FieldType, v: FieldValue | undefined): OutputFieldValue {
  return v === undefined ? null : scalarJson(type, v);
}
