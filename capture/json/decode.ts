// Bytes to text for JSON events. Audit events are nearly always pure ASCII; checking that (SIMD in Node)
// and copying the bytes as one-byte text costs a third of a UTF-8 decode, and gives the same string.

import { isAscii } from 'node:buffer';

export function decodeUtf8(bytes: Buffer, start = 0, end = bytes.length): string {
  const part = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
  return isAscii(part) ? part.toString('latin1') : part.toString('utf8');
}
