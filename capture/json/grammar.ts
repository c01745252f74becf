// The grammar of JSON as a table for crossing a container nobody indexes (subtree.ts): for every state of
// the grammar and every byte, the next state, so that the crossing is a loop of one load per byte. Only
// strings (whose plain bytes are skipped sixteen at a time), brackets and numbers (a stack, a count) leave
// that loop: those are actions, entries past the states.
//
// The grammar is JSON's, restricted as the indexer restricts it (see indexer.ts): spaces are the only
// whitespace, and no byte below 0x20 is accepted anywhere, which is also what stops the loop at the end of
// the text (its code units end with a control character). Bytes of 0x80 and above only occur inside
// strings, where any is fine (a text that is not ASCII is scanned as code units clamped to 0x80).

/** Rows of the table: states of the grammar, each ×256 so that `state + byte` is the entry. */
export const ROW = 256;

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
export const AFTER = 25; // after a value: `,` or the closing bracket
export const FAMILY = 26;

/** States of objects' keys, and the first of an array. */
export const KEY_OR_CLOSE = 2 * FAMILY; // after `{`
const KEY = KEY_OR_CLOSE + 1; // after `,` in an object
export const KEY_STRING = KEY + 1;
const KEY_ESCAPE = KEY_STRING + 1;
const KEY_HEX1 = KEY_ESCAPE + 1;
const KEY_HEX2 = KEY_HEX1 + 1;
const KEY_HEX3 = KEY_HEX2 + 1;
const KEY_HEX4 = KEY_HEX3 + 1;
const COLON = KEY_HEX4 + 1;
export const VALUE_OR_CLOSE = COLON + 1; // after `[`
export const STATES = VALUE_OR_CLOSE + 1;

/**
 * Actions, past the states: the loop stops on them. A number's first character counts it and goes on in
 * its state (NUMBER_AT + the state); a string's opening quote skips the string's plain bytes, sixteen at a
 * time, and goes on in the string state (STRING_AT + the state) at the first quote, backslash or control
 * byte; an opening bracket pushes the family it was read in; a closing one
 * pops; anything else is an error.
 */
const ERROR = STATES;
export const OPEN_OBJECT = ERROR + 1; // + family it was read in
export const OPEN_ARRAY = OPEN_OBJECT + 2; // + family
export const CLOSE = OPEN_ARRAY + 2;
export const NUMBER_AT = CLOSE + 1; // + the state the number goes on in (a state of any family)
export const STRING_AT = NUMBER_AT + STATES; // + the string state: its plain bytes are skipped 16 at a time
export const ACTIONS = ERROR;

const state = (family: number, s: number): number => family * FAMILY + s;

/** The string states of a member's value and of an element (KEY_STRING: of a key). */
export const OBJECT_STRING = state(IN_OBJECT, STRING);
export const ARRAY_STRING = state(IN_ARRAY, STRING);

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

/** The table, entries ×ROW (a row's offset), as u16. */
export const TABLE = buildTable();
