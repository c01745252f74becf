// The WebAssembly module that scans JSON text for the indexer: the crossing of unindexed containers and
// the string skip (subtree.ts), the scan of the indexed levels (index-scan.ts), over one memory laid out as
// scan-layout.ts says. Assembled here at load time (see wasm-assembler.ts); this file is its JavaScript side.

import { STRIDE } from './document.js';
import { ROW, TABLE, KEY_OR_CLOSE, VALUE_OR_CLOSE } from './grammar.js';
import { byteClasses, type Callees, escapedEndBody, indexBody, onDeepPathBody, sameKeyBody } from './index-scan.js';
import { CLASS_AT, DEEP_AT, DEEP_KEY_BYTES, DEEP_KEYS_AT, MAX_DEEP_KEYS, MAX_DEPTH, PAGE, RESULT_NUMBERS, TABLE_AT, TEXT_AT } from './scan-layout.js';
import { crossingBodies } from './subtree.js';
import { I32, name, section, uleb } from './wasm-assembler.js';

const CALLEES: Callees = { cross: 0, stop: 1, sameKey: 2, escapedEnd: 3, onDeepPath: 4 };
const INDEX = 5;

function moduleBytes(): Uint8Array {
  const signature = (params: number): number[] => [0x60, params, ...Array<number>(params).fill(I32), 0x01, I32];
  // Types by parameter count: every function takes and returns i32s.
  const types = [1, 2, 3, 4, 6];
  const typeOf = (params: number): number => types.indexOf(params);
  const { cross, stop } = crossingBodies();
  const functions: [params: number, body: number[]][] = [
    [3, [...uleb(cross.length), ...cross]],
    [1, [...uleb(stop.length), ...stop]],
    [3, sameKeyBody()],
    [2, escapedEndBody(CALLEES)],
    [4, onDeepPathBody(CALLEES)],
    [6, indexBody(CALLEES)],
  ];
  const exported = (n: string, index: number): number[] => [...name(n), 0x00, ...uleb(index)];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [...uleb(types.length), ...types.flatMap(signature)]),
    ...section(3, [...uleb(functions.length), ...functions.map(([params]) => typeOf(params))]),
    ...section(5, [0x01, 0x00, ...uleb(Math.ceil(TEXT_AT / PAGE) + 1)]),
    ...section(7, [0x04, ...name('memory'), 0x02, 0x00, ...exported('cross', CALLEES.cross), ...exported('stop', CALLEES.stop), ...exported('index', INDEX)]),
    ...section(10, [...uleb(functions.length), ...functions.flatMap(([, body]) => body)]),
  ]); // prettier-ignore
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
const index = instance.exports['index'] as (start: number, end: number, depth: number, deep: number, out: number, outEnd: number) => number;
let bytes = new Uint8Array(memory.buffer);
let words = new Int32Array(memory.buffer);
bytes.set(new Uint8Array(TABLE.buffer), TABLE_AT);
bytes.set(byteClasses(), CLASS_AT);

/** Grows the memory to at least `size` bytes (views of the old buffer are detached by growing). */
function reserve(size: number): void {
  if (size <= memory.buffer.byteLength) return;
  memory.grow(Math.ceil((size - memory.buffer.byteLength) / PAGE));
  bytes = new Uint8Array(memory.buffer);
  words = new Int32Array(memory.buffer);
}

/** Whose text the module's memory holds (see loadText). */
let loadedFor: object | undefined;
/** Where index() writes entries: after the loaded text and its padding, 4-byte aligned. */
let entriesAt = 0;

/**
 * Puts `text` (code units as bytes, ending with a control byte) in the module's memory for scans, unless
 * the text of `owner` is already there.
 */
export function loadText(owner: object, text: Uint8Array): void {
  if (loadedFor === owner) return;
  entriesAt = (TEXT_AT + text.length + 16 + 3) & ~3; // a string's last bytes are read sixteen at a time
  reserve(entriesAt + 64 * STRIDE * 4);
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

/** The deep path whose keys the module holds. */
let deepLoaded: readonly string[] | undefined;

function loadDeepPath(keys: readonly string[], depth: number): void {
  if (keys === deepLoaded) return;
  if (keys.length < depth || depth > MAX_DEEP_KEYS) throw new Error(`indexer: a deep path of ${keys.length} keys for ${depth} levels`);
  let at = DEEP_KEYS_AT;
  for (let j = 0; j < depth; j++) {
    const key = keys[j]!;
    // Compared with the text's bytes, where code units past 0x7f are all 0x80 (see indexer.ts).
    if (!/^[\x20-\x7e]*$/.test(key)) throw new Error(`indexer: deep path key ${JSON.stringify(key)} is not printable ASCII`);
    if (at + key.length > DEEP_KEYS_AT + DEEP_KEY_BYTES) throw new Error('indexer: deep path keys too long');
    words[(DEEP_AT >> 2) + 2 * j] = at;
    words[(DEEP_AT >> 2) + 2 * j + 1] = key.length;
    bytes.set(Buffer.from(key, 'latin1'), at);
    at += key.length;
  }
  deepLoaded = keys;
}

/** The entries written by the last indexValue, as 32-bit words of the module's memory (see entryWords). */
export let entriesWord = 0;

/**
 * Indexes the value at [start, end) of the text loaded last, `depth` levels deep (and DEEP_LEVELS more in
 * the member on `deep`): how many entries were written (from entriesWord of entryWords()), or -1 when the
 * scan does not vouch for the value.
 */
export function indexValue(start: number, end: number, depth: number, deep: readonly string[] | undefined): number {
  if (deep !== undefined) loadDeepPath(deep, depth);
  for (;;) {
    const n = index(start, end, depth, deep === undefined ? 0 : 1, entriesAt, memory.buffer.byteLength);
    if (n !== -2) {
      entriesWord = entriesAt >> 2;
      return n;
    }
    reserve(2 * memory.buffer.byteLength);
  }
}

/** The module's memory as words, to copy entries from (valid until the next scan). */
export function entryWords(): Int32Array {
  return words;
}
