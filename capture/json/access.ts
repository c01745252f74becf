// Reading an event's value at a path fixed when a rule is compiled. An event read from indexed text
// (document.ts) is parsed only along the path: the members the path crosses, down to the first one the
// index does not cover, in whose text the rest of the path is found (member-text.ts) and only the value
// at its end parsed.

import { MISSING, type JsonDocument } from './document.js';
import type { JsonEvent } from './event.js';
import { memberRange, parseRange, type TextRange } from './member-text.js';
import { compileAccess } from './value.js';

export type EventAccess = (event: JsonEvent) => unknown;

/**
 * Paths from the root, numbered: many fields read through the same members (`requestObject.spec` for a
 * dozen pod fields), and a document remembers where each numbered path led.
 */
const pathNumbers = new Map<string, number>();

export function pathNumber(keys: readonly string[]): number {
  const name = JSON.stringify(keys);
  let n = pathNumbers.get(name);
  if (n === undefined) pathNumbers.set(name, (n = pathNumbers.size));
  return n;
}

/** The value at a fixed path of an indexed document, parsing only along the path. */
export function compileDocumentAccess(keys: readonly string[]): (doc: JsonDocument) => unknown {
  const paths = keys.map((_, i) => pathNumber(keys.slice(0, i + 1)));
  // The rest of the path from each key on, for when the index stops covering it.
  const rest = keys.map((_, i) => compileAccess(keys.slice(i)));
  const length = keys.length;
  return (doc) => {
    let entry = doc.root;
    let i = 0;
    for (; i < length && doc.isIndexedObject(entry); i++) {
      entry = doc.memberOnPath(paths[i]!, entry, keys[i]!);
      if (entry === MISSING) return undefined;
    }
    if (i === length) return doc.value(entry);
    if (!doc.isUnindexedContainer(entry)) return rest[i]!(doc.value(entry));
    // Below the index: the members on the path are found in the container's text, which is not parsed.
    const text = doc.text;
    const codes = doc.codeUnits;
    let range: TextRange | undefined = doc.textRange(entry);
    for (; i < length; i++) {
      if (codes[range.start] !== OPEN_OBJECT) return rest[i]!(parseRange(text, codes, range));
      range = memberRange(text, codes, range.start, keys[i]!);
      if (range === undefined) return undefined;
    }
    return parseRange(text, codes, range);
  };
}

const OPEN_OBJECT = 123;

export function compileEventAccess(keys: readonly string[]): EventAccess {
  const whole = compileAccess(keys);
  const indexed = compileDocumentAccess(keys);
  return (event) => {
    const doc = event.doc;
    return doc === undefined ? whole(event.value) : indexed(doc);
  };
}
