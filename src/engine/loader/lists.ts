// Lists, as Falco compiles them: one level of list-in-list expansion (only lists defined before), then
// *textual* substitution into every condition before it is parsed (rule_loader_compiler.cpp
// compile_list_infos, resolve_list). Textual means a list name is replaced wherever it stands between
// delimiters, not only after `in` — and that lists are substituted one after the other, in definition
// order, so an item naming a later list is expanded again. Both are observable; both are kept.

import type { ListInfo } from './collector.js';

export interface CompiledList {
  name: string;
  items: string[];
  used: boolean;
  /** The name has no delimiter in it, so it can only ever match a whole word of a condition. */
  word: boolean;
}

/** Splits text at the delimiters: a list name without delimiters can only match one of these words. */
const DELIMITER_RUN = /[ \t\n\r(),=]+/;
const HAS_DELIMITER = /[ \t\n\r(),=]/;

/** compile_list_infos: an item naming a list defined before this one is replaced by that list's items. */
export function compileLists(lists: ReadonlyMap<string, ListInfo>): CompiledList[] {
  const out: CompiledList[] = [];
  const usedNames = new Set<string>();
  for (const list of lists.values()) {
    const items: string[] = [];
    for (const item of list.items) {
      const ref = lists.get(item);
      if (ref !== undefined && ref.index < list.visibility) {
        usedNames.add(ref.name);
        items.push(...ref.items);
      } else {
        items.push(item);
      }
    }
    out.push({ name: list.name, items, used: false, word: !HAS_DELIMITER.test(list.name) });
  }
  for (const l of out) if (usedNames.has(l.name)) l.used = true;
  return out;
}

/** One replacement, kept (only when asked) to map positions in the result back to the original text. */
interface Edit {
  at: number;
  oldLength: number;
  newLength: number;
}

const BLANKS = ' \t\n\r';
const DELIMITERS = ' \t\n\r(),=';

function quoteItem(item: string): string {
  return item.includes(' ') && item[0] !== '"' && item[0] !== "'" ? `"${item}"` : item;
}

/**
 * Substitutes every list into `condition`, in order, marking the lists it used. With `edits`, records
 * each replacement so that `originalOffset` can map an offset of the result back.
 */
export function substituteLists(condition: string, lists: readonly CompiledList[], edits?: Edit[]): string {
  // Most lists do not occur in most conditions: the words of the text rule them out without a scan.
  // Substituted items join the words, since a later list may be named by an earlier list's item.
  const words = new Set(condition.split(DELIMITER_RUN));
  let text = condition;
  for (const list of lists) {
    const name = list.name;
    if (name === '' || (list.word && !words.has(name))) continue;
    let start = text.indexOf(name);
    while (start >= 0) {
      let end = start + name.length;
      if ((start === 0 || DELIMITERS.includes(text[start - 1] as string)) &&
          (end >= text.length || DELIMITERS.includes(text[end] as string))) {
        while (start > 0 && BLANKS.includes(text[start - 1] as string)) start--;
        while (end < text.length && BLANKS.includes(text[end] as string)) end++;
        const sub = list.items.map(quoteItem).join(', ');
        if (sub === '') {
          // An empty list takes one neighbouring comma with it, so `(a, empty)` stays a valid list.
          if (start > 0 && text[start - 1] === ',') start--;
          else if (end < text.length && text[end] === ',') end++;
        }
        const replacement = `${start > 0 ? ' ' : ''}${sub} `;
        edits?.push({ at: start, oldLength: end - start, newLength: replacement.length });
        text = text.slice(0, start) + replacement + text.slice(end);
        for (const w of sub.split(DELIMITER_RUN)) words.add(w);
        start += sub.length + 1;
        list.used = true;
      }
      start = text.indexOf(name, start + 1);
    }
  }
  return text;
}

/** Maps an offset in a substituted text back to the text before substitution. */
export function originalOffset(offset: number, edits: readonly Edit[]): number {
  let o = offset;
  for (let i = edits.length - 1; i >= 0; i--) {
    const e = edits[i] as Edit;
    if (o >= e.at + e.newLength) o -= e.newLength - e.oldLength;
    else if (o >= e.at) o = e.at + Math.min(o - e.at, Math.max(e.oldLength - 1, 0));
  }
  return o;
}

export type { Edit as ListEdit };
