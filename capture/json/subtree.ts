// Crossing a container nobody indexes (an audit event's responseObject.spec, requestObject.metadata…): most
// of an event's bytes lie below the indexed levels, and all that is needed there is to check them the way
// JSON.parse would and to find where the container ends. Per token (a search for each string's closing
// quote, another for backslashes, a branch per structural character) that cost more than the rest of the
// indexing together; here the grammar's table (grammar.ts) says, for every state and every byte, the next
// state, and a loop of one load per byte follows it. The same skip of a string's plain bytes finds the end
// of the strings the indexer reads at the indexed levels (stop).
//
// The crossing runs as WebAssembly: in JavaScript a typed array load costs a map check, a reload of the
// array's base and a bounds check every time (this loop took 22 instructions a byte, more than the searches
// it replaces). Both functions are part of the scan module (scan-module.ts).

import { ACTIONS, AFTER, ARRAY_STRING, CLOSE, FAMILY, KEY_OR_CLOSE, KEY_STRING, NUMBER_AT, OBJECT_STRING, OPEN_ARRAY, OPEN_OBJECT, ROW, STRING_AT, VALUE_OR_CLOSE } from './grammar.js';
import { sleb, uleb } from './wasm-assembler.js';
import { RESULT_NUMBERS, STACK_AT, TABLE_AT } from './scan-layout.js';

/**
 * cross(p, s, maxNesting): from the text at p in state s, up to the end of the container open at level 1;
 * the position after it, or -1 (an error, or nesting past maxNesting), with the count of numbers at
 * RESULT_NUMBERS. Each open container pushes the state that follows its closing bracket (u16, at STACK_AT).
 * stop(p): the first quote, backslash or control byte at or after p (bodies as the code section holds them).
 */
export function crossingBodies(): { cross: number[]; stop: number[] } {
  const P = 0, S = 1, MAX = 2, D = 3, N = 4, A = 5, M = 6, V = 7; // prettier-ignore
  const get = (l: number): number[] => [0x20, l];
  const set = (l: number): number[] => [0x21, l];
  const tee = (l: number): number[] => [0x22, l];
  const i32 = (n: number): number[] => [0x41, ...sleb(n)];
  const [ADD, SUB, MUL, AND, SHL, SHR_U, EQ, EQZ, LT_U, GE_U, SELECT] = [0x6a, 0x6b, 0x6c, 0x71, 0x74, 0x76, 0x46, 0x45, 0x49, 0x4f, 0x1b];
  const BLOCK = [0x02, 0x40];
  const LOOP = [0x03, 0x40];
  const IF = [0x04, 0x40];
  const END = 0x0b;
  const br = (l: number): number[] => [0x0c, l];
  const brIf = (l: number): number[] => [0x0d, l];
  const load8 = [0x2d, 0x00, 0x00];
  const load16 = (offset: number): number[] => [0x2f, 0x01, ...uleb(offset)];
  const store16 = (offset: number): number[] => [0x3b, 0x01, ...uleb(offset)];
  const store32 = [0x36, 0x02, 0x00];
  const load32 = [0x28, 0x02, 0x00];
  const CTZ = 0x68;
  const simd = (op: number): number[] => [0xfd, ...uleb(op)];
  const splat = (byte: number): number[] => [...simd(0x0c), ...Array<number>(16).fill(byte)]; // v128.const
  const [V128_LOAD, I8X16_EQ, I8X16_LT_U, V128_OR, I8X16_BITMASK] = [0x00, 0x23, 0x26, 0x50, 0x64];
  /**
   * Advances local p to the first quote, backslash or control byte at or after it, sixteen bytes at a time
   * (one SIMD compare per kind of byte, a bitmask of the matches), using locals v (v128) and m (i32).
   */
  const skipPlain = (P: number, V: number, M: number): number[] => [
    ...LOOP,
    ...get(P), ...simd(V128_LOAD), 0x00, 0x00, ...tee(V),
    ...splat(0x22), ...simd(I8X16_EQ),
    ...get(V), ...splat(0x5c), ...simd(I8X16_EQ), ...simd(V128_OR),
    ...get(V), ...splat(0x20), ...simd(I8X16_LT_U), ...simd(V128_OR),
    ...simd(I8X16_BITMASK), ...tee(M), EQZ,
    ...IF,
    ...get(P), ...i32(16), ADD, ...set(P),
    ...br(1),
    END,
    END,
    ...get(P), ...get(M), CTZ, ADD, ...set(P),
  ];
  const body = [
    0x02, 0x04, 0x7f, 0x01, 0x7b, // locals d, n, a, m (i32); v (v128)
    ...i32(1), ...set(D),
    ...BLOCK, // fail
    ...BLOCK, // done
    ...LOOP, // next action
    ...LOOP, // scan: s = table[s + text[p++]] while s is a state
    ...get(S), ...get(P), ...load8, ADD, ...i32(1), SHL, ...load16(TABLE_AT), ...tee(S),
    ...get(P), ...i32(1), ADD, ...set(P),
    ...i32(ACTIONS * ROW), LT_U, ...brIf(0),
    END,
    ...get(S), ...i32(8), SHR_U, ...set(A),
    // A string opens: find its first quote, backslash or control byte, and go on from there in its state.
    // Compact JSON mostly has strings in a row: a key, `":"`, its value, `","`, the next key. Those three
    // bytes are taken at once and the next string skipped at once, where the table would take them one by
    // one and leave its loop again for the next string (the branch that costs most, mispredicted often).
    ...get(A), ...i32(STRING_AT), GE_U,
    ...IF,
    ...get(A), ...i32(STRING_AT), SUB, ...i32(8), SHL, ...set(S),
    ...LOOP, // strings in a row
    ...skipPlain(P, V, M),
    ...get(P), ...load32, ...i32(0xffffff), AND,
    ...i32(0x223a22 /* ":" */), ...i32(0x222c22 /* "," */), ...get(S), ...i32(KEY_STRING * ROW), EQ, SELECT,
    EQ,
    ...IF,
    ...get(P), ...i32(3), ADD, ...set(P),
    ...i32(OBJECT_STRING * ROW),
    ...i32(KEY_STRING * ROW), ...i32(ARRAY_STRING * ROW), ...get(S), ...i32(OBJECT_STRING * ROW), EQ, SELECT,
    ...get(S), ...i32(KEY_STRING * ROW), EQ, SELECT,
    ...set(S),
    ...br(1),
    END,
    END,
    ...br(1),
    END,
    // A number starts: count it, go on in its state.
    ...get(A), ...i32(NUMBER_AT), GE_U,
    ...IF,
    ...get(N), ...i32(1), ADD, ...set(N),
    ...get(A), ...i32(NUMBER_AT), SUB, ...i32(8), SHL, ...set(S),
    ...br(1),
    END,
    // A closing bracket: done at level 0, else on in the state the stack says.
    ...get(A), ...i32(CLOSE), EQ,
    ...IF,
    ...get(D), ...i32(1), SUB, ...tee(D), EQZ, ...brIf(2),
    ...get(D), ...i32(1), SHL, ...load16(STACK_AT), ...set(S),
    ...br(1),
    END,
    ...get(A), ...i32(OPEN_OBJECT), LT_U, ...brIf(2), // an error
    ...get(D), ...get(MAX), EQ, ...brIf(2), // nested too deep
    // An opening bracket: push the state after its container, in the family it was read in.
    ...get(D), ...i32(1), SHL,
    ...get(A), ...i32(OPEN_OBJECT), SUB, ...i32(1), AND, ...i32(FAMILY), MUL, ...i32(AFTER), ADD, ...i32(8), SHL,
    ...store16(STACK_AT),
    ...get(D), ...i32(1), ADD, ...set(D),
    ...i32(KEY_OR_CLOSE * ROW), ...i32(VALUE_OR_CLOSE * ROW), ...get(A), ...i32(OPEN_ARRAY), LT_U, SELECT, ...set(S),
    ...br(0),
    END, // next
    END, // done
    ...i32(RESULT_NUMBERS), ...get(N), ...store32,
    ...get(P), 0x0f, // return p
    END, // fail
    ...i32(-1),
    END,
  ];
  // stop(p): the first quote, backslash or control byte at or after p.
  const stopBody = [0x02, 0x01, 0x7f, 0x01, 0x7b, ...skipPlain(0, 2, 1), ...get(0), END]; // locals m (i32), v (v128)
  return { cross: body, stop: stopBody };
}
