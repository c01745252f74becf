// Finding one member of an object in JSON text without parsing the object. The index (document.ts) stops
// a few levels down; below it a field used to parse its whole container to read one member of it
// (`ka.resp.name` parsed the pod's 0.5 KB `responseObject.metadata` for its `name`). Only the text of an
// indexed document is scanned here, which the indexer has checked to be valid JSON whose only whitespace
// is spaces: so skipping a value needs no checking, and parsing the member's own text gives what
// JSON.parse of the container would hold there.

const SPACE = 32;
const QUOTE = 34;
const COMMA = 44;
const BACKSLASH = 92;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;

function skipSpaces(t: string, i: number): number {
  while (t.charCodeAt(i) === SPACE) i++;
  return i;
}

/** The end (after the closing quote) of the string whose opening quote is at `i`. */
function stringEnd(t: string, i: number): number {
  for (let q = t.indexOf('"', i + 1); ; q = t.indexOf('"', q + 1)) {
    let b = q - 1;
    while (t.charCodeAt(b) === BACKSLASH) b--;
    // An even run of backslashes before the quote escapes only themselves.
    if ((q - 1 - b) % 2 === 0) return q + 1;
  }
}

/** The end of the value starting at `i`. */
function valueEnd(t: string, i: number): number {
  const c = t.charCodeAt(i);
  if (c === QUOTE) return stringEnd(t, i);
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    let depth = 0;
    for (;;) {
      const d = t.charCodeAt(i);
      if (d === QUOTE) {
        i = stringEnd(t, i);
        continue;
      }
      if (d === OPEN_OBJECT || d === OPEN_ARRAY) depth++;
      else if ((d === CLOSE_OBJECT || d === CLOSE_ARRAY) && --depth === 0) return i + 1;
      i++;
    }
  }
  for (; i < t.length; i++) {
    const d = t.charCodeAt(i);
    if (d === COMMA || d === CLOSE_OBJECT || d === CLOSE_ARRAY || d === SPACE) break;
  }
  return i;
}

function hasBackslash(t: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (t.charCodeAt(i) === BACKSLASH) return true;
  return false;
}

/** Whether the key whose quotes are at `start - 1` and `end` is `key` (a key written with escapes is decoded). */
function isKey(t: string, start: number, end: number, key: string): boolean {
  if (!hasBackslash(t, start, end)) return end - start === key.length && t.startsWith(key, start);
  return JSON.parse(t.slice(start - 1, end + 1)) === key;
}

/** Where a value found in the text starts and ends. */
export interface TextRange {
  start: number;
  end: number;
}

/**
 * The value of member `key` of the object whose text starts at `start` (an opening brace): its range, or
 * undefined when the object has no such member or the text there is not an object. Of duplicate keys the
 * last one counts, as in JSON.parse.
 */
export function memberRange(t: string, start: number, key: string): TextRange | undefined {
  if (t.charCodeAt(start) !== OPEN_OBJECT) return undefined;
  let found: TextRange | undefined;
  let i = skipSpaces(t, start + 1);
  if (t.charCodeAt(i) === CLOSE_OBJECT) return undefined;
  for (;;) {
    const keyEnd = stringEnd(t, i);
    const matches = isKey(t, i + 1, keyEnd - 1, key);
    i = skipSpaces(t, skipSpaces(t, keyEnd) + 1); // past the colon
    const end = valueEnd(t, i);
    if (matches) found = { start: i, end };
    i = skipSpaces(t, end);
    if (t.charCodeAt(i) !== COMMA) return found;
    i = skipSpaces(t, i + 1);
  }
}

/** The value whose text is at `range`, as JSON.parse gives it (strings without escapes are taken as they stand). */
export function parseRange(t: string, range: TextRange): unknown {
  const { start, end } = range;
  if (t.charCodeAt(start) === QUOTE) {
    if (!hasBackslash(t, start + 1, end - 1)) return t.slice(start + 1, end - 1);
  }
  return JSON.parse(t.slice(start, end));
}

/** The text's code units (a typed array), as the indexer keeps them for a document: loads from it cost less than charCodeAt. */
export type CodeUnits = Uint8Array | Uint16Array;

function skipSpacesIn(c: CodeUnits, i: number): number {
  while (c[i] === SPACE) i++;
  return i;
}

/** stringEnd() on the code units: a backslash escapes the unit after it (in `\uXXXX` a letter). */
function stringEndIn(c: CodeUnits, i: number): number {
  for (let j = i + 1; ; j++) {
    const d = c[j];
    if (d === QUOTE) return j + 1;
    if (d === BACKSLASH) j++;
  }
}

/** valueEnd() on the code units. */
function valueEndIn(c: CodeUnits, i: number): number {
  const first = c[i];
  if (first === QUOTE) return stringEndIn(c, i);
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
    let depth = 0;
    for (;;) {
      const d = c[i];
      if (d === QUOTE) {
        i = stringEndIn(c, i);
        continue;
      }
      if (d === OPEN_OBJECT || d === OPEN_ARRAY) depth++;
      else if ((d === CLOSE_OBJECT || d === CLOSE_ARRAY) && --depth === 0) return i + 1;
      i++;
    }
  }
  for (; i < c.length; i++) {
    const d = c[i];
    if (d === COMMA || d === CLOSE_OBJECT || d === CLOSE_ARRAY || d === SPACE) break;
  }
  return i;
}

/** isKey() on the code units (a key written with escapes is decoded from the text). */
function isKeyIn(t: string, c: CodeUnits, start: number, end: number, key: string): boolean {
  for (let i = start; i < end; i++) if (c[i] === BACKSLASH) return JSON.parse(t.slice(start - 1, end + 1)) === key;
  if (end - start !== key.length) return false;
  for (let i = 0; i < key.length; i++) if (c[start + i] !== key.charCodeAt(i)) return false;
  return true;
}

/**
 * memberRange() of a document's text `t` whose code units are `c`: the same ranges, found with loads from
 * the typed array (the text of a pod's metadata, scanned for `ka.resp.name`, took a third as many
 * instructions).
 */
export function memberRangeIn(t: string, c: CodeUnits, start: number, key: string): TextRange | undefined {
  if (c[start] !== OPEN_OBJECT) return undefined;
  let found: TextRange | undefined;
  let i = skipSpacesIn(c, start + 1);
  if (c[i] === CLOSE_OBJECT) return undefined;
  for (;;) {
    const keyEnd = stringEndIn(c, i);
    const matches = isKeyIn(t, c, i + 1, keyEnd - 1, key);
    i = skipSpacesIn(c, skipSpacesIn(c, keyEnd) + 1); // past the colon
    const end = valueEndIn(c, i);
    if (matches) found = { start: i, end };
    i = skipSpacesIn(c, end);
    if (c[i] !== COMMA) return found;
    i = skipSpacesIn(c, i + 1);
  }
}

/** parseRange() of a document's text `t` whose code units are `c`. */
export function parseRangeIn(t: string, c: CodeUnits, range: TextRange): unknown {
  const { start, end } = range;
  if (c[start] === QUOTE) {
    let plain = true;
    for (let i = start + 1; i < end - 1; i++) {
      if (c[i] === BACKSLASH) {
        plain = false;
        break;
      }
    }
    if (plain) return t.slice(start + 1, end - 1);
  }
  return JSON.parse(t.slice(start, end));
}
