// Right-hand side literals parsed into the left-hand side's type at compile time, as libsinsp's
// string_to_rawval does: `proc.pid = 0x10` is an error (`0x10 is not a valid number`), `fd.sport = ssh` is 22,
// `fd.snet = 10.0.0.0/8` a network. Also the normal form of extracted values that compare with them.

import { ConditionCompileError } from '../errors.js';
import type { FieldType, FieldValue } from '../source.js';
import { parseIpAddress, parseIpNetwork, parseIpv4, parseIpv6, type IpAddress, type IpNetwork } from './ip.js';

export type Literal = string | number | bigint | boolean | IpAddress | IpNetwork | Uint8Array;

const U64 = 1n << 64n;

/** Integers as numbers when exact, else bigint, so that equal values are `===` and share Set entries. */
export function normalizeInteger(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** An extracted numeric value in the same normal form as literals. */
export function normalizeNumber(x: FieldValue): number | bigint | undefined {
  if (typeof x === 'number') return x;
  if (typeof x === 'bigint') return normalizeInteger(x);
  return undefined;
}

// sscanf("%" PRId64 "%c") accepts leading blanks and a sign, and nothing after the digits.
const INTEGER = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/;

function parseInteger(text: string, unsigned: boolean): number | bigint {
  const m = INTEGER.exec(text);
  if (!m) throw new ConditionCompileError(`${text} is not a valid number`);
  let v = BigInt(m[2]);
  if (m[1] === '-') v = -v;
  if (unsigned) v = ((v % U64) + U64) % U64; // as %lu does with "-1"
  return normalizeInteger(v);
}

/** Ports by service name, for `fd.sport = ssh` (getservbyname); the ones rules use. */
const SERVICES: Record<string, number> = {
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  domain: 53,
  http: 80,
  pop3: 110,
  ntp: 123,
  imap: 143,
  snmp: 161,
  ldap: 389,
  https: 443,
  smtps: 465,
  submission: 587,
  ldaps: 636,
  imaps: 993,
  pop3s: 995,
  mysql: 3306,
  postgresql: 5432,
};

function parsePort(text: string): number {
  if (text === '') return 0;
  if (/^[0-9]+$/.test(text)) return Number(text) & 0xffff;
  const port = SERVICES[text];
  if (port === undefined) throw new ConditionCompileError(`unrecognized protocol ${text}`);
  return port;
}

function parseAddress(text: string): IpAddress {
  if (text.includes('.') && !text.includes(':')) {
    const v4 = parseIpv4(text);
    if (v4 === undefined) throw new ConditionCompileError(`unrecognized IPv4 address ${text}`);
    return { v6: false, value: v4 };
  }
  const v6 = parseIpv6(text);
  if (v6 === undefined) throw new ConditionCompileError(`unrecognized IPv6 address ${text}`);
  return { v6: true, value: v6 };
}

function parseNetwork(text: string): IpNetwork {
  const net = parseIpNetwork(text);
  if (!net) throw new ConditionCompileError(`unrecognized IP network ${text}`);
  return net;
}

/** `bcontains`/`bstartswith` take hex strings: `bcontains 48545450`. */
export function parseHexBytes(text: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    throw new ConditionCompileError('bcontains and bstartswith operator support hex strings only');
  }
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

const encoder = new TextEncoder();

/** The literal `text` as a value of `type`; throws Falco's message when it is not one. */
export function parseLiteral(type: FieldType, text: string): Literal {
  switch (type) {
    case 'string':
    case 'fspath':
    case 'dynamic':
      if (text.includes('\0')) throw new ConditionCompileError(`filter error: string value contains a NUL byte`);
      return text;
    case 'int64':
      return parseInteger(text, false);
    case 'uint64':
    case 'abstime':
    case 'reltime':
    case 'l4proto':
      return parseInteger(text, true);
    case 'port':
      return parsePort(text);
    case 'double': {
      const v = Number(text.trim());
      if (text.trim() === '' || Number.isNaN(v)) throw new ConditionCompileError(`${text} is not a valid number`);
      return v;
    }
    case 'bool':
      if (text === 'true') return true;
      if (text === 'false') return false;
      throw new ConditionCompileError(`filter error: unrecognized boolean value ${text}`);
    case 'ipaddr':
      return parseAddress(text);
    case 'ipnet':
      return parseNetwork(text);
    case 'bytebuf':
      return encoder.encode(text);
  }
}

/** An extracted IP address (text, as extractors return it), or undefined when it is not one. */
export function extractedAddress(x: FieldValue): IpAddress | undefined {
  return typeof x === 'string' ? parseIpAddress(x) : undefined;
}
