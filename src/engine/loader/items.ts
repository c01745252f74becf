// What every kind of item shares: its known keys, its name, the deprecated `append: true` flag, the
// `override:` map, and conditions that remember where they were written.

import { isMap } from 'yaml';
import { scalarText, type ItemReader } from './decode.js';
import type { ItemType, LoadReport } from './results.js';
import { SourcedText } from './sourced_text.js';
import { scalarOrigin } from './yaml_source.js';

export const KNOWN_KEYS: Record<'list' | 'macro' | 'rule', ReadonlySet<string>> = {
  list: new Set(['list', 'items', 'append', 'override']),
  macro: new Set(['macro', 'condition', 'append', 'override']),
  rule: new Set([
    'rule', 'condition', 'output', 'desc', 'priority', 'source', 'enabled', 'tags', 'exceptions', 'warn_evttypes',
    'skip-if-unknown-filter', 'capture', 'capture_duration', 'append', 'override',
  ]),
};

/** Warns about keys an item of this kind does not have (LOAD_UNKNOWN_KEY). */
export function warnUnknownKeys(item: ItemReader, known: ReadonlySet<string>, report: LoadReport): void {
  for (const key of item.keys()) {
    if (!known.has(key)) {
      report.warn('LOAD_UNKNOWN_KEY', `Unknown key '${key}'. The key will be ignored.`, item.contextFor(key));
    }
  }
}

/** Reads the item's name and returns a reader whose context carries it. */
export function namedItem(item: ItemReader, itemType: ItemType, key: string): { item: ItemReader; name: string } {
  const unnamed = item.as(itemType, '');
  const name = unnamed.string(key);
  return { item: unnamed.as(itemType, name), name };
}

export const OVERRIDE_AND_APPEND =
  "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";

const APPEND_DEPRECATED =
  "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";

/** The deprecated `append: true` flag, with its warning. */
export function readAppendFlag(item: ItemReader, report: LoadReport): boolean {
  const append = item.optionalBool('append') ?? false;
  if (append) report.warn('LOAD_DEPRECATED_ITEM', APPEND_DEPRECATED, item.context);
  return append;
}

/** A condition with its origin, so that parser errors point into the file. */
export function readCondition(item: ItemReader, key: string): SourcedText {
  const text = item.string(key);
  return SourcedText.from(text, scalarOrigin(item.file, item.value(key)));
}

/** Falco's decode_overrides: which keys an item appends to and which it replaces. */
export function readOverrides(
  item: ItemReader,
  appendable: ReadonlySet<string>,
  replaceable: ReadonlySet<string>,
): { append: Set<string>; replace: Set<string> } {
  const append = new Set<string>();
  const replace = new Set<string>();
  const node = item.value('override');
  if (node === undefined) return { append, replace };
  if (node === null || !isMap(node)) {
    throw item.invalid("Value of 'override' must be a mapping of keys to 'append' or 'replace'", item.contextFor('override'));
  }
  const overrides = item.child(node, item.contextFor('override'));
  for (const key of overrides.keys()) {
    const operation = scalarText(overrides.value(key) ?? null) ?? '';
    const keyContext = overrides.contextFor(key);
    if (operation === 'append') {
      if (!appendable.has(key)) throw item.invalid(`Key '${key}' cannot be appended to, use 'replace' instead`, keyContext);
      append.add(key);
    } else if (operation === 'replace') {
      if (!replaceable.has(key)) throw item.invalid(`Key '${key}' cannot be replaced`, keyContext);
      replace.add(key);
    } else {
      const allowed = `${appendable.has(key) ? 'append ' : ''}${replaceable.has(key) ? 'replace ' : ''}`;
      throw item.invalid(
        `Invalid override operation for key '${key}': '${operation}'. Allowed values are: ${allowed}`,
        keyContext,
      );
    }
  }
  return { append, replace };
}
