// The scan of the indexed levels (see indexer.ts), as WebAssembly: one call per value, which reads the
// value's tokens down to the indexed levels, crosses the containers below them (subtree.ts), and writes
// the entries (document.ts) into the module's memory, from where the indexer copies them into its arena in
// one go. In JavaScript this scan made a call into the module per string (to find its end) and per
// crossed container, and paid a typed array's checks on every load and store: about half of indexing an
// audit event. Behaviour is that of the JavaScript scan it replaced, entry for entry (the tests compare).
//
// Positions are addresses in the module's memory while scanning; entries hold them less TEXT_AT, as
// offsets into the text. No byte below 0x20 passes anywhere (the grammar refuses it between tokens, the
// string skip stops on it, an escape never takes it), so a value with a control character in it is refused
// without a separate check for them.

import { CHILDREN, CHILDREN_OF_OBJECT, ESCAPED_KEY, FLAGS, KE, KEY, KS, LAST, LONG_KEY, NUMBERS, PREV, STRIDE, STRING_ESCAPED, VE, VS } from './document.js';
import { KEY_OR_CLOSE, ROW, VALUE_OR_CLOSE } from './grammar.js';
import { CLASS_AT, DEEP_AT, KINDS_AT, LAST_CHILD_AT, MAX_NESTING, OPEN_AT, RESULT_NUMBERS, TEXT_AT } from './scan-layout.js';
import { call, type Code, const32, FunctionBody, i32, load32, load8, RETURN, SELECT, store32 } from './wasm-assembler.js';

/** Levels below a DeepPath's member that get entries: enough for the deepest k8s audit field's path. */
export const DEEP_LEVELS = 8;

/** Classes of bytes (CLASS_AT + byte), bits that can be tested together. */
const SIMPLE_ESCAPE = 1; // after a backslash: " \ / b f n r t
const HEX = 4;
const DIGIT = 8;

export function byteClasses(): Uint8Array {
  const classes = new Uint8Array(256);
  for (const c of '"\\/bfnrt') classes[c.charCodeAt(0)]! |= SIMPLE_ESCAPE;
  for (const c of '0123456789abcdefABCDEF') classes[c.charCodeAt(0)]! |= HEX;
  for (const c of '0123456789') classes[c.charCodeAt(0)]! |= DIGIT;
  return classes;
}

const BYTES = STRIDE * 4;
const OBJECT = 1;
const ARRAY = 2;
const NONE = -1;

/** Indices of the module's functions that these call. */
export interface Callees {
  cross: number;
  stop: number;
  sameKey: number;
  escapedEnd: number;
  onDeepPath: number;
}

/**
 * sameKey(keyStart, keyEnd, j): whether the raw key at text offsets [keyStart, keyEnd) is the deep path's
 * key j. Keys with escapes never match (their raw text differs), as in the JavaScript scan.
 */
export function sameKeyBody(): number[] {
  const f = new FunctionBody(['ks', 'ke', 'j'], { i32: ['ptr', 'len', 'i'] });
  const { get, set, tee, br, brIf, block, loop, when } = f;
  return f.emit([
    get('j'), const32(3), i32.shl, tee('i'), load32(DEEP_AT), set('ptr'),
    get('i'), load32(DEEP_AT + 4), set('len'),
    const32(0), set('i'),
    get('ke'), get('ks'), i32.sub, get('len'), i32.ne, when(() => [const32(0), RETURN]),
    block('same', () => loop('bytes', () => [
      get('i'), get('len'), i32.geU, brIf('same'),
      get('ks'), get('i'), i32.add, load8(TEXT_AT), get('ptr'), get('i'), i32.add, load8(), i32.ne, when(() => [const32(0), RETURN]),
      get('i'), const32(1), i32.add, set('i'),
      br('bytes'),
    ])),
    const32(1),
  ]); // prettier-ignore
}

/**
 * onDeepPath(keyStart, keyEnd, d, out): whether the member at level d (its key at [keyStart, keyEnd)) and
 * the containers open above it, each the member of its own parent, are the deep path.
 */
export function onDeepPathBody(fn: Callees): number[] {
  const f = new FunctionBody(['ks', 'ke', 'd', 'out'], { i32: ['j', 'at'] });
  const { get, set, br, brIf, block, loop, when } = f;
  return f.emit([
    get('ks'), get('ke'), get('d'), const32(1), i32.sub, call(fn.sameKey), i32.eqz, when(() => [const32(0), RETURN]),
    get('d'), const32(1), i32.sub, set('j'),
    block('done', () => loop('up', () => [
      get('j'), const32(1), i32.ltS, brIf('done'),
      get('out'), get('j'), const32(2), i32.shl, load32(OPEN_AT), const32(BYTES), i32.mul, i32.add, set('at'),
      get('at'), load32(KS * 4), get('at'), load32(KE * 4), get('j'), const32(1), i32.sub, call(fn.sameKey), i32.eqz, when(() => [const32(0), RETURN]),
      get('j'), const32(1), i32.sub, set('j'),
      br('up'),
    ])),
    const32(1),
  ]); // prettier-ignore
}

/**
 * escapedEnd(q, end): the closing quote of a string whose first backslash is at q, or -1 when the string
 * is not valid JSON, holds a control byte, or does not close before end.
 */
export function escapedEndBody(fn: Callees): number[] {
  const f = new FunctionBody(['q', 'end'], { i32: ['x'] });
  const { get, set, tee, brIf, loop, when } = f;
  const cls = (offset: number): Code => [get('q'), load8(offset), load8(CLASS_AT)];
  return f.emit([
    loop('escape', () => [
      get('q'), load8(1), tee('x'), const32(117 /* u */), i32.eq,
      when(
        () => [
          cls(2), cls(3), i32.and, cls(4), i32.and, cls(5), i32.and, const32(HEX), i32.and, i32.eqz, when(() => [const32(-1), RETURN]),
          get('q'), const32(6), i32.add, set('q'),
        ],
        () => [
          get('x'), load8(CLASS_AT), const32(SIMPLE_ESCAPE), i32.and, i32.eqz, when(() => [const32(-1), RETURN]),
          get('q'), const32(2), i32.add, set('q'),
        ],
      ),
      get('q'), call(fn.stop), tee('q'), load8(), tee('x'), const32(92 /* \\ */), i32.eq, brIf('escape'),
    ]),
    get('x'), const32(34), i32.eq, get('q'), get('end'), i32.ltU, i32.and, when(() => [get('q'), RETURN]),
    const32(-1),
  ]); // prettier-ignore
}

/**
 * index(start, end, depth, deep, out, outEnd): the value at text offsets [start, end) indexed `depth`
 * levels down (more in the deep path's member when `deep` is 1), its entries written from `out` on: their
 * count, -1 when the scan does not vouch for the value, -2 when the entries would pass `outEnd`.
 */
export function indexBody(fn: Callees): number[] {
  const f = new FunctionBody(['p', 'end', 'depth', 'deep', 'out', 'outEnd'], {
    i32: ['c', 'd', 'n', 'numbers', 'keyStart', 'keyEnd', 'keySig', 'keyNext', 'limit', 'deepAt', 'e', 'q', 'at', 'kind', 'len'],
  });
  const { get, set, tee, br, brIf, block, loop, when } = f;
  const next: Code = [get('p'), const32(1), i32.add, tee('p'), load8(), set('c')];
  const spaces = (): Code => loop('spaces', () => [get('c'), const32(32), i32.eq, when(() => [next, br('spaces')])]);
  const isDigit: Code = [get('c'), load8(CLASS_AT), const32(DIGIT), i32.and];
  const digits = (): Code => loop('digits', () => [next, isDigit, brIf('digits')]);
  const offset = (local: string): Code => [get(local), const32(TEXT_AT), i32.sub];
  const level = (at: number): Code => [get('d'), const32(2), i32.shl, load32(at)]; // a per-level i32 at d
  const closing: Code = [const32(125 /* } */), const32(93 /* ] */), get('kind'), const32(OBJECT), i32.eq, SELECT];
  const leaveDeep = (): Code => [get('d'), get('deepAt'), i32.eq, when(() => [get('depth'), set('limit'), const32(NONE), set('deepAt')])];
  /** Counts the numbers inside the entry at `at` (it held the count before it). */
  const closeEntry: Code = [get('at'), offset('p'), store32(VE * 4), get('at'), get('numbers'), get('at'), load32(NUMBERS * 4), i32.sub, store32(NUMBERS * 4)];
  /** A string from its opening quote at p: p goes past it; escapes are checked and flagged. */
  const string = (onEscape: () => Code, plain: () => Code): Code => [
    get('p'), const32(1), i32.add, call(fn.stop), tee('q'), load8(), tee('c'), const32(92 /* \\ */), i32.eq,
    when(
      () => [get('q'), get('end'), call(fn.escapedEnd), tee('q'), const32(0), i32.ltS, brIf('fail'), onEscape()],
      () => [get('c'), const32(34), i32.ne, brIf('fail'), get('q'), get('end'), i32.geU, brIf('fail'), plain()],
    ),
  ];

  return f.emit([
    get('p'), const32(TEXT_AT), i32.add, set('p'),
    get('end'), const32(TEXT_AT), i32.add, set('end'),
    get('depth'), set('limit'),
    const32(NONE), set('deepAt'),
    const32(NONE), set('keyStart'),
    const32(NONE), set('keyEnd'),
    const32(0), const32(NONE), store32(LAST_CHILD_AT),
    block('fail', () => loop('value', () => [
      get('p'), load8(), set('c'), spaces(),
      // `"key" :` before a member's value. Only keys that get an entry need their signature.
      get('keyNext'), when(() => [
        get('c'), const32(34), i32.ne, brIf('fail'),
        string(
          () => [const32(ESCAPED_KEY), set('keySig')],
          () => [
            get('d'), get('limit'), i32.leS, when(() => [
              get('q'), get('p'), i32.sub, const32(1), i32.sub, tee('len'), const32(0x8000), i32.ltU,
              when(
                () => [get('len'), const32(16), i32.shl, get('p'), load8(1), const32(0), get('len'), SELECT, i32.or, set('keySig')],
                () => [const32(LONG_KEY), set('keySig')],
              ),
            ]),
          ],
        ),
        get('p'), const32(1 - TEXT_AT), i32.add, set('keyStart'),
        offset('q'), set('keyEnd'),
        get('q'), set('p'), next, spaces(),
        get('c'), const32(58 /* : */), i32.ne, brIf('fail'),
        next, spaces(),
        const32(0), set('keyNext'),
      ]),
      // The value about to be read sits at level d; below the indexed levels it gets no entry.
      const32(NONE), set('e'),
      get('d'), get('limit'), i32.leS, when(() => [
        get('n'), tee('e'), const32(1), i32.add, set('n'),
        get('out'), get('e'), const32(BYTES), i32.mul, i32.add, tee('at'), const32(BYTES), i32.add, get('outEnd'), i32.gtU, when(() => [const32(-2), RETURN]),
        get('at'), offset('p'), store32(VS * 4),
        get('at'), get('keyStart'), store32(KS * 4),
        get('at'), get('keyEnd'), store32(KE * 4),
        get('at'), get('keySig'), store32(KEY * 4),
        get('at'), level(LAST_CHILD_AT), store32(PREV * 4),
        get('at'), const32(NONE), store32(LAST * 4),
        get('at'), const32(0), store32(FLAGS * 4),
        get('at'), get('numbers'), store32(NUMBERS * 4),
        get('d'), const32(2), i32.shl, get('e'), store32(LAST_CHILD_AT),
      ]),
      block('read', () => [
        get('c'), const32(34 /* " */), i32.eq, when(() => [
          string(
            () => [get('e'), const32(0), i32.geS, when(() => [get('at'), get('at'), load32(FLAGS * 4), const32(STRING_ESCAPED), i32.or, store32(FLAGS * 4)])],
            () => [],
          ),
          get('q'), const32(1), i32.add, set('p'),
          br('read'),
        ]),
        get('c'), const32(123 /* { */), i32.eq, get('c'), const32(91 /* [ */), i32.eq, i32.or, when(() => [
          get('d'), const32(MAX_NESTING), i32.eq, brIf('fail'),
          get('d'), get('depth'), i32.eq, get('deep'), i32.and, get('deepAt'), const32(NONE), i32.eq, i32.and, get('d'), const32(0), i32.gtS, i32.and, when(() => [
            get('keyStart'), get('keyEnd'), get('d'), get('out'), call(fn.onDeepPath),
            when(() => [get('depth'), const32(DEEP_LEVELS), i32.add, set('limit'), get('d'), set('deepAt')]),
          ]),
          // Nothing inside gets an entry: the container is crossed in one go (see subtree.ts).
          get('d'), get('limit'), i32.geS, when(() => [
            get('p'), const32(1), i32.add,
            const32(KEY_OR_CLOSE * ROW), const32(VALUE_OR_CLOSE * ROW), get('c'), const32(123), i32.eq, SELECT,
            const32(MAX_NESTING), get('d'), i32.sub,
            call(fn.cross), tee('p'), const32(0), i32.ltS, brIf('fail'),
            get('p'), get('end'), i32.gtU, brIf('fail'),
            get('numbers'), const32(0), load32(RESULT_NUMBERS), i32.add, set('numbers'),
            br('read'),
          ]),
          const32(OBJECT), const32(ARRAY), get('c'), const32(123), i32.eq, SELECT, set('kind'),
          get('d'), const32(2), i32.shl, get('kind'), store32(KINDS_AT),
          get('d'), const32(2), i32.shl, get('e'), store32(OPEN_AT),
          get('at'), get('at'), load32(FLAGS * 4), const32(CHILDREN | CHILDREN_OF_OBJECT), const32(CHILDREN), get('kind'), const32(OBJECT), i32.eq, SELECT, i32.or, store32(FLAGS * 4),
          get('d'), const32(2), i32.shl, const32(NONE), store32(LAST_CHILD_AT + 4),
          get('d'), const32(1), i32.add, set('d'),
          next, spaces(),
          get('c'), closing, i32.eq, when(() => [
            get('p'), const32(1), i32.add, set('p'),
            get('d'), const32(1), i32.sub, set('d'),
            leaveDeep(),
            br('read'),
          ]),
          get('kind'), const32(OBJECT), i32.eq, when(() => [const32(1), set('keyNext')], () => [const32(NONE), tee('keyStart'), set('keyEnd')]),
          br('value'),
        ]),
        get('c'), const32(45 /* - */), i32.eq, isDigit, i32.or, when(() => [
          get('c'), const32(45), i32.eq, when(() => next),
          get('c'), const32(48 /* 0 */), i32.eq, when(() => next, () => [isDigit, i32.eqz, brIf('fail'), digits()]),
          get('c'), const32(46 /* . */), i32.eq, when(() => [next, isDigit, i32.eqz, brIf('fail'), digits()]),
          get('c'), const32(32), i32.or, const32(101 /* e E */), i32.eq, when(() => [
            next,
            get('c'), const32(43 /* + */), i32.eq, get('c'), const32(45), i32.eq, i32.or, when(() => next),
            isDigit, i32.eqz, brIf('fail'), digits(),
          ]),
          get('numbers'), const32(1), i32.add, set('numbers'),
          br('read'),
        ]),
        // true, false, null: four bytes compared at once (the text is followed by padding).
        get('c'), const32(116 /* t */), i32.eq, when(() => [get('p'), load32(), const32(0x65757274), i32.ne, brIf('fail'), get('p'), const32(4), i32.add, set('p'), br('read')]),
        get('c'), const32(102 /* f */), i32.eq, when(() => [get('p'), load32(1), const32(0x65736c61), i32.ne, brIf('fail'), get('p'), const32(5), i32.add, set('p'), br('read')]),
        get('c'), const32(110 /* n */), i32.eq, when(() => [get('p'), load32(), const32(0x6c6c756e), i32.ne, brIf('fail'), get('p'), const32(4), i32.add, set('p'), br('read')]),
        br('fail'),
      ]),
      // A scalar, or a container that was empty; `numbers` becomes the count within the value.
      get('e'), const32(0), i32.geS, when(() => closeEntry),
      // After a value: close containers, or go on to the next member or element.
      loop('close', () => [
        get('p'), load8(), set('c'),
        // Bounded: what follows `end` (blanks before a newline) is not this value's.
        loop('blanks', () => [get('c'), const32(32), i32.eq, get('p'), get('end'), i32.ltU, i32.and, when(() => [next, br('blanks')])]),
        get('d'), i32.eqz, when(() => [get('p'), get('end'), i32.ne, brIf('fail'), get('n'), RETURN]),
        get('d'), const32(2), i32.shl, load32(KINDS_AT - 4), set('kind'),
        get('c'), const32(44 /* , */), i32.eq, when(() => [get('p'), const32(1), i32.add, set('p'), get('kind'), const32(OBJECT), i32.eq, set('keyNext'), br('value')]),
        get('c'), closing, i32.ne, brIf('fail'),
        get('p'), const32(1), i32.add, set('p'),
        get('d'), const32(1), i32.sub, set('d'),
        level(OPEN_AT), tee('e'), const32(0), i32.geS, when(() => [
          get('out'), get('e'), const32(BYTES), i32.mul, i32.add, set('at'),
          closeEntry,
          get('d'), get('limit'), i32.ltS, when(() => [get('at'), level(LAST_CHILD_AT + 4), store32(LAST * 4)]),
        ]),
        leaveDeep(),
        br('close'),
      ]),
    ])),
    const32(-1),
  ]); // prettier-ignore
}
