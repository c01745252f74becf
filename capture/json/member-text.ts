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

/** Where a value found in the text starts and ends. */
export interface TextRange {
  start: number;
  end: number;
}

/** The text's code units (a typed array), as the indexer keeps them for a document: loads from it cost less than charCodeAt. */
export type CodeUnits = Uint8Array | Uint16Array;

function skipSpaces(c: CodeUnits, i: number): number {
  while (c[i] === SPACE) i++;
  return i;
}

/**
 * The end (after the closing quote) of the string whose opening quote is at `i`: a backslash escapes the
 * unit after it (in `\uXXXX` a letter).
 */
function stringEnd(c: CodeUnits, i: number): number {
  for (let j = i + 1; ; j++) {
    const d = c[j];
    if (d === QUOTE) return j + 1;
    if (d === BACKSLASH) j++;
  }
}

/** The end of the value starting at `i`. */
function valueEnd(c: CodeUnits, i: number): number {
  const first = c[i];
  if (first === QUOTE) return stringEnd(c, i);
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
    let depth = 0;
    for (;;) {
      const d = c[i];
      if (d === QUOTE) {
        i = stringEnd(c, i);
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

/** Whether the key whose quotes are at `start - 1` and `end` is `key` (a key written with escapes is decoded from the text). */
function isKey(t: string, c: CodeUnits, start: number, end: number, key: string): boolean {
  for (let i = start; i < end; i++) if (c[i] === BACKSLASH) return JSON.parse(t.slice(start - 1, end + 1)) === key;
  if (end - start !== key.length) return false;
  for (let i = 0; i < key.length; i++) if (c[start + i] !== key.charCodeAt(i)) return false;
  return true;
}

/**
 * The value of member `key` of the object whose text `t` (code units `c`) starts at `start` (an opening
 * brace): its range, or undefined when the object has no such member or the text there is not an object.
 * Of duplicate keys the last one counts, as in JSON.parse. Loads from the typed array, not charCodeAt: the
 * text of a pod's metadata, scanned for `ka.resp.name`, takes a third as many instructions.
 */
export function memberRange(t: string, c: CodeUnits, start: number, key: string): TextRange | undefined {
  if (c[start] !== OPEN_OBJECT) return undefined;
  let found: TextRange | undefined;
  let i = skipSpaces(c, start + 1);
  if (c[i] === CLOSE_OBJECT) return undefined;
  for (;;) {
    const keyEnd = stringEnd(c, i);
    const matches = isKey(t, c, i + 1, keyEnd - 1, key);
    i = skipSpaces(c, skipSpaces(c, keyEnd) + 1); // past the colon
    const end = valueEnd(c, i);
    if (matches) found = { start: i, end };
    i = skipSpaces(c, end);
    if (c[i] !== COMMA) return found;
    i = skipSpaces(c, i + 1);
  }
}

/** The value whose text is at `range`, as JSON.parse gives it (strings without escapes are taken as they stand). */
export function parseRange(t: string, c: CodeUnits, range: TextRange): unknown {
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
