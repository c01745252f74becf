// The reader (Falco's rule_loader_reader.cpp): YAML documents → items → collector. The first error
// stops the file; what the file defined before the error stays collected, as in Falco.

import { isMap, isSeq, type Document, type Node } from 'yaml';
import { ItemReader, decodeUnsigned, resolveNode } from './decode.js';
import type { Collector } from './collector.js';
import {
  KNOWN_KEYS,
  OVERRIDE_AND_APPEND,
  namedItem,
  readAppendFlag,
  readCondition,
  readOverrides,
  warnUnknownKeys,
} from './items.js';
import { RuleLoadError, type ItemContext, type LoadReport } from './results.js';
import { readRule } from './rule_reader.js';
import { parseSemver, type PluginRequirement, type Semver } from './versions.js';
import type { YamlFile } from './yaml_source.js';

// Names that the condition grammar can refer to (libsinsp parser: Identifier, BareStr).
const MACRO_NAME = /^[a-zA-Z]+[a-zA-Z0-9_]*$/;
const LIST_NAME = /^[^()"'\s=,]+$/;

/** Reads every document of a file into the collector. Returns false (with the error reported) on failure. */
export function readRulesFile(file: YamlFile, collector: Collector, report: LoadReport): boolean {
  if (file.problem !== undefined) {
    report.fail(
      new RuleLoadError('LOAD_ERR_YAML_PARSE', file.problem.message, {
        itemType: 'rules content',
        itemName: '',
        position: file.problem.position,
      }),
    );
    return false;
  }
  try {
    for (const doc of file.documents) readDocument(file, doc, collector, report);
    return true;
  } catch (err) {
    if (!(err instanceof RuleLoadError)) throw err;
    report.fail(err);
    return false;
  }
}

function readDocument(file: YamlFile, doc: Document.Parsed, collector: Collector, report: LoadReport): void {
  const contents = resolveNode(doc, doc.contents);
  if (contents === null) return;
  const context: ItemContext = { itemType: 'rules content', itemName: '', position: file.nodePosition(contents) };
  if (!isMap(contents) && !isSeq(contents)) {
    throw new RuleLoadError('LOAD_ERR_YAML_VALIDATE', 'Rules content is not yaml', context);
  }
  if (!isSeq(contents)) {
    throw new RuleLoadError('LOAD_ERR_YAML_VALIDATE', 'Rules content is not yaml array of objects', context);
  }
  for (const raw of contents.items) {
    const item = resolveNode(doc, raw as Node | null);
    if (item === null) continue;
    const itemContext: ItemContext = { itemType: 'rules content item', itemName: '', position: file.nodePosition(item) };
    if (!isMap(item)) {
      throw new RuleLoadError(
        'LOAD_ERR_YAML_VALIDATE',
        'Unexpected element type. Each element should be a yaml associative array.',
        itemContext,
      );
    }
    readItem(new ItemReader(file, doc, item, itemContext), collector, report);
  }
}

function readItem(item: ItemReader, collector: Collector, report: LoadReport): void {
  if (item.has('required_engine_version')) return readEngineVersion(item.as('required_engine_version', ''), collector);
  if (item.has('required_plugin_versions')) return readPluginVersions(item, collector);
  if (item.has('list')) return readList(item, collector, report);
  if (item.has('macro')) return readMacro(item, collector, report);
  if (item.has('rule')) return readRule(item, collector, report);
  report.warn('LOAD_UNKNOWN_ITEM', 'Unknown top level item', item.context);
}

function readEngineVersion(item: ItemReader, collector: Collector): void {
  const text = item.string('required_engine_version');
  let version: Semver | undefined;
  const minor = decodeUnsigned(text, 0xffffffff);
  if (minor !== undefined) {
    version = { major: 0, minor, patch: 0 };
  } else {
    version = parseSemver(text);
    if (version === undefined) {
      throw item.invalid(
        `Unable to parse engine version '${text}' as a semver string. Expected "x.y.z" semver format.`,
      );
    }
  }
  collector.requireEngineVersion(version, item.context);
}

function readPluginVersions(item: ItemReader, collector: Collector): void {
  const list = item.value('required_plugin_versions');
  const context: ItemContext = {
    itemType: 'required_plugin_versions',
    itemName: '',
    position: item.file.nodePosition(list ?? item.map),
  };
  if (list === null || list === undefined || !isSeq(list)) {
    throw item.invalid('Value of required_plugin_versions must be a sequence', context);
  }
  for (const raw of list.items) {
    const entry = item.resolve(raw as Node | null);
    const entryContext = { ...context, position: item.file.nodePosition(entry ?? list) };
    if (entry === null || !isMap(entry)) throw item.invalid('Plugin version must be a mapping', entryContext);
    const plugin = item.child(entry, entryContext);
    const name = plugin.string('name');
    const named = plugin.as('required_plugin_versions', name);
    const alternatives: PluginRequirement[] = [{ name, version: named.string('version') }];
    if (named.has('alternatives')) {
      const alts = named.value('alternatives');
      if (alts === null || alts === undefined || !isSeq(alts)) {
        throw named.invalid('Value of plugin version alternatives must be a sequence');
      }
      for (const rawAlt of alts.items) {
        const alt = item.resolve(rawAlt as Node | null);
        const altContext = { ...named.context, position: item.file.nodePosition(alt ?? alts) };
        if (alt === null || !isMap(alt)) throw named.invalid('Plugin version alternative must be a mapping', altContext);
        const altReader = item.child(alt, altContext);
        const altName = altReader.string('name');
        alternatives.push({ name: altName, version: altReader.as('required_plugin_versions', altName).string('version') });
      }
    }
    collector.requirePlugins(alternatives, named.context);
  }
}

/** `override:` of a list or macro, whose only key is `items` / `condition`. */
function readSimpleOverride(item: ItemReader, key: string): { append: boolean; any: boolean } {
  const ops = readOverrides(item, new Set([key]), new Set([key]));
  return { append: ops.append.has(key), any: ops.append.size + ops.replace.size > 0 };
}

function readList(raw: ItemReader, collector: Collector, report: LoadReport): void {
  const { item, name } = namedItem(raw, 'list', 'list');
  if (!LIST_NAME.test(name)) {
    report.warn(
      'LOAD_INVALID_LIST_NAME',
      'List has an invalid name. List names should match a regular expression: ([^()"\'[:space:]=,]+)',
      item.context,
    );
  }
  warnUnknownKeys(item, KNOWN_KEYS.list, report);
  const items = item.sequence('items', false) ?? [];
  const append = readAppendFlag(item, report);
  const override = readSimpleOverride(item, 'items');
  if (append && override.any) throw item.invalid(OVERRIDE_AND_APPEND);
  if (append || override.append) collector.appendList(name, items, item.context);
  else collector.defineList(name, items, item.context);
}

function readMacro(raw: ItemReader, collector: Collector, report: LoadReport): void {
  const { item, name } = namedItem(raw, 'macro', 'macro');
  if (!MACRO_NAME.test(name)) {
    report.warn(
      'LOAD_INVALID_MACRO_NAME',
      'Macro has an invalid name. Macro names should match a regular expression: ([a-zA-Z]+[a-zA-Z0-9_]*)',
      item.context,
    );
  }
  warnUnknownKeys(item, KNOWN_KEYS.macro, report);
  const condition = readCondition(item, 'condition');
  const append = readAppendFlag(item, report);
  const override = readSimpleOverride(item, 'condition');
  if (append && override.any) throw item.invalid(OVERRIDE_AND_APPEND);
  if (append || override.append) collector.appendMacro(name, condition, item.context);
  else collector.defineMacro(name, condition, item.context);
}

