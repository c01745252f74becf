import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsonEvent, type JsonEvent } from '../../capture/json/event.js';
import { jsonExtractors } from '../../capture/json/fields.js';
import { indentJson } from '../../capture/json/indent.js';
import { parsePointer } from '../../capture/json/pointer.js';
import { CORPUS, CORPUS_ABSENT, hasSamples } from './corpus.js';

const doc = {
  name: 'a',
  n: 1.5,
  flag: false,
  nothing: null,
  list: [10, { deep: 'x' }],
  'a/b': 'slash',
  'm~n': 'tilde',
  nested: { empty: {}, none: [] },
};

function ev(value: unknown, text?: string): JsonEvent {
  const parsed = jsonEvent(value, 1_700_000_000_123_456_789n, text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.event;
}

const get = (field: string, event: JsonEvent, arg?: string) => jsonExtractors[field]!(arg)(event);

describe('json.value / jevt.value', () => {
  const e = ev(doc);
  it('extracts strings as they are and other values as JSON text', () => {
    expect(get('json.value', e, '/name')).toBe('a');
    expect(get('json.value', e, '/n')).toBe('1.5');
    expect(get('json.value', e, '/flag')).toBe('false');
    expect(get('json.value', e, '/nothing')).toBe('null');
    expect(get('json.value', e, '/list')).toBe('[10,{"deep":"x"}]');
    expect(get('jevt.value', e, '/nested')).toBe('{"empty":{},"none":[]}');
  });
  it('indexes arrays by decimal number and unescapes ~1 and ~0', () => {
    expect(get('json.value', e, '/list/1/deep')).toBe('x');
    expect(get('json.value', e, '/list/0')).toBe('10');
    expect(get('json.value', e, '/a~1b')).toBe('slash');
    expect(get('json.value', e, '/m~0n')).toBe('tilde');
  });
  it('is missing when the pointer finds nothing', () => {
    expect(get('json.value', e, '/absent')).toBeUndefined();
    expect(get('json.value', e, '/list/2')).toBeUndefined();
    expect(get('json.value', e, '/list/x')).toBeUndefined();
    expect(get('json.value', e, '/name/0')).toBeUndefined();
    expect(get('json.value', e, '/constructor')).toBeUndefined();
    expect(get('json.value', e, '/nothing/x')).toBeUndefined();
  });
  it('accepts a pointer without the leading slash, as the plugin does', () => {
    expect(get('json.value', e, 'name')).toBe('a');
  });
  it('refuses a missing argument at compile time', () => {
    expect(() => jsonExtractors['json.value']!(undefined)).toThrow(/requires a JSON pointer argument/);
    expect(parsePointer('json.value', '/')).toEqual(['']);
  });
});

describe('json.obj, json.rawtime', () => {
  it('indents the original text with two spaces, keeping numbers and order as written', () => {
    const text = '{"b": 1.0, "a":[ ], "c":{"x":[1,2e3]},"s":"q\\"uote"}';
    expect(get('json.obj', ev(JSON.parse(text), text))).toBe(
      '{\n  "b": 1.0,\n  "a": [],\n  "c": {\n    "x": [\n      1,\n      2e3\n    ]\n  },\n  "s": "q\\"uote"\n}',
    );
  });
  it('indents the parsed value when there is no original text', () => {
    expect(get('jevt.obj', ev({ a: [1] }))).toBe('{\n  "a": [\n    1\n  ]\n}');
  });
  it('gives the event time in ns as a decimal string', () => {
    expect(get('json.rawtime', ev({}))).toBe('1700000000123456789');
    expect(get('jevt.rawtime', ev([]))).toBe('1700000000123456789');
  });
  it('matches JSON.stringify(…, 2) on any document', () => {
    const value = { k: [{}, [], 'x,y:z', { '': null }], t: true };
    expect(indentJson(JSON.stringify(value))).toBe(JSON.stringify(value, null, 2));
  });
});

describe('json events', () => {
  it('are objects or arrays, as the json plugin requires', () => {
    expect(jsonEvent(3, 0n)).toEqual({ ok: false, reason: 'a JSON event must be an object or an array, not number' });
    expect(jsonEvent(null, 0n).ok).toBe(false);
    expect(jsonEvent([1], 0n).ok).toBe(true);
  });
});

describe.skipIf(!hasSamples)(`the json field table ${hasSamples ? '' : CORPUS_ABSENT}`, () => {
  it('every field of the json plugin has an extractor', () => {
    const names = readFileSync(`${CORPUS}fields/json_fields.tsv`, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')[0]);
    expect(Object.keys(jsonExtractors).sort()).toEqual(names.sort());
  });
});
