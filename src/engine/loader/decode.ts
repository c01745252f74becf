// Reading one YAML item the way Falco's reader does (decode_val_generic, decode_seq in
// rule_loader_reader.cpp): the same checks in the same order, with the same messages, so that a bad
// rules file fails exactly where and how it fails in Falco.

import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { RuleLoadError, type ItemContext, type ItemType } from './results.js';
import type { YamlFile } from './yaml_source.js';

/** A node after following aliases; null for YAML null (`~`, `null`, or nothing after the colon). */
export type YamlValue = Node | null;

export class ItemReader {
  private byKey: Map<string, Pair> | undefined;

  constructor(
    readonly file: YamlFile,
    readonly doc: Document.Parsed,
    readonly map: YAMLMap,
    readonly context: ItemContext,
  ) {}

  /** The same item, reported as `itemType` / `itemName` (once its name is known). */
  as(itemType: ItemType, itemName: string): ItemReader {
    const same = new ItemReader(this.file, this.doc, this.map, { ...this.context, itemType, itemName });
    same.byKey = this.byKey;
    return same;
  }

  /** A nested mapping (an exception, an override, a plugin requirement) read with its own context. */
  child(map: YAMLMap, context: ItemContext): ItemReader {
    return new ItemReader(this.file, this.doc, map, context);
  }

  /** The keys the author wrote, in order. */
  keys(): string[] {
    return [...this.pairs().keys()];
  }

  /** yaml-cpp's IsDefined: the key is present, whatever its value (even null). */
  has(key: string): boolean {
    return this.pair(key) !== undefined;
  }

  /** The value of `key` (aliases followed); undefined when the key is absent. */
  value(key: string): YamlValue | undefined {
    const pair = this.pair(key);
    return pair === undefined ? undefined : this.resolve(pair.value as Node | null);
  }

  /** The position of a key's value, or of the item when the key is absent or null. */
  contextFor(key: string): ItemContext {
    const value = this.value(key);
    if (value === undefined || value === null) return this.context;
    return { ...this.context, position: this.file.nodePosition(value) };
  }

  /** A required scalar (decode_val): the messages and their order are Falco's. */
  string(key: string): string {
    const value = this.value(key);
    if (value === undefined) throw this.invalid(`Item has no mapping for key '${key}'`);
    return this.scalar(key, value);
  }

  /** An optional scalar (decode_optional_val): absent is fine, but present-and-empty is not. */
  optionalString(key: string): string | undefined {
    const value = this.value(key);
    return value === undefined ? undefined : this.scalar(key, value);
  }

  bool(key: string): boolean {
    return this.decoded(key, this.string(key), decodeBool);
  }

  optionalBool(key: string): boolean | undefined {
    const text = this.optionalString(key);
    return text === undefined ? undefined : this.decoded(key, text, decodeBool);
  }

  optionalUint(key: string, max: number): number | undefined {
    const text = this.optionalString(key);
    return text === undefined ? undefined : this.decoded(key, text, (t) => decodeUnsigned(t, max));
  }

  /** A sequence of scalars (decode_seq); undefined when optional and absent. */
  sequence(key: string, optional: boolean): string[] | undefined {
    const value = this.value(key);
    if (value === undefined) {
      if (optional) return undefined;
      throw this.invalid(`Item has no mapping for key '${key}'`);
    }
    if (value === null || !isSeq(value)) throw this.invalid('Value is not a sequence', this.contextFor(key));
    return value.items.map((item) => {
      const node = this.resolve(item as Node | null);
      const text = node === null ? undefined : scalarText(node);
      if (text === undefined) {
        const ctx = node === null ? this.contextFor(key) : { ...this.context, position: this.file.nodePosition(node) };
        throw this.invalid('sequence value is not scalar', ctx);
      }
      return text;
    });
  }

  invalid(message: string, context: ItemContext = this.context): RuleLoadError {
    return new RuleLoadError('LOAD_ERR_YAML_VALIDATE', message, context);
  }

  resolve(node: Node | null | undefined): YamlValue {
    return resolveNode(this.doc, node);
  }

  private pair(key: string): Pair | undefined {
    return this.pairs().get(key);
  }

  /** The pairs by key text; the first of duplicated keys wins, as in yaml-cpp's lookup. */
  private pairs(): Map<string, Pair> {
    if (this.byKey === undefined) {
      this.byKey = new Map();
      for (const p of this.map.items) {
        const key = scalarText(this.resolve(p.key as Node | null)) ?? '';
        if (!this.byKey.has(key)) this.byKey.set(key, p);
      }
    }
    return this.byKey;
  }

  private scalar(key: string, value: YamlValue): string {
    if (value === null) throw this.invalid(`Mapping for key '${key}' is empty`);
    const text = scalarText(value);
    if (text === undefined) throw this.invalid('Value is not a scalar value', this.contextFor(key));
    if (text === '') throw this.invalid('Value must be non-empty', this.contextFor(key));
    return text;
  }

  private decoded<T>(key: string, text: string, decode: (text: string) => T | undefined): T {
    const out = decode(text);
    if (out === undefined) throw this.invalid("Can't decode YAML scalar value", this.contextFor(key));
    return out;
  }
}

/** Follows aliases; YAML null (`~`, `null`, nothing) becomes null. */
export function resolveNode(doc: Document.Parsed, node: Node | null | undefined): YamlValue {
  let current: unknown = node;
  for (let hops = 0; isAlias(current) && hops < 100; hops++) current = current.resolve(doc);
  if (current === undefined || current === null) return null;
  if (isScalar(current) && isYamlNull(current)) return null;
  return current as Node;
}

/** The text of a scalar node; undefined for collections. */
export function scalarText(node: YamlValue): string | undefined {
  if (node === null) return undefined;
  if (isScalar(node)) return String(node.value ?? '');
  return undefined;
}

export function isYamlNull(node: Node): boolean {
  if (!isScalar(node) || node.type !== 'PLAIN') return false;
  const text = node.source ?? String(node.value ?? '');
  return text === '' || text === '~' || text === 'null' || text === 'Null' || text === 'NULL';
}

export function isYamlMap(node: YamlValue): node is YAMLMap {
  return node !== null && isMap(node);
}

// yaml-cpp's bool: y/yes/true/on and n/no/false/off, in lower, UPPER or Capitalised case only.
const TRUE_WORDS = new Set(['y', 'yes', 'true', 'on']);
const FALSE_WORDS = new Set(['n', 'no', 'false', 'off']);

export function decodeBool(text: string): boolean | undefined {
  const lower = text.toLowerCase();
  const flexible = text === lower || text === text.toUpperCase() || text === text[0]?.toUpperCase() + lower.slice(1);
  if (!flexible) return undefined;
  if (TRUE_WORDS.has(lower)) return true;
  if (FALSE_WORDS.has(lower)) return false;
  return undefined;
}

/** yaml-cpp's unsigned decoding: C++ stream with automatic base (0x… hex, 0… octal), no sign, no junk. */
export function decodeUnsigned(text: string, max: number): number | undefined {
  const m = /^\+?(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9][0-9]*))[ \t\n\r\f\v]*$/.exec(text);
  if (m === null) return undefined;
  const value = m[1] !== undefined ? parseInt(m[1], 16) : m[2] !== undefined ? parseInt(m[2], 8) : parseInt(m[3] ?? '', 10);
  return Number.isSafeInteger(value) && value <= max ? value : undefined;
}
