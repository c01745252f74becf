// The indexer (capture/json/indexer.ts) against JSON.parse: whatever it vouches for must parse, member by
// member, to what JSON.parse gives; whatever JSON.parse refuses it must refuse; and compact JSON it must
// take (or replay would lose its speed without any test failing).

import { describe, expect, it } from 'vitest';
import { MISSING, type JsonDocument } from '../../capture/json/document.js';
import { indexDocument, JsonIndexer } from '../../capture/json/indexer.js';

/** An ASCII text is indexed from its bytes, as files and request bodies are; any other from its code units. */
const bytesIfAscii = (text: string): Buffer | undefined => (/^[\x00-\x7f]*$/.test(text) ? Buffer.from(text, 'latin1') : undefined);
const index = (text: string, depth = 2): JsonDocument | undefined => new JsonIndexer(text, bytesIfAscii(text)).index(0, text.length, depth);

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Every indexed member reads as JSON.parse reads it, down to `depth` levels. */
function expectSameAsParse(doc: JsonDocument, entry: number, parsed: unknown, depth: number): void {
  expect(doc.value(entry)).toStrictEqual(parsed);
  if (depth === 0 || parsed === null || typeof parsed !== 'object') return;
  if (Array.isArray(parsed)) {
    expect(doc.isIndexedArray(entry)).toBe(true);
    const items = doc.children(entry);
    expect(items.length).toBe(parsed.length);
    items.forEach((item, i) => expectSameAsParse(doc, item, parsed[i], depth - 1));
    return;
  }
  expect(doc.isIndexedObject(entry)).toBe(true);
  const keys = Object.keys(parsed);
  for (const key of keys) {
    const m = doc.member(entry, key);
    expect(m, `member ${JSON.stringify(key)}`).not.toBe(MISSING);
    expectSameAsParse(doc, m, (parsed as Record<string, unknown>)[key], depth - 1);
  }
  // Nothing more than JSON.parse keeps: the members' keys are its keys.
  expect(new Set(doc.children(entry).map((c) => doc.key(c)))).toStrictEqual(new Set(keys));
}

/** The indexer agrees with JSON.parse on `text`: same value when it vouches, refusal when JSON.parse refuses. */
function expectAgreement(text: string, depth = 2): JsonDocument | undefined {
  const doc = index(text, depth);
  if (!parses(text)) {
    expect(doc, `indexed invalid JSON ${JSON.stringify(text)}`).toBeUndefined();
    return undefined;
  }
  if (doc) expectSameAsParse(doc, doc.root, JSON.parse(text), depth);
  return doc;
}

describe('the JSON indexer', () => {
  it('reads strings with escaped quotes, backslashes, slashes and control escapes as JSON.parse does', () => {
    for (const text of [
      String.raw`{"a":"say \"hi\"","b":"C:\\temp\\","c":"\/x\/","d":"\b\f\n\r\t","e":"\\\"","f":"\\"}`,
      String.raw`{"reason":"RBAC: allowed by ClusterRoleBinding \"system:controller\" of ClusterRole \"x\"","n":1}`,
      String.raw`{"s":"\\\\\\\\","t":"a\\"}`,
    ]) {
      expect(expectAgreement(text), text).toBeDefined();
    }
  });

  it('reads unicode escapes, surrogate pairs, lone surrogates and raw non-ASCII text', () => {
    for (const text of [
      String.raw`{"a":"\u0041\u00e9\u4e2d","b":"\ud83d\ude00","c":"\ud800","d":"\uDC00x","e":"\u0000"}`,
      '{"a":"é中😀","ü":"ok","b":["ß"]}',
      String.raw`{"\u006b":"escaped key","k":"plain key"}`,
    ]) {
      expect(expectAgreement(text), text).toBeDefined();
    }
  });

  it('reads runs of string members below the indexed levels, escapes and all', () => {
    for (const text of [
      String.raw`{"a":{"b":{"c":"x","d":"y\"z","e":"w","f":"\\","g":"\u0041"}}}`,
      '{"a":{"b":{"c":"x","d":1,"e":"w","f":{"g":"h","i":"j"},"k":"l"}}}',
      '{"a":{"b":{"c" : "x" , "d":"y","e":[ "w","v" ]}}}',
    ]) {
      expect(expectAgreement(text, 2), text).toBeDefined();
      expect(expectAgreement(text, 1), text).toBeDefined();
    }
  });

  it('reads nested objects and arrays, empty ones, numbers and literals', () => {
    const text = JSON.stringify({
      kind: 'Event',
      user: { username: 'alice', groups: ['a', 'b'], extra: { x: [] } },
      objectRef: { resource: 'pods' },
      requestObject: { spec: { containers: [{ image: 'nginx', securityContext: { privileged: true } }] }, metadata: {} },
      list: [[], {}, [[1]], { a: { b: { c: null } } }],
      numbers: [0, -0, 1.5, -2e-7, 1e21, 123456789012345678901234567890, 3.0],
      flags: [true, false, null],
      empty: {},
      none: [],
    });
    for (const depth of [0, 1, 2, 3, 6]) expect(expectAgreement(text, depth)).toBeDefined();
    expect(expectAgreement('{"n":-0,"e":1E+2,"f":0.5e-3,"g":-12.25E2}')).toBeDefined();
    expect(Object.is(index('{"n":-0}')!.memberValue(0, 'n'), -0)).toBe(true);
  });

  it('keeps the last of duplicate keys, as JSON.parse, at every indexed level', () => {
    const doc = expectAgreement('{"a":1,"b":{"x":1,"x":2},"a":3,"a":{"y":1,"y":[2]}}', 2)!;
    expect(doc.memberValue(doc.root, 'a')).toStrictEqual({ y: [2] });
    expect(doc.memberValue(doc.member(doc.root, 'a'), 'y')).toStrictEqual([2]);
    expect(doc.memberValue(doc.member(doc.root, 'b'), 'x')).toBe(2);
    // An escaped spelling of a key is the same key.
    const escaped = expectAgreement(String.raw`{"kind":"first","\u006bind":"second"}`)!;
    expect(escaped.memberValue(escaped.root, 'kind')).toBe('second');
  });

  it('finds keys exactly: empty, __proto__, prefixes, escaped and long keys', () => {
    const long = 'k'.repeat(40_000);
    const doc = expectAgreement(`{"":1,"__proto__":2,"ab":3,"abc":4,"a\\"b":5,"${long}":6}`)!;
    expect(doc.memberValue(0, '')).toBe(1);
    expect(doc.memberValue(0, '__proto__')).toBe(2);
    expect(doc.memberValue(0, 'ab')).toBe(3);
    expect(doc.memberValue(0, 'a')).toBeUndefined();
    expect(doc.memberValue(0, 'a"b')).toBe(5);
    expect(doc.memberValue(0, long)).toBe(6);
    expect(doc.memberValue(0, long + 'k')).toBeUndefined();
    expect(doc.memberValue(0, 'constructor')).toBeUndefined();
  });

  it('refuses everything JSON.parse refuses', () => {
    for (const text of [
      '',
      ' ',
      '{',
      '{"a":1',
      '{"a":1}}',
      '{"a":1,}',
      '[1,]',
      '[,1]',
      '{"a" 1}',
      '{"a":}',
      '{a:1}',
      "{'a':1}",
      '{"a":"unterminated}',
      '{"a":"bad escape \\x"}',
      '{"a":"short unicode \\u12"}',
      '{"a":"bad unicode \\u12g4"}',
      '{"a":"ends in a backslash\\"}',
      '{"a":01}',
      '{"a":1.}',
      '{"a":.5}',
      '{"a":-}',
      '{"a":1e}',
      '{"a":+1}',
      '{"a":NaN}',
      '{"a":tru}',
      '{"a":nul}',
      '{"a":falsey}',
      '{"a":[1 2]}',
      '{"a":1 "b":2}',
      '{"a":[}',
      '{"a":{]}',
      '[1]]',
      '{"a":1} x',
      '{"a":"tab\tinside"}',
      '{"a":"newline\ninside"}',
      '{"a":"nul\u0000inside"}',
      // Below the indexed levels, where runs of compact string members are read in a row.
      '{"a":{"b":{"c":"x","d":"y",}}}',
      '{"a":{"b":{"c":"x","d":"y" "e":"z"}}}',
      '{"a":{"b":{"c":"x","d:"y"}}}',
      '{"a":{"b":{"c":"x","d":"y","e":"z\\q"}}}',
      '{"a":{"b":{"c":"x","d":"y","e"}}}',
      '{"a":{"b":{"c":"x","d":"y"]}}',
    ]) {
      expect(parses(text), text).toBe(false);
      expect(index(text), text).toBeUndefined();
    }
  });

  it('leaves what it does not take to JSON.parse: other whitespace, control characters, deep nesting', () => {
    expect(index('{"a":\t1}')).toBeUndefined();
    expect(index('{\n"a":1\n}')).toBeUndefined();
    expect(index('{"a":1}\r')).toBeUndefined();
    expect(index('['.repeat(600) + ']'.repeat(600))).toBeUndefined();
    expect(index('['.repeat(500) + ']'.repeat(500))).toBeDefined();
    expect(index(' {"a" : [ 1 , 2 ] } ')).toBeDefined();
  });

  it('agrees with JSON.parse on random documents and on every one-character change of them', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pieces = ['a', 'kind', 'é', '"', '\\', '\n', 'x y', '\u2028', '😀', '\ud800'];
    const value = (depth: number): unknown => {
      switch (random(depth > 3 ? 4 : 7)) {
        case 0:
          return pieces[random(pieces.length)]! + pieces[random(pieces.length)]!;
        case 1:
          return random(3) === 0 ? -random(1000) / 8 : random(100000);
        case 2:
          return [true, false, null][random(3)];
        case 3:
          return '';
        case 4:
        case 5: {
          const o: Record<string, unknown> = {};
          for (let i = random(5); i > 0; i--) o[pieces[random(pieces.length)]! + random(3)] = value(depth + 1);
          return o;
        }
        default:
          return Array.from({ length: random(4) }, () => value(depth + 1));
      }
    };
    const alphabet = ['"', '\\', '{', '}', '[', ']', ':', ',', ' ', '0', '-', 'e', '.', 'u', 'n', 't', 'a', '\t'];
    let checked = 0;
    for (let n = 0; n < 200; n++) {
      const text = JSON.stringify({ doc: value(0), more: value(1) });
      const doc = expectAgreement(text, 1 + (n % 3));
      // Compact JSON without control characters: the indexer must take it.
      if (!/[\x00-\x1f]/.test(text)) expect(doc, text).toBeDefined(); // eslint-disable-line no-control-regex
      for (let k = 0; k < 10; k++) {
        const at = random(text.length);
        const change = random(3);
        const c = alphabet[random(alphabet.length)]!;
        const mutated =
          change === 0 ? text.slice(0, at) + text.slice(at + 1) : change === 1 ? text.slice(0, at) + c + text.slice(at) : text.slice(0, at) + c + text.slice(at + 1);
        expectAgreement(mutated, 2);
        checked++;
      }
    }
    expect(checked).toBe(2000);
  });

  it('indexes many values of one text in turn, each on its own', () => {
    const lines = ['{"a":"x\\"y"}', '{"b":[1,2]}', 'not json', '{"c":"\\\\"}', '{"d":1}'];
    const text = lines.join('\n');
    const indexer = new JsonIndexer(text, bytesIfAscii(text));
    let at = 0;
    const found = lines.map((line) => {
      const doc = indexer.index(at, at + line.length, 2);
      at += line.length + 1;
      return doc ? doc.value(doc.root) : undefined;
    });
    expect(found).toStrictEqual([{ a: 'x"y' }, { b: [1, 2] }, undefined, { c: '\\' }, { d: 1 }]);
  });

  it('indexes the member on a deep path further down, and only that one', () => {
    const deep = ['requestObject', 'spec'];
    const spec = { containers: [{ image: 'a', securityContext: { privileged: true, capabilities: { add: ['X'] } } }, []], e: {}, n: -1.5e3, 'k\\"': null };
    const event = { spec: { x: 1 }, requestObject: { metadata: { name: 'p' }, spec, status: { a: { b: 1 } } }, other: { spec: { y: [2] } } };
    const text = JSON.stringify(event);
    const doc = new JsonIndexer(text, bytesIfAscii(text)).index(0, text.length, 2, deep)!;
    expectSameAsParse(doc, doc.root, event, 2);
    const specEntry = doc.member(doc.member(doc.root, 'requestObject'), 'spec');
    // The spec: indexed down to the capabilities' elements; its siblings' members and other specs not.
    expectSameAsParse(doc, specEntry, spec, 6);
    expect(doc.isUnindexedContainer(specEntry)).toBe(false);
    expect(doc.isUnindexedContainer(doc.member(doc.member(doc.root, 'requestObject'), 'status'))).toBe(true);
    expect(doc.isUnindexedContainer(doc.member(doc.member(doc.root, 'other'), 'spec'))).toBe(true);
    expect(doc.isUnindexedContainer(doc.member(doc.member(doc.root, 'spec'), 'x'))).toBe(false); // a number
    // Nested past the deep levels: left to JSON.parse below them, the same value either way.
    const nested = JSON.stringify({ requestObject: { spec: { a: [[[[[[[[[[1]]]]]]]]]] } } });
    const n = new JsonIndexer(nested, bytesIfAscii(nested)).index(0, nested.length, 2, deep)!;
    expectSameAsParse(n, n.root, JSON.parse(nested), 9);
    // What JSON.parse refuses, the indexer refuses inside the deep member too; an escaped key is not on the path.
    for (const bad of ['{"requestObject":{"spec":{"a":[1,]}}}', '{"requestObject":{"spec":{"a":"\\x"}}}']) expect(new JsonIndexer(bad).index(0, bad.length, 2, deep)).toBeUndefined();
    const escaped = '{"requestObject":{"sp\\u0065c":{"a":1}}}';
    const e = new JsonIndexer(escaped).index(0, escaped.length, 2, deep)!;
    expect(e.value(e.root)).toStrictEqual(JSON.parse(escaped));
    expect(e.isUnindexedContainer(e.member(e.member(e.root, 'requestObject'), 'spec'))).toBe(true);
  });

  it('crosses containers below the indexed levels as it reads indexed ones: nesting, numbers, size, text', () => {
    // Nesting: the same limit whether the innermost levels are crossed (depth 0, 2) or indexed (depth 600).
    for (const n of [511, 512, 513]) {
      const nested = '['.repeat(n) + ']'.repeat(n);
      const taken = n <= 512;
      for (const depth of [0, 2, 600]) expect(index(nested, depth) !== undefined, `${n} levels, depth ${depth}`).toBe(taken);
    }
    // Numbers inside crossed containers count towards the size bound.
    const numbers = index('{"a":{"b":[1,-2.5e3,{"c":0}],"d":"1","e":[[2],{"f":3E+1}]}}', 1)!;
    expect(numbers.numbersIn(numbers.root)).toBe(5);
    // Longer than the WebAssembly memory the crossing starts with, and not ASCII.
    const big = { a: { b: Array.from({ length: 40_000 }, (_, i) => ({ s: `é${i}\\"`, n: i / 7, t: [true, null] })) }, c: 'x' };
    expect(expectAgreement(JSON.stringify(big), 1)).toBeDefined();
    const bad = JSON.stringify(big).replace('"s":"é7', '"s":"\\xé7');
    expect(bad).toContain('\\xé7');
    expect(expectAgreement(bad, 1)).toBeUndefined();
    // One text after another: each crossing reads its own text.
    for (const text of ['{"a":{"b":"x"}}', '{"a":{"b":"y",}}', '{"a":{"b":[1]}}']) expectAgreement(text, 0);
  });

  it('indexes a request body whole, after a byte check for control characters', () => {
    const text = ' {"kind":"EventList","items":[{"a":1},{"b":"\\u0007"}]} ';
    const doc = indexDocument(text, Buffer.from(text), 4)!;
    expect(doc.value(doc.root)).toStrictEqual(JSON.parse(text));
    expect(indexDocument('{"a":\n1}', Buffer.from('{"a":\n1}'), 4)).toBeUndefined();
    const unicode = '{"items":[{"é":"中😀"}]}';
    expect(indexDocument(unicode, Buffer.from(unicode), 4)!.value(0)).toStrictEqual(JSON.parse(unicode));
  });
});

describe('control characters', () => {
  it('make the indexer refuse a value wherever they are, so that JSON.parse reads it (and reports it)', () => {
    const text = JSON.stringify({ a: 'x'.repeat(20), b: [1, 'y\\"z', { c: true }], d: { e: 'é' } });
    const ascii = JSON.stringify({ a: 'x'.repeat(20), b: [1, 'y\\"z', { c: true }, -1.5e3, null, false], d: { e: 'f' } });
    for (const base of [text, ascii]) {
      expect(index(base, 2)).toBeDefined();
      for (let at = 0; at <= base.length; at++) {
        for (const control of ['\x00', '\t', '\n', '\r', '\x1f']) {
          const changed = base.slice(0, at) + control + base.slice(at);
          for (const depth of [0, 1, 2, 3]) expect(index(changed, depth), `${JSON.stringify(changed)} at depth ${depth}`).toBeUndefined();
        }
      }
    }
  });
});
