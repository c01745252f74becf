// The WebAssembly scan of the indexed levels (capture/json/index-scan.ts) against the JavaScript scan it
// replaced (json-index-reference.ts): the same entries, field for field, on the corpus samples and on
// generated and mutated JSON, at several depths, with and without the deep path; refusals only where the
// reference refuses.

import { describe, expect, it } from 'vitest';
import { CHILDREN, FLAGS, KE, KEY, KS, LAST, NUMBERS, PREV, STRIDE, VE, VS, type JsonDocument } from '../../capture/json/document.js';
import { JsonIndexer } from '../../capture/json/indexer.js';
import { k8sSamples } from './corpus.js';
import { ReferenceIndexer } from './json-index-reference.js';

const DEEP = ['requestObject', 'spec'];
const isAsciiText = (text: string): boolean => /^[\x00-\x7f]*$/.test(text); // eslint-disable-line no-control-regex

/** A document's entries as the arena holds them (read through its private fields: what is compared is the layout). */
function entries(doc: JsonDocument): Int32Array[] {
  const { arena, base } = doc as unknown as { arena: Int32Array; base: number };
  const reached: number[] = [];
  const walk = (e: number): void => {
    reached.push(e);
    if (arena[base + e * STRIDE + FLAGS]! & CHILDREN) for (const c of doc.children(e)) walk(c);
  };
  walk(doc.root);
  const count = Math.max(...reached) + 1;
  expect(new Set(reached).size).toBe(count); // every entry is some container's member
  return Array.from({ length: count }, (_, e) => arena.subarray(base + e * STRIDE, base + (e + 1) * STRIDE));
}

function expectSameEntries(found: JsonDocument, wanted: JsonDocument, ascii: boolean, what: string): void {
  const a = entries(found);
  const b = entries(wanted);
  expect(a.length, what).toBe(b.length);
  for (let e = 0; e < a.length; e++) {
    const x = a[e]!;
    const y = b[e]!;
    const fields = [VS, VE, KS, KE, PREV, FLAGS, NUMBERS];
    // An array element's signature is whatever came before (never read); in ASCII text it still agrees.
    if (ascii || y[KS]! >= 0) fields.push(KEY);
    // A scalar's LAST is not written by the reference (whatever the arena held).
    if (y[FLAGS]! & CHILDREN) fields.push(LAST);
    for (const f of fields) expect(x[f], `${what}: entry ${e} field ${f}`).toBe(y[f]);
  }
}

/** Indexes every line of `lines` (joined as a block of JSON lines) both ways and compares. */
function compareLines(lines: string[], depth: number, deep: string[] | undefined): number {
  const text = lines.join('\n');
  const ascii = isAsciiText(text);
  const bytes = ascii ? Buffer.from(text + '\n', 'latin1') : undefined;
  const indexer = new JsonIndexer(text, bytes);
  const reference = new ReferenceIndexer(text, 'lines', false, bytes);
  let indexed = 0;
  let at = 0;
  for (const line of lines) {
    const what = `${JSON.stringify(line.slice(0, 200))} depth ${depth}${deep ? ' deep' : ''}`;
    const wanted = reference.index(at, at + line.length, depth, deep);
    const found = indexer.index(at, at + line.length, depth, deep);
    expect(found === undefined, what).toBe(wanted === undefined);
    if (found && wanted) {
      expectSameEntries(found, wanted, ascii, what);
      indexed++;
    }
    at += line.length + 1;
  }
  return indexed;
}

describe('the WebAssembly scan of the indexed levels', () => {
  it('writes the entries the JavaScript scan wrote, on every corpus sample', () => {
    const samples = k8sSamples().map((s) => s.text);
    if (samples.length === 0) return;
    for (const depth of [0, 1, 2, 3]) {
      for (const deep of [undefined, depth === 2 ? DEEP : undefined]) expect(compareLines(samples, depth, deep)).toBe(samples.length);
    }
  });

  it('writes the same entries on generated JSON and every kind of change to it', () => {
    let seed = 11;
    const random = (n: number): number => {
      // The high bits: an LCG's low bits repeat with short periods, which would leave most shapes out.
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return (seed >>> 12) % n;
    };
    const keys = ['requestObject', 'spec', 'a', '', 'é', 'ü中', 'k"q', 'sp\\e', 'x'.repeat(40)];
    const value = (depth: number): unknown => {
      switch (random(depth > 5 ? 4 : 8)) {
        case 0:
          return ['x', 'a"b', 'c\\d', '\u00e9', '😀', '\u2028', 'tab\t', ''][random(8)];
        case 1:
          return [0, -0.5, 12345, 1e21, -3e-9, 7][random(6)];
        case 2:
          return [true, false, null][random(3)];
        case 3:
          return '';
        case 4:
        case 5:
        case 6: {
          const o: Record<string, unknown> = {};
          for (let i = random(5); i > 0; i--) o[keys[random(keys.length)]!] = value(depth + 1);
          return o;
        }
        default:
          return Array.from({ length: random(4) }, () => value(depth + 1));
      }
    };
    const alphabet = ['"', '\\', '{', '}', '[', ']', ':', ',', ' ', '0', '-', 'e', '.', 'u', 'n', 't', 'a', '\t', 'é'];
    const lines: string[] = [];
    for (let n = 0; n < 150; n++) {
      const doc = { requestObject: { spec: value(2), metadata: value(3) }, other: value(1), [keys[random(keys.length)]!]: value(0) };
      const text = JSON.stringify(random(4) === 0 ? [doc, value(0)] : doc).replace(/,/g, () => [',', ' , ', ','][random(3)]!);
      lines.push(text);
      for (let k = 0; k < 8; k++) {
        const at = random(text.length);
        const c = alphabet[random(alphabet.length)]!;
        const change = random(3);
        lines.push(change === 0 ? text.slice(0, at) + text.slice(at + 1) : change === 1 ? text.slice(0, at) + c + text.slice(at) : text.slice(0, at) + c + text.slice(at + 1));
      }
    }
    // The same lines in an ASCII block (non-ASCII ones dropped) and in one that is not.
    const asciiLines = lines.filter(isAsciiText);
    let indexed = 0;
    for (const depth of [0, 1, 2, 3, 5]) {
      for (const deep of depth === 2 ? [undefined, DEEP] : [undefined]) {
        indexed += compareLines(lines, depth, deep);
        indexed += compareLines(asciiLines, depth, deep);
      }
    }
    expect(indexed).toBeGreaterThan(1000);
  });

  it('writes the same entries on edge cases: nesting, long keys, escapes at every level, empty containers', () => {
    const cases = [
      '[]',
      '{}',
      '"x"',
      '-0',
      'true',
      ' [ [ ] , { } , [ 1 ] ] ',
      '[' .repeat(512) + ']'.repeat(512),
      '{"a":'.repeat(300) + '1' + '}'.repeat(300),
      `{"${'k'.repeat(40_000)}":1,"b":[{"${'j'.repeat(0x8000)}":2,"${'i'.repeat(0x7fff)}":3}]}`,
      String.raw`{"\u0072equestObject":{"spec":{"a":1}},"requestObject":{"sp\u0065c":{"b":2},"spec":{"c":[{"d":{"e":[1]}}]},"spec":{"again":{"x":1}}}}`,
      String.raw`{"requestObject":[{"spec":{"a":1}}],"x":{"requestObject":{"spec":{"a":1}}}}`,
      String.raw`{"é":{"ü":"\u00e9\"","中":[1,"\\"]},"requestObject":{"spec":{"é":{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":1}}}}}}}}}}}}`,
      '{"a":1}\t',
      '{"a":"x\u007f\u0080"}',
    ];
    for (const depth of [0, 1, 2, 4, 600]) {
      compareLines(cases, depth, undefined);
      if (depth === 2) compareLines(cases, depth, DEEP);
    }
  });
});
