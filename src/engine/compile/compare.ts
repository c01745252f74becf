// Value comparisons by kind and operator, with Falco's semantics (filter_compare.cpp): strings byte-wise,
// numbers by value, IPs by address, networks by containment, buffers by bytes. Two forms: tests against a
// literal prepared once at compile time (the fast path), and comparisons of two extracted values.

import type { BinaryOperator } from '../ast.js';
import type { FieldType, FieldValue } from '../source.js';
import { compileGlob } from './glob.js';
import { addressKey, networkContains, parseIpAddress, parseIpNetwork, type IpAddress, type IpNetwork } from './ip.js';
import { normalizeInteger, parseHexBytes, parseLiteral, type Literal } from './literals.js';
import { PathPrefixSet } from './path_prefix.js';
import { compileRegex } from './regex.js';
import { kindOf, type ValueKind } from './types.js';

export type ValueTest = (x: FieldValue) => boolean;

const asNumber = (x: FieldValue): number | bigint | undefined =>
  typeof x === 'number' ? x : typeof x === 'bigint' ? normalizeInteger(x) : undefined;

function bytesIndexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(needle, from);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const asciiLower = (s: string): string => s.toLowerCase();

/** Tests a string value against a string literal. */
function stringTest(op: BinaryOperator, lit: string): ValueTest {
  switch (op) {
    case '=':
    case '==':
      return (x) => x === lit;
    case '!=':
      return (x) => x !== lit;
    case '<':
      return (x) => (x as string) < lit;
    case '<=':
      return (x) => (x as string) <= lit;
    case '>':
      return (x) => (x as string) > lit;
    case '>=':
      return (x) => (x as string) >= lit;
    case 'contains':
      return (x) => (x as string).includes(lit);
    case 'icontains': {
      const lower = asciiLower(lit);
      return (x) => asciiLower(x as string).includes(lower);
    }
    case 'startswith':
      return (x) => (x as string).startsWith(lit);
    case 'endswith':
      return (x) => (x as string).endsWith(lit);
    case 'glob':
    case 'iglob': {
      const match = compileGlob(lit, op === 'iglob');
      return (x) => match(x as string);
    }
    case 'regex': {
      const re = compileRegex(lit);
      return (x) => re.matches(x as string);
    }
    case 'pmatch': {
      const set = new PathPrefixSet([lit]);
      return (x) => set.match(x as string);
    }
    default:
      return (x) => x === lit;
  }
}

function numberTest(op: BinaryOperator, lit: number | bigint): ValueTest {
  switch (op) {
    case '!=':
      return (x) => asNumber(x) !== lit;
    case '<':
      return (x) => (x as number) < lit;
    case '<=':
      return (x) => (x as number) <= lit;
    case '>':
      return (x) => (x as number) > lit;
    case '>=':
      return (x) => (x as number) >= lit;
    default:
      return (x) => x === lit || asNumber(x) === lit;
  }
}

function bufferTest(op: BinaryOperator, lit: Uint8Array): ValueTest {
  const buf = (x: FieldValue): Uint8Array => x as Uint8Array;
  switch (op) {
    case '!=':
      return (x) => !bytesEqual(buf(x), lit);
    case 'contains':
    case 'bcontains':
      return (x) => bytesIndexOf(buf(x), lit) >= 0;
    case 'startswith':
    case 'bstartswith':
      return (x) => buf(x).length >= lit.length && bytesEqual(buf(x).subarray(0, lit.length), lit);
    case 'endswith':
      return (x) => buf(x).length >= lit.length && bytesEqual(buf(x).subarray(buf(x).length - lit.length), lit);
    default:
      return (x) => bytesEqual(buf(x), lit);
  }
}

/** `evt.rawarg.*`: numbers compare numerically with numeric literals, anything else as text. */
function dynamicTest(op: BinaryOperator, lit: string): ValueTest {
  const text = stringTest(op, lit);
  const n = /^[+-]?[0-9]+$/.test(lit) ? normalizeInteger(BigInt(lit)) : undefined;
  const num = n === undefined ? undefined : numberTest(op, n);
  return (x) => (num && (typeof x === 'number' || typeof x === 'bigint') ? num(x) : text(String(x)));
}

/** The literal parsed for the operator (b-operators take hex). */
function literalFor(type: FieldType, op: BinaryOperator, text: string): Literal {
  if ((op === 'bcontains' || op === 'bstartswith') && kindOf(type) === 'bytebuf') return parseHexBytes(text);
  return parseLiteral(type, text);
}

/** A test of one scalar value against one literal, for any operator but the list operators. */
export function literalTest(type: FieldType, op: BinaryOperator, text: string): ValueTest {
  const kind = kindOf(type);
  const lit = literalFor(type, op, text);
  switch (kind) {
    case 'string':
      return stringTest(op, lit as string);
    case 'number':
      return numberTest(op, lit as number | bigint);
    case 'bool':
      return op === '!=' ? (x) => x !== lit : (x) => x === lit;
    case 'ipaddr': {
      const key = addressKey(lit as IpAddress);
      const eq = (x: FieldValue): boolean => {
        const a = typeof x === 'string' ? parseIpAddress(x) : undefined;
        return a !== undefined && addressKey(a) === key;
      };
      return op === '!=' ? (x) => !eq(x) : eq;
    }
    case 'ipnet': {
      const inNet = networkTest([lit as IpNetwork]);
      return op === '!=' ? (x) => !inNet(x) : inNet;
    }
    case 'bytebuf':
      return bufferTest(op, lit as Uint8Array);
    case 'dynamic':
      return dynamicTest(op, lit as string);
  }
}

/** An extracted value inside one of the networks (an extracted network: equal to one). */
function networkTest(nets: IpNetwork[]): ValueTest {
  return (x) => {
    if (typeof x !== 'string') return false;
    const a = parseIpAddress(x);
    if (a) return nets.some((n) => networkContains(n, a));
    const n2 = parseIpNetwork(x);
    return n2 !== undefined && nets.some((n) => n.v6 === n2.v6 && n.bits === n2.bits && n.base === n2.base);
  };
}

/** Membership of a scalar value in a literal set (`in`, `intersects`), or `pmatch` over path prefixes. */
export function membershipTest(type: FieldType, op: BinaryOperator, texts: readonly string[]): ValueTest {
  const kind = kindOf(type);
  if (op === 'pmatch') {
    const set = new PathPrefixSet(texts);
    return (x) => set.match(x as string);
  }
  const lits = texts.map((t) => parseLiteral(type, t));
  switch (kind) {
    case 'string': {
      const set = new Set(lits as string[]);
      return (x) => set.has(x as string);
    }
    case 'number': {
      const set = new Set(lits as Array<number | bigint>);
      return (x) => set.has(x as number) || (typeof x === 'bigint' && set.has(normalizeInteger(x)));
    }
    case 'bool': {
      const set = new Set(lits as boolean[]);
      return (x) => set.has(x as boolean);
    }
    case 'ipaddr': {
      const set = new Set((lits as IpAddress[]).map(addressKey));
      return (x) => {
        const a = typeof x === 'string' ? parseIpAddress(x) : undefined;
        return a !== undefined && set.has(addressKey(a));
      };
    }
    case 'ipnet':
      return networkTest(lits as IpNetwork[]);
    case 'bytebuf':
      return (x) => (lits as Uint8Array[]).some((l) => bytesEqual(x as Uint8Array, l));
    case 'dynamic': {
      const set = new Set(lits as string[]);
      return (x) => set.has(String(x));
    }
  }
}

/** Equality of two extracted values of the same kind. */
export function valuesEqual(kind: ValueKind): (x: FieldValue, y: FieldValue) => boolean {
  switch (kind) {
    case 'number':
      return (x, y) => x === y || asNumber(x) === asNumber(y);
    case 'ipaddr':
    case 'ipnet':
      return (x, y) => {
        const a = typeof x === 'string' ? parseIpAddress(x) : undefined;
        const b = typeof y === 'string' ? parseIpAddress(y) : undefined;
        return a !== undefined && b !== undefined ? addressKey(a) === addressKey(b) : x === y;
      };
    case 'bytebuf':
      return (x, y) => bytesEqual(x as Uint8Array, y as Uint8Array);
    default:
      return (x, y) => x === y;
  }
}

/** A comparison of two extracted values (field-to-field checks), for the scalar operators. */
export function valuesCompare(type: FieldType, op: BinaryOperator): (x: FieldValue, y: FieldValue) => boolean {
  const kind = kindOf(type);
  const eq = valuesEqual(kind);
  const order = (x: FieldValue, y: FieldValue): number => {
    const a = kind === 'number' ? asNumber(x) : x;
    const b = kind === 'number' ? asNumber(y) : y;
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  };
  const text = (x: FieldValue): string => (typeof x === 'string' ? x : String(x));
  let lastPattern: string | undefined;
  let lastGlob: ((v: string) => boolean) | undefined;
  switch (op) {
    case '=':
    case '==':
      return eq;
    case '!=':
      return (x, y) => !eq(x, y);
    case '<':
      return (x, y) => order(x, y) < 0;
    case '<=':
      return (x, y) => order(x, y) <= 0;
    case '>':
      return (x, y) => order(x, y) > 0;
    case '>=':
      return (x, y) => order(x, y) >= 0;
    case 'contains':
    case 'bcontains':
      return kind === 'bytebuf'
        ? (x, y) => bytesIndexOf(x as Uint8Array, y as Uint8Array) >= 0
        : (x, y) => text(x).includes(text(y));
    case 'icontains':
      return (x, y) => asciiLower(text(x)).includes(asciiLower(text(y)));
    case 'startswith':
    case 'bstartswith':
      return kind === 'bytebuf'
        ? (x, y) => bytesIndexOf(x as Uint8Array, y as Uint8Array) === 0
        : (x, y) => text(x).startsWith(text(y));
    case 'endswith':
      return (x, y) => text(x).endsWith(text(y));
    case 'glob':
    case 'iglob':
      // Patterns come from the event: compile once per distinct pattern in a row.
      return (x, y) => {
        const p = text(y);
        if (p !== lastPattern || !lastGlob) {
          lastPattern = p;
          lastGlob = compileGlob(p, op === 'iglob');
        }
        return lastGlob(text(x));
      };
    default:
      return eq;
  }
}
