// Reading members below the index (capture/json/member-text.ts, through access.ts) against JSON.parse:
// a path into a container the index does not cover must read what JSON.parse of the whole text holds there.

import { describe, expect, it } from 'vitest';
import { compileDocumentAccess } from '../../capture/json/access.js';
import { JsonIndexer } from '../../capture/json/indexer.js';
import { memberRange, parseRange } from '../../capture/json/member-text.js';
import { compileAccess } from '../../capture/json/value.js';

const index = (text: string, depth: number) => {
  const bytes = /^[\x00-\x7f]*$/.test(text) ? Buffer.from(text, 'latin1') : undefined;
  const doc = new JsonIndexer(text, bytes).index(0, text.length, depth);
  if (doc === undefined) throw new Error(`not indexed: ${text}`);
  return doc;
};

const OBJECTS = [
  '{"a":1,"b":"two","c":{"d":[1,2,{"e":"f"}],"g":null},"h":true}',
  '{ "a" : 1 , "b" : { "x" : "y" } , "c" : [ ] , "d" : { } }',
  '{"a":1,"a":2,"b":{"k":"first"},"b":{"k":"second"}}',
  '{"q\\"uote":"v1","back\\\\slash":"v2","\\u0061":"escaped a","s":"with \\"quotes\\" and \\\\"}',
  '{"n":-1.5e3,"t":true,"f":false,"z":null,"str":"}{][,:","arr":["]","}",{"x":"\\\\"}],"last":"end"}',
  '{"__proto__":{"x":1},"constructor":"c","length":3,"0":"zero","01":"zero-one"}',
  '{"é":"accent","k":"ünïcödé","emoji":"😀"}',
  '{}',
];

function keysOf(v: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  out.push(prefix);
  if (v !== null && typeof v === 'object') {
    for (const [k, child] of Object.entries(v)) keysOf(child, [...prefix, k], out);
  }
  return out;
}

describe('members read from JSON text', () => {
  it('finds each member as JSON.parse does, duplicates included', () => {
    for (const text of OBJECTS) {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      for (const key of [...Object.keys(parsed), 'missing', '', 'a"']) {
        // On the text's code units, as a document holds them (with the indexer's closing 0).
        const codes = Uint16Array.from({ length: text.length + 1 }, (_, i) => (i < text.length ? text.charCodeAt(i) : 0));
        const range = memberRange(text, codes, 0, key);
        if (!Object.hasOwn(parsed, key)) {
          expect(range, `${text} ${key}`).toBeUndefined();
          continue;
        }
        expect(range, `${text} ${key}`).toBeDefined();
        expect(parseRange(text, codes, range!)).toStrictEqual(parsed[key]);
      }
    }
  });

  it('reads paths below the index as the parsed value does', () => {
    for (const text of OBJECTS) {
      const wrapped = `{"top":{"mid":${text}},"other":[${text}]}`;
      const parsed = JSON.parse(wrapped) as unknown;
      // Depth 1 and 2: the object under test lies below the index.
      for (const depth of [1, 2]) {
        const doc = index(wrapped, depth);
        const paths = [...keysOf(parsed), ['top', 'mid', 'missing'], ['top', 'mid', 'n', 'deeper'], ['other', '0', 'a'], ['other', '+0', 'c', 'd', '2', 'e']];
        for (const path of paths) {
          expect(compileDocumentAccess(path)(doc), `${wrapped} ${path.join('.')}`).toStrictEqual(compileAccess(path)(parsed));
        }
      }
    }
  });
});
