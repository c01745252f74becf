// Crossing a container nobody indexes (an audit event's responseObject.spec, requestObject.metadata…): most
// of an event's bytes lie below the indexed levels, and all that is needed there is to check them the way
// JSON.parse would and to find where the container ends. Per token (a search for each string's closing
// quote, another for backslashes, a branch per structural character) that cost more than the rest of the
// indexing together; here one table says, for every state of the JSON grammar and every byte, the next
// state, and a loop of one load per byte follows it. Only strings (whose plain bytes are skipped eight at a
// time), brackets and numbers (a stack, a count) leave that loop. The same skip finds the end of the strings
// the indexer reads at the indexed levels (stringStop), where a String.indexOf call per string cost more.
//
// The grammar is JSON's, restricted as the indexer restricts it (see indexer.ts): spaces are the only
// whitespace, and no byte below 0x20 is accepted anywhere, which is also what stops the loop at the end of
// the text (its code units end with a control character). Bytes of 0x80 and above only occur inside
// strings, where any is fine (a text that is not ASCII is scanned as code units clamped to 0x80).

/** Rows of the table: states of the grammar, each ×256 so that `state + byte` is the entry. */
const ROW = 256;

// A state exists twice, once inside an object and once inside an array, where a value may end with `}`
// or with `]` (and `,` leads to a key or to a value): the container kind then needs no look at the stack.
const IN_OBJECT = 0;
const IN_ARRAY = 1;

/** States of one family (after a value inside an object, inside an array). */
const VALUE = 0; // a value is expected (after `:` or after `,` in an array)
const STRING = 1;
const ESCAPE = 2; // after a backslash
const HEX1 = 3; // \u and so many hex digits read
const HEX2 = 4;
const HEX3 = 5;
const HEX4 = 6;
const MINUS = 7; // a number's sign
const ZERO = 8; // a leading 0: no more integer digits
const INTEGER = 9;
const POINT = 10; // a digit must follow
const FRACTION = 11;
const EXP = 12; // after e/E: sign or digit
const EXP_SIGN = 13;
const EXP_DIGITS = 14;
const T1 = 15; // t, tr, tru
const T2 = 16;
const T3 = 17;
const F1 = 18; // f, fa, fal, fals
const F2 = 19;
const F3 = 20;
const F4 = 21;
const N1 = 22; // n, nu, nul
const N2 = 23;
const N3 = 24;
const AFTER = 25; // after a value: `,` or the closing bracket
const FAMILY = 26;

/** States of objects' keys, and the first of an array. */
const KEY_OR_CLOSE = 2 * FAMILY; // after `{`
const KEY = KEY_OR_CLOSE + 1; // after `,` in an object
const KEY_STRING = KEY + 1;
const KEY_ESCAPE = KEY_STRING + 1;
const KEY_HEX1 = KEY_ESCAPE + 1;
const KEY_HEX2 = KEY_HEX1 + 1;
const KEY_HEX3 = KEY_HEX2 + 1;
const KEY_HEX4 = KEY_HEX3 + 1;
const COLON = KEY_HEX4 + 1;
const VALUE_OR_CLOSE = COLON + 1; // after `[`
const STATES = VALUE_OR_CLOSE + 1;

/**
 * Actions, past the states: the loop stops on them. A number's first character counts it and goes on in
 * its state (NUMBER_AT + the state); a string's opening quote skips the string's plain bytes, eight at a
 * time, and goes on in the string state (STRING_AT + the state) at the first quote, backslash or control
 * byte; an opening bracket pushes the family it was read in; a closing one
 * pops; anything else is an error.
 */
const ERROR = STATES;
const OPEN_OBJECT = ERROR + 1; // + family it was read in
const OPEN_ARRAY = OPEN_OBJECT + 2; // + family
const CLOSE = OPEN_ARRAY + 2;
const NUMBER_AT = CLOSE + 1; // + the state the number goes on in (a state of any family)
const STRING_AT = NUMBER_AT + STATES; // + the string state: its plain bytes are skipped 8 at a time
const ACTIONS = ERROR;

const state = (family: number, s: number): number => family * FAMILY + s;

function buildTable(): Uint16Array {
  const t = new Uint16Array(STATES * ROW).fill(ERROR * ROW);
  const set = (from: number, bytes: string | number[], to: number): void => {
    for (const b of typeof bytes === 'string' ? [...bytes].map((c) => c.charCodeAt(0)) : bytes) t[from * ROW + b] = to * ROW;
  };
  const range = (lo: number, hi: number): number[] => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  const DIGITS = '0123456789';
  const HEX = '0123456789abcdefABCDEF';
  /** Inside a string: every byte but controls, quote and backslash stays. */
  const stringBody = (s: number): void => {
    set(s, range(0x20, 0xff), s);
  };
  /** The escapes JSON has, from the state after the backslash back to the string. */
  const escapes = (escape: number, hex1: number, hex2: number, hex3: number, hex4: number, string: number): void => {
    set(escape, '"\\/bfnrt', string);
    set(escape, 'u', hex1);
    set(hex1, HEX, hex2);
    set(hex2, HEX, hex3);
    set(hex3, HEX, hex4);
    set(hex4, HEX, string);
  };
  /** A value starts: what VALUE and VALUE_OR_CLOSE share. */
  const valueStart = (from: number, f: number): void => {
    set(from, ' ', from);
    set(from, '"', STRING_AT + state(f, STRING));
    set(from, '-', NUMBER_AT + state(f, MINUS));
    set(from, '0', NUMBER_AT + state(f, ZERO));
    set(from, '123456789', NUMBER_AT + state(f, INTEGER));
    set(from, 't', state(f, T1));
    set(from, 'f', state(f, F1));
    set(from, 'n', state(f, N1));
    set(from, '{', OPEN_OBJECT + f);
    set(from, '[', OPEN_ARRAY + f);
  };
  /** What may follow a value: blanks, `,`, the container's closing bracket (also ends a number). */
  const valueEnd = (from: number, f: number): void => {
    set(from, ' ', state(f, AFTER));
    set(from, ',', f === IN_OBJECT ? KEY : state(f, VALUE));
    set(from, f === IN_OBJECT ? '}' : ']', CLOSE);
  };
  for (const f of [IN_OBJECT, IN_ARRAY]) {
    const s = (x: number): number => state(f, x);
    valueStart(s(VALUE), f);
    stringBody(s(STRING));
    set(s(STRING), '"', s(AFTER));
    set(s(STRING), '\\', s(ESCAPE));
    escapes(s(ESCAPE), s(HEX1), s(HEX2), s(HEX3), s(HEX4), s(STRING));
    set(s(MINUS), '0', s(ZERO));
    set(s(MINUS), '123456789', s(INTEGER));
    for (const whole of [s(ZERO), s(INTEGER)]) {
      set(whole, '.', s(POINT));
      set(whole, 'eE', s(EXP));
      valueEnd(whole, f);
    }
    set(s(INTEGER), DIGITS, s(INTEGER));
    set(s(POINT), DIGITS, s(FRACTION));
    set(s(FRACTION), DIGITS, s(FRACTION));
    set(s(FRACTION), 'eE', s(EXP));
    valueEnd(s(FRACTION), f);
    set(s(EXP), '+-', s(EXP_SIGN));
    set(s(EXP), DIGITS, s(EXP_DIGITS));
    set(s(EXP_SIGN), DIGITS, s(EXP_DIGITS));
    set(s(EXP_DIGITS), DIGITS, s(EXP_DIGITS));
    valueEnd(s(EXP_DIGITS), f);
    set(s(T1), 'r', s(T2));
    set(s(T2), 'u', s(T3));
    set(s(T3), 'e', s(AFTER));
    set(s(F1), 'a', s(F2));
    set(s(F2), 'l', s(F3));
    set(s(F3), 's', s(F4));
    set(s(F4), 'e', s(AFTER));
    set(s(N1), 'u', s(N2));
    set(s(N2), 'l', s(N3));
    set(s(N3), 'l', s(AFTER));
    valueEnd(s(AFTER), f);
  }
  set(KEY_OR_CLOSE, ' ', KEY_OR_CLOSE);
  set(KEY_OR_CLOSE, '"', STRING_AT + KEY_STRING);
  set(KEY_OR_CLOSE, '}', CLOSE);
  set(KEY, ' ', KEY);
  set(KEY, '"', STRING_AT + KEY_STRING);
  stringBody(KEY_STRING);
  set(KEY_STRING, '"', COLON);
  set(KEY_STRING, '\\', KEY_ESCAPE);
  escapes(KEY_ESCAPE, KEY_HEX1, KEY_HEX2, KEY_HEX3, KEY_HEX4, KEY_STRING);
  set(COLON, ' ', COLON);
  set(COLON, ':', state(IN_OBJECT, VALUE));
  valueStart(VALUE_OR_CLOSE, IN_ARRAY);
  set(VALUE_OR_CLOSE, ']', CLOSE);
  return t;
}

const TABLE = buildTable();

// The crossing runs as WebAssembly: in JavaScript a typed array load costs a map check, a reload of the
// array's base and a bounds check every time (this loop took 22 instructions a byte, more than the searches
// it replaces), and a call into WebAssembly per bracket cost about as much again. The module is small
// enough to be written out here, instruction by instruction (see moduleBytes).

/** The module's memory: the crossing's count of numbers, the table, the stack of open containers, the text. */
const RESULT_NUMBERS = 4;
const TABLE_AT = 16;
const STACK_AT = TABLE_AT + TABLE.byteLength;
const MAX_DEPTH = 1024;
const TEXT_AT = STACK_AT + 2 * MAX_DEPTH;
const PAGE = 65536;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    const b = n & 0x7f;
    n >>>= 7;
    out.push(n === 0 ? b : b | 0x80);
  } while (n !== 0);
  return out;
}

function slebBig(n: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && (b & 0x40) === 0) || (n === -1n && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

/**
 * cross(p, s, maxNesting): from the text at p in state s, up to the end of the container open at level 1;
 * the position after it, or -1 (an error, or nesting past maxNesting), with the count of numbers at
 * RESULT_NUMBERS. Each open container pushes the state that follows its closing bracket (u16, at STACK_AT).
 */
function moduleBytes(): Uint8Array {
  const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
  const P = 0, S = 1, MAX = 2, D = 3, N = 4, A = 5, X = 6, T = 7, M = 8; // prettier-ignore
  const get = (l: number): number[] => [0x20, l];
  const set = (l: number): number[] => [0x21, l];
  const tee = (l: number): number[] => [0x22, l];
  const i32 = (n: number): number[] => [0x41, ...sleb(n)];
  const i64 = (n: bigint): number[] => [0x42, ...slebBig(n)];
  const [XOR64, SUB64, AND64, OR64, CTZ64, EQZ64, WRAP] = [0x85, 0x7d, 0x83, 0x84, 0x7a, 0x50, 0xa7];
  const ONES = 0x0101010101010101n;
  const HIGHS = -0x7f7f7f7f7f7f7f80n; // 0x8080808080808080 as a signed 64-bit number
  const load64 = [0x29, 0x00, 0x00];
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
  /** Advances local p while the eight bytes at p hold no quote, backslash or control byte; m marks those it found. */
  const skipPlain = (P: number, X: number, T: number, M: number): number[] => [
    ...LOOP,
    ...get(P), ...load64, ...set(X),
    ...get(X), ...i64(0x2222222222222222n), XOR64, ...tee(T), ...i64(ONES), SUB64, ...get(T), ...i64(-1n), XOR64, AND64,
    ...get(X), ...i64(0x5c5c5c5c5c5c5c5cn), XOR64, ...tee(T), ...i64(ONES), SUB64, ...get(T), ...i64(-1n), XOR64, AND64, OR64,
    ...get(X), ...i64(0x2020202020202020n), SUB64, ...get(X), ...i64(-1n), XOR64, AND64, OR64,
    ...i64(HIGHS), AND64, ...tee(M), EQZ64,
    ...IF,
    ...get(P), ...i32(8), ADD, ...set(P),
    ...br(1),
    END,
    END,
  ];
  const body = [
    0x02, 0x03, 0x7f, 0x03, 0x7e, // locals d, n, a (i32); x, t, m (i64)
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
    // A string opens: find its first quote, backslash or control byte eight bytes at a time (a byte of
    // m is set where x has one; the lowest set byte is exact), and go on from there in its state.
    ...get(A), ...i32(STRING_AT), GE_U,
    ...IF,
    ...skipPlain(P, X, T, M),
    ...get(P), ...get(M), CTZ64, WRAP, ...i32(3), SHR_U, ADD, ...set(P),
    ...get(A), ...i32(STRING_AT), SUB, ...i32(8), SHL, ...set(S),
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
  const stopBody = [0x01, 0x03, 0x7e, ...skipPlain(0, 1, 2, 3), ...get(0), ...get(3), CTZ64, WRAP, ...i32(3), SHR_U, ADD, END];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x02, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f]), // (i32, i32, i32) -> i32, (i32) -> i32
    ...section(3, [0x02, 0x00, 0x01]),
    ...section(5, [0x01, 0x00, ...uleb(Math.ceil(TEXT_AT / PAGE) + 1)]),
    ...section(7, [0x03, ...name('memory'), 0x02, 0x00, ...name('cross'), 0x00, 0x00, ...name('stop'), 0x00, 0x01]),
    ...section(10, [0x02, ...uleb(body.length), ...body, ...uleb(stopBody.length), ...stopBody]),
  ]);
}

/** The little of the WebAssembly API used here (the compiler's libraries leave it out). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
const instance = new wasm.Instance(new wasm.Module(moduleBytes()));
const memory = instance.exports['memory'] as WasmMemory;
const cross = instance.exports['cross'] as (p: number, s: number, maxNesting: number) => number;
const stop = instance.exports['stop'] as (p: number) => number;
let bytes = new Uint8Array(memory.buffer);
let words = new Int32Array(memory.buffer);
bytes.set(new Uint8Array(TABLE.buffer), TABLE_AT);

/** Whose text the module's memory holds (see loadText). */
let loadedFor: object | undefined;

/**
 * Puts `text` (code units as bytes, ending with a control byte) in the module's memory for crossings,
 * unless the text of `owner` is already there.
 */
export function loadText(owner: object, text: Uint8Array): void {
  if (loadedFor === owner) return;
  const needed = TEXT_AT + text.length + 8; // a string's last bytes are read eight at a time
  if (needed > memory.buffer.byteLength) {
    memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE));
    bytes = new Uint8Array(memory.buffer);
    words = new Int32Array(memory.buffer);
  }
  bytes.set(text, TEXT_AT);
  loadedFor = owner;
}

/** Numbers in the container last crossed (the size bound counts them). */
export let crossedNumbers = 0;

/**
 * Crosses the container whose opening bracket (`opening`) is at `at` in the text loaded last (loadText):
 * the index just past its closing bracket, or -1 when what follows is not valid JSON (as restricted above)
 * or nests more than `maxNesting` deep (counting the container itself). Sets crossedNumbers.
 */
export function crossContainer(opening: number, at: number, maxNesting: number): number {
  const end = cross(TEXT_AT + at + 1, opening === 123 /* { */ ? KEY_OR_CLOSE * ROW : VALUE_OR_CLOSE * ROW, Math.min(maxNesting, MAX_DEPTH));
  if (end < 0) return -1;
  crossedNumbers = words[RESULT_NUMBERS >> 2]!;
  return end - TEXT_AT;
}

/**
 * In the text loaded last, the first quote, backslash or control character at or after `at`: where a
 * string that starts before `at` ends, unless it has an escape (or is not valid).
 */
export function stringStop(at: number): number {
  return stop(TEXT_AT + at) - TEXT_AT;
}
