// Rule items: a new definition, an `append: true` item, an `override:` item, or the deprecated
// standalone `enabled:` toggle — each with Falco's checks, in Falco's order.

import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { parsePriority, type Priority } from '../../alert.js';
import type { Collector, RuleInfo, RuleUpdate } from './collector.js';
import { type ItemReader, scalarText } from './decode.js';
import { scalarEntry, type ExceptionEntry, type ExceptionInfo } from './exceptions.js';
import {
  KNOWN_KEYS,
  OVERRIDE_AND_APPEND,
  namedItem,
  readAppendFlag,
  readCondition,
  readOverrides,
  warnUnknownKeys,
} from './items.js';
import type { ItemContext, LoadReport } from './results.js';

const APPENDABLE = new Set(['condition', 'output', 'desc', 'tags', 'exceptions']);
const REPLACEABLE = new Set([
  'condition', 'output', 'desc', 'priority', 'tags', 'exceptions', 'enabled', 'warn_evttypes',
  'skip-if-unknown-filter', 'capture', 'capture_duration',
]);
// The order in which Falco checks and decodes override keys.
const UPDATE_ORDER = [
  'condition', 'exceptions', 'output', 'desc', 'tags', 'priority', 'enabled', 'warn_evttypes',
  'skip-if-unknown-filter', 'capture', 'capture_duration',
] as const;
const EXCEPTION_KEYS = new Set(['name', 'fields', 'comps', 'values']);
const MAX_UINT64_SAFE = Number.MAX_SAFE_INTEGER;

const ENABLED_DEPRECATED =
  "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under " +
  "the 'override' key (i.e. 'enabled: replace').";

export function readRule(raw: ItemReader, collector: Collector, report: LoadReport): void {
  const { item, name } = namedItem(raw, 'rule', 'rule');
  warnUnknownKeys(item, KNOWN_KEYS.rule, report);
  const append = readAppendFlag(item, report);
  const ops = readOverrides(item, APPENDABLE, REPLACEABLE);
  const overriding = ops.append.size + ops.replace.size > 0;
  if (append && overriding) throw item.invalid(OVERRIDE_AND_APPEND);

  if (overriding) {
    const expected = new Set([...APPENDABLE, ...REPLACEABLE].filter((k) => item.has(k)));
    if (ops.append.size > 0) collector.appendRule(readUpdate(item, name, ops.append, 'append', expected, report));
    if (ops.replace.size > 0) collector.replaceRule(readUpdate(item, name, ops.replace, 'replace', expected, report));
    const unexpected = [...expected].sort()[0];
    if (unexpected !== undefined) {
      throw item.invalid(
        `Unexpected key '${unexpected}': no corresponding entry under 'override' is defined.`,
        item.contextFor(unexpected),
      );
    }
    return;
  }
  if (append) {
    const update: RuleUpdate = { name, context: item.context, source: lenientSource(item) };
    if (item.has('condition')) update.condition = readCondition(item, 'condition');
    if (item.has('exceptions')) update.exceptions = readExceptions(item, true, report);
    collector.appendRule(update);
    return;
  }
  if (!['condition', 'output', 'desc', 'priority'].some((k) => item.has(k))) {
    const enabled = item.bool('enabled');
    report.warn('LOAD_DEPRECATED_ITEM', ENABLED_DEPRECATED, item.context);
    collector.enableRule(name, enabled, item.context);
    return;
  }
  const info = readDefinition(item, name, report);
  collector.defineRule(info);
  if (info.unknownSource) report.warn('LOAD_UNKNOWN_SOURCE', `Unknown source ${info.source}, skipping`, info.context);
}

function readDefinition(item: ItemReader, name: string, report: LoadReport): RuleInfo {
  const condition = readCondition(item, 'condition');
  const output = item.string('output').trim();
  const outputContext = item.contextFor('output');
  const desc = item.string('desc');
  const priority = readPriority(item);
  return {
    name,
    index: 0,
    visibility: 0,
    context: item.context,
    condition,
    output,
    outputContext,
    desc,
    priority,
    source: item.optionalString('source') ?? 'syscall',
    unknownSource: false,
    enabled: item.optionalBool('enabled') ?? true,
    warnEvttypes: item.optionalBool('warn_evttypes') ?? true,
    skipIfUnknownFilter: item.optionalBool('skip-if-unknown-filter') ?? false,
    tags: new Set(item.sequence('tags', true) ?? []),
    exceptions: readExceptions(item, false, report),
    capture: item.optionalBool('capture') ?? false,
    captureDuration: item.optionalUint('capture_duration', MAX_UINT64_SAFE) ?? 0,
  };
}

function readPriority(item: ItemReader): Priority {
  const text = item.string('priority');
  const priority = parsePriority(text);
  if (priority === undefined) throw item.invalid('Invalid priority', item.contextFor('priority'));
  return priority;
}

/** `source:` on an append/override item: only a non-empty value is compared with the rule's source. */
function lenientSource(item: ItemReader): string | undefined {
  const text = scalarText(item.value('source') ?? null);
  return text === undefined || text === '' ? undefined : text;
}

function readUpdate(
  item: ItemReader,
  name: string,
  keys: ReadonlySet<string>,
  operation: 'append' | 'replace',
  expected: Set<string>,
  report: LoadReport,
): RuleUpdate {
  const update: RuleUpdate = { name, context: item.context, source: lenientSource(item) };
  for (const key of UPDATE_ORDER) {
    if (!keys.has(key)) continue;
    if (!expected.has(key)) {
      throw item.invalid(`An ${operation} override for '${key}' was specified but '${key}' is not defined`);
    }
    expected.delete(key);
    switch (key) {
      case 'condition':
        update.condition = readCondition(item, key);
        break;
      case 'exceptions':
        update.exceptions = readExceptions(item, operation === 'append', report);
        break;
      case 'output':
        update.output = item.string(key);
        break;
      case 'desc':
        update.desc = item.string(key);
        break;
      case 'tags':
        update.tags = new Set(item.sequence(key, true) ?? []);
        break;
      case 'priority':
        update.priority = readPriority(item);
        break;
      case 'enabled':
        update.enabled = item.bool(key);
        break;
      case 'warn_evttypes':
        update.warnEvttypes = item.bool(key);
        break;
      case 'skip-if-unknown-filter':
        update.skipIfUnknownFilter = item.bool(key);
        break;
      case 'capture':
        update.capture = item.bool(key);
        break;
      case 'capture_duration':
        update.captureDuration = item.optionalUint(key, MAX_UINT64_SAFE) ?? 0;
        break;
    }
  }
  return update;
}

/** read_rule_exceptions: `fields` may be left out only when appending to an existing exception. */
function readExceptions(item: ItemReader, appending: boolean, report: LoadReport): ExceptionInfo[] {
  const node = item.value('exceptions');
  if (node === undefined || node === null) return [];
  const listContext: ItemContext = { ...item.context, position: item.file.nodePosition(node) };
  if (!isSeq(node)) throw item.invalid('Rule exceptions must be a sequence', listContext);
  const out: ExceptionInfo[] = [];
  for (const raw of node.items) {
    const exNode = item.resolve(raw as Node | null);
    const unnamed: ItemContext = {
      itemType: 'exception',
      itemName: '',
      position: item.file.nodePosition(exNode ?? node),
    };
    if (exNode === null || !isMap(exNode)) throw item.invalid('Rule exception must be a mapping', unnamed);
    const exItem = item.child(exNode, unnamed);
    const name = exItem.string('name');
    const ex = exItem.as('exception', name);
    if (out.some((e) => e.name === name)) {
      report.warn('LOAD_EXCEPTION_NAME_NOT_UNIQUE', `Multiple definitions of exception '${name}' in the same rule`, ex.context);
    }
    warnUnknownKeys(ex, EXCEPTION_KEYS, report);
    const fields = readEntryKey(ex, 'fields', appending);
    const comps = readEntryKey(ex, 'comps', true);
    const values: ExceptionEntry[] = [];
    if (ex.has('values')) {
      const valuesNode = ex.value('values') ?? null;
      if (valuesNode === null || !isSeq(valuesNode)) {
        throw ex.invalid('Rule exception values must be a sequence', ex.contextFor('values'));
      }
      for (const v of valuesNode.items) values.push(readEntry(ex, ex.resolve(v as Node | null)) ?? scalarEntry(''));
    } else if (appending) {
      report.warn('LOAD_APPEND_NO_VALUES', 'Overriding/appending exception with no values', ex.context);
    }
    out.push({ name, fields, comps, values, context: ex.context });
  }
  return out;
}

function readEntryKey(ex: ItemReader, key: string, optional: boolean): ExceptionEntry | undefined {
  if (!ex.has(key)) {
    if (optional) return undefined;
    throw ex.invalid(`Item has no mapping for key '${key}'`);
  }
  return readEntry(ex, ex.value(key) ?? null);
}

/** A scalar or a sequence of entries; anything else (null, a mapping) is not a valid entry. */
function readEntry(ex: ItemReader, node: Node | null): ExceptionEntry | undefined {
  if (node === null) return undefined;
  if (isScalar(node)) {
    const text = String(node.value ?? '');
    if (text === '') throw ex.invalid('Value must be non-empty', { ...ex.context, position: ex.file.nodePosition(node) });
    return scalarEntry(text);
  }
  if (isSeq(node)) {
    const items = node.items.map((v) => readEntry(ex, ex.resolve(v as Node | null)) ?? scalarEntry(''));
    return { isList: true, item: '', items };
  }
  return undefined;
}
