// A JSON text with an index of its first levels (built by indexer.ts), whose members are parsed when asked
// for and then remembered. A member's value is what JSON.parse gives for the whole text at that place:
// each member is parsed by JSON.parse itself (only strings without escapes are taken as they stand, and
// numbers go through Number, which reads a JSON number as JSON.parse does); of duplicate keys the last
// wins, as in JSON.parse.

/**
 * Entries: one per indexed value, STRIDE numbers each, in text order (a container's entry comes before
 * its members'): where the value starts and ends, the span of its key between the quotes and the key's
 * signature (in arrays: whatever came before), the previous sibling's entry, a container's last indexed
 * member, flags, and the number of JSON numbers inside a container (for the size bound).
 *
 * The numbers are written once, in the const enums below, and exported under their names for the indexer:
 * this file's methods use the enums, which the compiler turns into literals. V8's optimized code reads an
 * exported `const` through its module cell, checking it for the hole, at each use, which was a good part of
 * the instructions of a lookup's loop.
 */
const enum Entry {
  STRIDE = 9,
  VS = 0,
  VE = 1,
  KS = 2,
  KE = 3,
  KEY = 4,
  PREV = 5,
  LAST = 6,
  FLAGS = 7,
  NUMBERS = 8,
  MISSING = -1,
}
/** Signatures of keys written with escapes (their text is not the key), and of very long keys. */
const enum Signature {
  ESCAPED_KEY = -1,
  LONG_KEY = -2,
}
const enum Flag {
  STRING_ESCAPED = 2,
  /** The container's members (or elements) have entries of their own. */
  CHILDREN = 4,
  /** With CHILDREN: the container is an object (not an array). */
  CHILDREN_OF_OBJECT = 8,
}

export const STRIDE = Entry.STRIDE;
export const VS = Entry.VS;
export const VE = Entry.VE;
export const KS = Entry.KS;
export const KE = Entry.KE;
export const KEY = Entry.KEY;
export const PREV = Entry.PREV;
export const LAST = Entry.LAST;
export const FLAGS = Entry.FLAGS;
export const NUMBERS = Entry.NUMBERS;

/** A key's signature: its length and first character, which tell most keys of an object apart in one comparison. */
export function keySignature(length: number, first: number): number {
  return length < 0x8000 ? (length << 16) | first : Signature.LONG_KEY;
}
export const ESCAPED_KEY = Signature.ESCAPED_KEY;
export const LONG_KEY = Signature.LONG_KEY;

export const STRING_ESCAPED = Flag.STRING_ESCAPED;
export const CHILDREN = Flag.CHILDREN;
export const CHILDREN_OF_OBJECT = Flag.CHILDREN_OF_OBJECT;

/** No such entry. */
export const MISSING = Entry.MISSING;

/** Keys that index an array, as value.ts's member() takes them (Go's strconv.Atoi). */
const INDEX = /^[+-]?[0-9]+$/;

/**
 * Whether `key` is written at `start` of the text whose code units are `codes` (keys are short: a loop
 * beats startsWith's call, and an array load charCodeAt on the text).
 */
function sameText(codes: Uint8Array | Uint16Array, start: number, key: string): boolean {
  for (let i = key.length - 1; i > 0; i--) {
    if (codes[start + i] !== key.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Entries found by path (see access.ts) in the document `pathsOf`: the same path from a document's root
 * always leads to the same entry. Kept for one document at a time, the one whose fields are being read (an
 * event's extractors run together), rather than in an array per document. An entry counts when its path's
 * generation is the document's: a new document takes the next generation instead of clearing the entries
 * (TypedArray fill() is a call into the runtime, some 600 instructions per event).
 */
let pathsOf: JsonDocument | undefined;
let pathEntries = new Int32Array(128);
let pathGenerations = new Int32Array(128);
/** pathsOf's generation; never 0, which marks paths not looked up since the last wrap-around. */
let generation = 0;

function nextGeneration(): void {
  generation = (generation + 1) | 0;
  if (generation === 0) {
    pathGenerations.fill(0);
    generation = 1;
  }
}

/** Documents with more entries (request bodies) let their values grow as they are read. */
const MAX_PRESIZED_VALUES = 1024;

export class JsonDocument {
  /** Parsed values by entry (less `root`), filled as they are asked for. */
  private readonly values: unknown[];

  constructor(
    readonly text: string,
    /** The arena holding the entries (shared with other documents), and where this document's start. */
    private readonly arena: Int32Array,
    private readonly base: number,
    /** This document's own value: entry 0 of a line, one element of a request body's `items`. */
    readonly root: number,
    /** The text's code units (see indexer.ts), at least to the end of the document. */
    private readonly codes: Uint8Array | Uint16Array,
    /**
     * How many entries the document has, when known: the values get room for all at once. Left to grow,
     * the array is reallocated as later entries are read (an audit event's fields lie some 50 entries apart).
     */
    entries = 0,
  ) {
    this.values = entries > 0 && entries <= MAX_PRESIZED_VALUES ? new Array<unknown>(entries) : [];
  }

  /** The same text and index, rooted at one of its entries (an event inside an EventList). */
  at(entry: number): JsonDocument {
    return new JsonDocument(this.text, this.arena, this.base, entry, this.codes);
  }

  /** Field `field` of entry `entry`. */
  private get(entry: number, field: number): number {
    return this.arena[this.base + entry * Entry.STRIDE + field]!;
  }

  /** The entry of member `key` of the object at `entry`; MISSING when it has none or is not an indexed object. */
  member(entry: number, key: string): number {
    return this.isIndexedObject(entry) ? this.find(entry, key) : Entry.MISSING;
  }

  /** member() of an indexed object. */
  private find(entry: number, key: string): number {
    const a = this.arena;
    const base = this.base;
    const t = this.text;
    const signature = keySignature(key.length, key.length > 0 ? key.charCodeAt(0) : 0);
    // From the last member back: the first found is the one JSON.parse keeps.
    for (let m = a[base + entry * Entry.STRIDE + Entry.LAST]!; m !== Entry.MISSING; ) {
      const b = base + m * Entry.STRIDE;
      const found = a[b + Entry.KEY]!;
      if (found === signature) {
        if (signature === Signature.LONG_KEY ? t.startsWith(key, a[b + Entry.KS]!) && a[b + Entry.KE]! - a[b + Entry.KS]! === key.length : sameText(this.codes, a[b + Entry.KS]!, key)) return m;
      } else if (found === Signature.ESCAPED_KEY && JSON.parse(t.slice(a[b + Entry.KS]! - 1, a[b + Entry.KE]! + 1)) === key) {
        return m;
      }
      m = a[b + Entry.PREV]!;
    }
    return Entry.MISSING;
  }

  /** member(container, key) of an indexed object, where `path` identifies the path from the root that leads there. */
  memberOnPath(path: number, container: number, key: string): number {
    if (pathsOf !== this) {
      pathsOf = this;
      nextGeneration();
    }
    if (path >= pathEntries.length) {
      const size = Math.max(path + 1, pathEntries.length * 2);
      const entries = new Int32Array(size);
      entries.set(pathEntries);
      pathEntries = entries;
      const generations = new Int32Array(size);
      generations.set(pathGenerations);
      pathGenerations = generations;
    }
    if (pathGenerations[path] === generation) return pathEntries[path]!;
    const m = this.find(container, key);
    pathEntries[path] = m;
    pathGenerations[path] = generation;
    return m;
  }

  /** The value of member `key` of the object at `entry`; undefined when there is none. */
  memberValue(entry: number, key: string): unknown {
    const m = this.member(entry, key);
    return m === Entry.MISSING ? undefined : this.value(m);
  }

  /** Whether the value at `entry` is an object whose members are indexed (member() can look into it). */
  isIndexedObject(entry: number): boolean {
    return (this.get(entry, Entry.FLAGS) & (Flag.CHILDREN | Flag.CHILDREN_OF_OBJECT)) === (Flag.CHILDREN | Flag.CHILDREN_OF_OBJECT);
  }

  /** Whether the value at `entry` is an array whose elements are indexed. */
  isIndexedArray(entry: number): boolean {
    return (this.get(entry, Entry.FLAGS) & (Flag.CHILDREN | Flag.CHILDREN_OF_OBJECT)) === Flag.CHILDREN;
  }

  /** Whether the value at `entry` is an object or an array whose members have no entries (it lies at the last indexed level). */
  isUnindexedContainer(entry: number): boolean {
    if ((this.get(entry, Entry.FLAGS) & Flag.CHILDREN) !== 0) return false;
    const c = this.codes[this.get(entry, Entry.VS)];
    return c === 123 /* { */ || c === 91 /* [ */;
  }

  /**
   * What a key finds in the indexed container at `entry`, as value.ts's member() finds it in the parsed
   * value: a member of an object; an element of an array for a decimal key; in anything else nothing.
   */
  step(entry: number, key: string): number {
    const flags = this.get(entry, Entry.FLAGS);
    if ((flags & Flag.CHILDREN) === 0) return Entry.MISSING;
    if ((flags & Flag.CHILDREN_OF_OBJECT) !== 0) return this.find(entry, key);
    if (!INDEX.test(key)) return Entry.MISSING;
    const elements = this.children(entry);
    const i = Number(key);
    return i >= 0 && i < elements.length ? elements[i]! : Entry.MISSING;
  }

  /** The entries of an indexed container's members or elements, in text order. */
  children(entry: number): number[] {
    // Counted first, then filled from the end: the members are linked from the last one back.
    let n = 0;
    for (let m = this.get(entry, Entry.LAST); m !== Entry.MISSING; m = this.get(m, Entry.PREV)) n++;
    const found = new Array<number>(n);
    for (let m = this.get(entry, Entry.LAST); m !== Entry.MISSING; m = this.get(m, Entry.PREV)) found[--n] = m;
    return found;
  }

  /** The value at `entry`, parsed on first use. */
  value(entry: number): unknown {
    const known = this.values[entry - this.root];
    if (known !== undefined) return known;
    const start = this.get(entry, Entry.VS);
    const end = this.get(entry, Entry.VE);
    const t = this.text;
    let v: unknown;
    switch (t.charCodeAt(start)) {
      case 34: // "
        v = this.get(entry, Entry.FLAGS) & Flag.STRING_ESCAPED ? JSON.parse(t.slice(start, end)) : t.slice(start + 1, end - 1);
        break;
      case 116: // t
        v = true;
        break;
      case 102: // f
        v = false;
        break;
      case 110: // n
        v = null;
        break;
      case 123: // {
      case 91: // [
        v = JSON.parse(t.slice(start, end));
        break;
      default:
        v = Number(t.slice(start, end));
    }
    this.values[entry - this.root] = v;
    return v;
  }

  /** The key of the member at `entry` (undefined for an array element or the root). */
  key(entry: number): string | undefined {
    const start = this.get(entry, Entry.KS);
    if (start < 0) return undefined;
    const raw = this.text.slice(start, this.get(entry, Entry.KE));
    return this.get(entry, Entry.KEY) === Signature.ESCAPED_KEY ? (JSON.parse(`"${raw}"`) as string) : raw;
  }

  /** The text's code units (see indexer.ts), at least to the end of the document. */
  get codeUnits(): Uint8Array | Uint16Array {
    return this.codes;
  }

  /** Where the value at `entry` starts and ends in the text. */
  textRange(entry: number): { start: number; end: number } {
    return { start: this.get(entry, Entry.VS), end: this.get(entry, Entry.VE) };
  }

  /** The JSON text of the value at `entry`. */
  textOf(entry: number): string {
    return this.text.slice(this.get(entry, Entry.VS), this.get(entry, Entry.VE));
  }

  /** Length of the value's text, in UTF-16 units. */
  textLength(entry: number): number {
    return this.get(entry, Entry.VE) - this.get(entry, Entry.VS);
  }

  /** How many JSON numbers a container holds. */
  numbersIn(entry: number): number {
    return this.get(entry, Entry.NUMBERS);
  }
}
