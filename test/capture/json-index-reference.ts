// The JavaScript scan of the indexed levels that index-scan.ts replaced, kept as the tests' reference:
// the WebAssembly scan must write the same entries, entry for entry, for whatever this one vouches for, and
// refuse what it refuses. It is the indexer as it was (capture/json/indexer.ts before the scan moved into
// the module), with its own search for control characters, and the same crossing of unindexed containers.

import { crossContainer, crossedNumbers, loadText, stringStop } from '../../capture/json/scan-module.js';
import { clamped, type Codes, codesOf } from '../../capture/json/indexer.js';
import { CHILDREN, CHILDREN_OF_OBJECT, ESCAPED_KEY, FLAGS, JsonDocument, KE, KEY, keySignature, KS, LAST, NUMBERS, PREV, STRIDE, STRING_ESCAPED, VE, VS } from '../../capture/json/document.js';

const MAX_NESTING = 512;
const NONE = -1;

/**
 * Control characters: JSON allows none in strings, and the indexer takes none as whitespace. In a text of
 * JSON lines newlines only separate values, which is why the regular expression for lines leaves them out:
 * one search then usually covers the whole text.
 */
const CONTROL = /[\x00-\x1f]/g; // eslint-disable-line no-control-regex
const CONTROL_BUT_NEWLINE = /[\x00-\x09\x0b-\x1f]/g; // eslint-disable-line no-control-regex

// Scratch space shared by every indexer (indexing never yields): per nesting level, the kind of the open
// container, its entry and its last indexed child.
const OBJECT = 1;
const ARRAY = 2;
const kinds = new Uint8Array(MAX_NESTING + 1);
const openEntry = new Int32Array(MAX_NESTING + 1);
const lastChild = new Int32Array(MAX_NESTING + 2);

// Entries of many documents go into one arena, each document's from its `base` on: a typed array per
// document would cost an allocation outside the heap per event. An arena lives as long as one of its
// documents does; a full one is left to them and a new one started.
const ARENA_ENTRIES = 8192;
let arena: Int32Array = new Int32Array(ARENA_ENTRIES * STRIDE);
let arenaUsed = 0;

/** A new arena for the document being indexed, with its first `used` numbers (from `base`) moved over. */
function newArena(base: number, used: number, wanted: number): Int32Array {
  const next = new Int32Array(Math.max(ARENA_ENTRIES * STRIDE, wanted * 2));
  next.set(arena.subarray(base, base + used));
  arena = next;
  arenaUsed = 0;
  return next;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHex = (c: number): boolean => (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102);

/**
 * The closing quote of a string with escapes, from `b`, its first backslash, on; -1 when the string is not
 * valid JSON before `end`. Control characters were ruled out beforehand, so only escapes need a look.
 */
function escapedStringEnd(t: string, b: number, end: number): number {
  for (;;) {
    // An escape at b (its character may be the quote).
    const x = t.charCodeAt(b + 1);
    let j: number;
    if (x === 117 /* u */) {
      if (!isHex(t.charCodeAt(b + 2)) || !isHex(t.charCodeAt(b + 3)) || !isHex(t.charCodeAt(b + 4)) || !isHex(t.charCodeAt(b + 5))) return NONE;
      j = b + 6;
    } else if (x === 34 || x === 92 || x === 47 || x === 98 || x === 102 || x === 110 || x === 114 || x === 116) {
      j = b + 2; // \" \\ \/ \b \f \n \r \t
    } else {
      return NONE;
    }
    const q = t.indexOf('"', j);
    if (q < 0 || q >= end) return NONE;
    b = t.indexOf('\\', j);
    if (b < 0 || b > q) return q;
  }
}

/**
 * Indexes JSON values in one text (a block of JSON lines, a request body); many values of one text are
 * indexed in order, so that the search for control characters looks at each character once.
 */
export class ReferenceIndexer {
  private nextControl = NONE;
  private controlFrom = 0;

  private readonly control: RegExp;
  private codes: Codes | undefined;
  /** The code units as bytes, for crossing subtrees (see clamped). */
  private scan: Uint8Array | undefined;

  /**
   * `lines`: the text is JSON lines, and no value indexed spans a newline. `checked`: the caller made
   * sure that the text holds no control character (but newlines, for lines: the byte check the JSON reader made then). `ascii`: the
   * text's bytes, when the text is ASCII; a newline after them saves copying them (see codesOf).
   */
  constructor(
    readonly text: string,
    kind: 'lines' | 'document' = 'document',
    checked = false,
    private readonly ascii?: Uint8Array,
  ) {
    this.control = kind === 'lines' ? CONTROL_BUT_NEWLINE : CONTROL;
    if (checked) this.nextControl = text.length;
    if (ascii !== undefined && ascii.length > text.length && ascii[ascii.length - 1] === 0x0a) this.codes = ascii;
  }

  /**
   * The value `text[start, end)` indexed down to `depth` levels below it (0: only the value itself), or
   * undefined when the indexer does not vouch for it: invalid JSON, or JSON outside the subset it accepts.
   * `deep`: a path of `depth` keys from the value whose container is indexed DEEP_LEVELS further.
   */
  index(start: number, end: number, depth: number, deep?: DeepPath): JsonDocument | undefined {
    if (this.controlAt(start) < end) return undefined;
    this.codes ??= codesOf(this.text, this.ascii);
    this.scan ??= this.codes instanceof Uint8Array ? this.codes : clamped(this.codes);
    return indexValue(this.text, this.codes, this.scan, this, start, end, depth, deep);
  }

  /** The first control character at or after `from` (text length when none). */
  private controlAt(from: number): number {
    if (from < this.controlFrom || this.nextControl < from) {
      this.control.lastIndex = from;
      const m = this.control.exec(this.text);
      this.nextControl = m ? m.index : this.text.length;
      this.controlFrom = from;
    }
    return this.nextControl;
  }
}

/**
 * Keys from the root to a member at the last indexed level whose own members, and theirs, get entries too
 * (DEEP_LEVELS more levels): `requestObject.spec` of an audit event, where a dozen pod fields walk
 * (`…containers[*].securityContext.privileged`) and which JSON.parse would otherwise build whole for them.
 * The scan reads those levels anyway; entries cost it little, and building the objects costs more than the
 * line's whole index.
 */
export type DeepPath = readonly string[];

/** Levels below a DeepPath's member that get entries: enough for the deepest k8s audit field's path. */
const DEEP_LEVELS = 8;

/** Whether the key written at `codes[start, end)` (raw, between the quotes) is `key`. */
function sameKey(codes: Codes, start: number, end: number, key: string): boolean {
  if (end - start !== key.length) return false;
  for (let i = 0; i < key.length; i++) if (codes[start + i] !== key.charCodeAt(i)) return false;
  return true;
}

/**
 * Whether the member at level `d` (key at `keyStart, keyEnd`) and the containers open above it (each
 * the member of its own parent: openEntry) are the path `deep`. Raw keys with escapes never match.
 */
function onDeepPath(E: Int32Array, base: number, codes: Codes, d: number, keyStart: number, keyEnd: number, deep: DeepPath): boolean {
  if (!sameKey(codes, keyStart, keyEnd, deep[d - 1]!)) return false;
  for (let j = d - 1; j >= 1; j--) {
    const at = base + openEntry[j]! * STRIDE;
    if (!sameKey(codes, E[at + KS]!, E[at + KE]!, deep[j - 1]!)) return false;
  }
  return true;
}

/** The scan itself, one loop over the value (helpers sharing the scan's state cost a tenth more time). */
function indexValue(t: string, b: Codes, scan: Uint8Array, scanOwner: object, start: number, end: number, depth: number, deep?: DeepPath): JsonDocument | undefined {
  loadText(scanOwner, scan);
  let E = arena;
  let base = arenaUsed;
  // Values at levels up to `limit` get entries: `depth`, or more inside the member on the deep path,
  // which opened at level `deepAt`.
  let limit = depth;
  let deepAt = NONE;
  let i = start;
  let d = 0; // open containers
  let n = 0; // entries
  let numbers = 0;
  let keyStart = NONE;
  let keyEnd = NONE;
  let keySig = 0;
  /** A key comes first: after `{` and after `,` in an object. */
  let keyNext = false;
  lastChild[0] = NONE;

  value: for (;;) {
    let c = b[i]!;
    while (c === 32) c = b[++i]!;
    if (keyNext) {
      // `"key" :` before a member's value.
      if (c !== 34) return undefined;
      let q = stringStop(i + 1);
      if (b[q] === 92 /* \\ */) {
        q = escapedStringEnd(t, q, end);
        if (q < 0) return undefined;
        keySig = ESCAPED_KEY;
      } else if (b[q] !== 34 || q >= end) {
        return undefined;
      } else if (d <= limit) {
        // Only keys that get an entry need their signature.
        keySig = keySignature(q - i - 1, q > i + 1 ? b[i + 1]! : 0);
      }
      keyStart = i + 1;
      keyEnd = q;
      i = q + 1;
      c = b[i]!;
      while (c === 32) c = b[++i]!;
      if (c !== 58 /* : */) return undefined;
      c = b[++i]!;
      while (c === 32) c = b[++i]!;
      keyNext = false;
    }
    // The value about to be read sits at level d; below `depth` levels it gets no entry.
    let e = NONE;
    if (d <= limit) {
      e = n++;
      if (base + n * STRIDE > E.length) {
        E = newArena(base, e * STRIDE, n * STRIDE);
        base = 0;
      }
      const at = base + e * STRIDE;
      E[at + VS] = i;
      E[at + KS] = keyStart;
      E[at + KE] = keyEnd;
      E[at + KEY] = keySig;
      E[at + PREV] = lastChild[d]!;
      E[at + FLAGS] = 0;
      E[at + NUMBERS] = numbers;
      lastChild[d] = e;
    }
    if (c === 34 /* " */) {
      let q = stringStop(i + 1);
      if (b[q] === 92 /* \\ */) {
        q = escapedStringEnd(t, q, end);
        if (q < 0) return undefined;
        E[base + e * STRIDE + FLAGS]! |= STRING_ESCAPED;
      } else if (b[q] !== 34 || q >= end) {
        return undefined;
      }
      i = q + 1;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (d === MAX_NESTING) return undefined;
      if (d === depth && deep !== undefined && deepAt === NONE && d > 0 && onDeepPath(E, base, b, d, keyStart, keyEnd, deep)) {
        limit = depth + DEEP_LEVELS;
        deepAt = d;
      }
      if (d >= limit) {
        // Nothing inside gets an entry: the container is crossed in one go (see subtree.ts).
        i = crossContainer(c, i, MAX_NESTING - d);
        if (i < 0 || i > end) return undefined;
        numbers += crossedNumbers;
      } else {
        const kind = c === 123 ? OBJECT : ARRAY;
        kinds[d] = kind;
        openEntry[d] = e;
        const at = base + e * STRIDE;
        E[at + LAST] = NONE;
        E[at + FLAGS]! |= kind === OBJECT ? CHILDREN | CHILDREN_OF_OBJECT : CHILDREN;
        lastChild[d + 1] = NONE;
        d++;
        c = b[++i]!;
        while (c === 32) c = b[++i]!;
        if (c === (kind === OBJECT ? 125 : 93)) {
          i++;
          d--;
          if (d === deepAt) {
            limit = depth;
            deepAt = NONE;
          }
        } else {
          if (kind === OBJECT) keyNext = true;
          else keyStart = keyEnd = NONE;
          continue value;
        }
      }
    } else if (c === 45 /* - */ || isDigit(c)) {
      if (c === 45) c = b[++i]!;
      if (c === 48) {
        c = b[++i]!;
      } else if (isDigit(c)) {
        do c = b[++i]!;
        while (isDigit(c));
      } else {
        return undefined;
      }
      if (c === 46 /* . */) {
        c = b[++i]!;
        if (!isDigit(c)) return undefined;
        do c = b[++i]!;
        while (isDigit(c));
      }
      if (c === 101 || c === 69 /* e E */) {
        c = b[++i]!;
        if (c === 43 || c === 45) c = b[++i]!;
        if (!isDigit(c)) return undefined;
        do c = b[++i]!;
        while (isDigit(c));
      }
      numbers++;
    } else if (c === 116 /* t */ && b[i + 1] === 114 && b[i + 2] === 117 && b[i + 3] === 101) {
      i += 4;
    } else if (c === 102 /* f */ && b[i + 1] === 97 && b[i + 2] === 108 && b[i + 3] === 115 && b[i + 4] === 101) {
      i += 5;
    } else if (c === 110 /* n */ && b[i + 1] === 117 && b[i + 2] === 108 && b[i + 3] === 108) {
      i += 4;
    } else {
      return undefined;
    }
    if (e !== NONE) {
      // A scalar, or a container that was empty; `numbers` becomes the count within the value.
      const at = base + e * STRIDE;
      E[at + VE] = i;
      E[at + NUMBERS] = numbers - E[at + NUMBERS]!;
    }

    // After a value: close containers, or go on to the next member or element.
    for (;;) {
      c = b[i]!;
      // Bounded: what follows `end` (blanks before a newline) is not this value's.
      while (c === 32 && i < end) c = b[++i]!;
      if (d === 0) {
        if (i !== end) return undefined;
        arenaUsed = base + n * STRIDE;
        return new JsonDocument(t, E, base, 0, b, n);
      }
      const kind = kinds[d - 1];
      if (c === 44 /* , */) {
        i++;
        keyNext = kind === OBJECT;
        continue value;
      }
      if (c !== (kind === OBJECT ? 125 /* } */ : 93 /* ] */)) return undefined;
      i++;
      d--;
      const container = openEntry[d]!;
      if (container !== NONE) {
        const at = base + container * STRIDE;
        E[at + VE] = i;
        E[at + NUMBERS] = numbers - E[at + NUMBERS]!;
        if (d < limit) E[at + LAST] = lastChild[d + 1]!;
      }
      if (d === deepAt) {
        limit = depth;
        deepAt = NONE;
      }
    }
  }
}
