// JSON.parse builds every object and string of an audit event, and rules read a few members of it: the
// 1.6 KB responseObject is never read but for its name, requestObject only on some events. The indexer
// checks a JSON text in one pass, without building anything, and notes where the members of its first
// levels are (entries, see document.ts), so that a member can be parsed with JSON.parse when it is asked for.
//
// It accepts a subset of JSON and says nothing (undefined) about the rest, which the caller then parses
// whole with JSON.parse — so a text JSON.parse refuses is always reported with JSON.parse's own message,
// and correctness never rests on the indexer for anything unusual. Accepted: any JSON value whose only
// whitespace is spaces and which holds no control characters at all (tabs, newlines: that is, compact JSON
// as the API server and audit logs write it), nested at most MAX_NESTING deep. Within that subset it
// must refuse exactly what JSON.parse refuses (grammar, string escapes, numbers); the tests hold it to that.
//
// The scan itself is WebAssembly (index-scan.ts): one call per value writes its entries into the module's
// memory, and they are copied from there into an arena of this side's own (documents keep no view of the
// module's memory, which growing it would detach). The same scan refuses every control character, which is
// what leaves tabs, newlines and anything below 0x20 to JSON.parse. A text that is not ASCII is scanned as
// its code units clamped to bytes (see clamped); the document reads its real code units (`codes`).

import { isAscii } from 'node:buffer';
import { JsonDocument, KEY, keySignature, KS, STRIDE } from './document.js';
import { entriesWord, entryWords, indexValue, loadText } from './scan-module.js';

/** A text's UTF-16 code units: its bytes when it is ASCII, else a copy. */
export type Codes = Uint8Array | Uint16Array;

/**
 * The code units of `text` followed by a control character (0), which ends every scan of a value at or
 * before `text.length`: no read goes past the array, which V8 would answer with slower loads for good.
 * `ascii`: the text's bytes, when the text is ASCII.
 */
export function codesOf(text: string, ascii: Uint8Array | undefined): Codes {
  if (ascii !== undefined) {
    const codes = recycledCodes(text.length + 1) ?? Buffer.allocUnsafe(text.length + 1);
    codes.set(ascii.subarray(0, text.length));
    codes[text.length] = 0;
    return codes;
  }
  const codes = new Uint16Array(text.length + 1);
  Buffer.from(codes.buffer, codes.byteOffset, codes.byteLength).write(text, 'utf16le');
  return codes;
}

/**
 * Code units as bytes, those of 0x80 and above as 0x80: all that crossing a subtree needs to know of them
 * (they only occur inside strings), and a byte array keeps its table's rows at 256 entries.
 */
export function clamped(codes: Uint16Array): Uint8Array {
  const bytes = new Uint8Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    bytes[i] = c < 0x80 ? c : 0x80;
  }
  return bytes;
}

/**
 * An arena of `words` numbers, not zeroed: every number of an entry is written before it is read, and a new
 * arena (one for every few dozen events) cost more zeroed than the entries it holds.
 */
function newArena(words: number): Int32Array {
  const bytes = Buffer.allocUnsafeSlow(words * 4);
  return new Int32Array(bytes.buffer, bytes.byteOffset, words);
}

// Entries of many documents go into one arena, each document's from its `base` on: a typed array per
// document would cost an allocation outside the heap per event. An arena lives as long as one of its
// documents does; a full one is left to them and a new one started.
const ARENA_ENTRIES = 2048;
let arena: Int32Array = newArena(ARENA_ENTRIES * STRIDE);
let arenaUsed = 0;

// Memory of documents their caller is done with (recycleIndexMemory): a megabyte request body's code
// units and entries in new memory cost more than copying them (the pages are new: the system zeroes each
// on first touch), so an evaluation thread, done with a body before it reads the next, reuses them.
let recycling = false;
let codesScratch: Buffer | undefined;

/**
 * The caller is done with every document indexed so far, and will be with the next before it calls this
 * again: the next document may take their memory (entries, and a request body's code units).
 */
export function recycleIndexMemory(): void {
  arenaUsed = 0;
  recycling = true;
}

/** Recycled memory for `length` code units, or undefined (none recycled; fresh memory then). */
function recycledCodes(length: number): Buffer | undefined {
  if (!recycling) return undefined;
  recycling = false;
  if (codesScratch === undefined || codesScratch.length < length) codesScratch = Buffer.allocUnsafeSlow(Math.max(length, 1 << 20));
  return codesScratch.subarray(0, length);
}

/**
 * Indexes JSON values in one text (a block of JSON lines, a request body), many in turn: the text is put
 * in the scan module's memory once.
 */
export class JsonIndexer {
  private codes: Codes | undefined;
  /** The code units as bytes, for the scan (see clamped). */
  private scan: Uint8Array | undefined;

  /**
   * `ascii`: the text's bytes, when the text is ASCII; a newline after them saves copying them (see codesOf).
   */
  constructor(
    readonly text: string,
    private readonly ascii?: Uint8Array,
  ) {
    if (ascii !== undefined && ascii.length > text.length && ascii[ascii.length - 1] === 0x0a) this.codes = ascii;
  }

  /**
   * The value `text[start, end)` indexed down to `depth` levels below it (0: only the value itself), or
   * undefined when the indexer does not vouch for it: invalid JSON, or JSON outside the subset it accepts.
   * `deep`: a path of `depth` keys (printable ASCII) from the value whose container is indexed DEEP_LEVELS
   * further.
   */
  index(start: number, end: number, depth: number, deep?: DeepPath): JsonDocument | undefined {
    const codes = (this.codes ??= codesOf(this.text, this.ascii));
    this.scan ??= codes instanceof Uint8Array ? codes : clamped(codes);
    loadText(this, this.scan);
    const n = indexValue(start, end, depth, deep);
    if (n < 0) return undefined;
    const size = n * STRIDE;
    if (arenaUsed + size > arena.length) {
      arena = newArena(Math.max(ARENA_ENTRIES * STRIDE, size * 2));
      arenaUsed = 0;
    }
    const base = arenaUsed;
    arena.set(entryWords().subarray(entriesWord, entriesWord + size), base);
    arenaUsed = base + size;
    if (codes !== this.scan) realKeySignatures(arena, base, n, codes);
    return new JsonDocument(this.text, arena, base, 0, codes, n);
  }
}

/**
 * Signatures of keys that start with a code unit past 0x7f: the scan saw it clamped to 0x80, and a
 * signature holds the key's real first code unit.
 */
function realKeySignatures(E: Int32Array, base: number, n: number, codes: Codes): void {
  for (let at = base; at < base + n * STRIDE; at += STRIDE) {
    const signature = E[at + KEY]!;
    // Array elements (no key) hold whatever signature came before; no lookup reads it.
    if (signature >= 0 && (signature & 0xffff) === 0x80 && E[at + KS]! >= 0) E[at + KEY] = keySignature(signature >>> 16, codes[E[at + KS]!]!);
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

/**
 * A whole JSON document (a request body) indexed `depth` levels deep, or undefined when the indexer does
 * not vouch for it (parse it with JSON.parse). `bytes` are what `text` was decoded from.
 */
export function indexDocument(text: string, bytes: Uint8Array, depth: number): JsonDocument | undefined {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) === 32) start++;
  while (end > start && text.charCodeAt(end - 1) === 32) end--;
  return new JsonIndexer(text, isAscii(bytes) ? bytes : undefined).index(start, end, depth);
}
