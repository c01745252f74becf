// The collector (Falco's rule_loader_collector.cpp): everything read so far, across files, with
// append / override applied. A redefinition replaces the content but keeps the first definition's place
// (`index`), which decides evaluation order; `visibility` (the item counter at the last change) decides
// which lists and macros a list or macro may refer to.

import type { Priority } from '../../alert.js';
import { exceptionClause, validateException, type ExceptionInfo, type FieldCheck } from './exceptions.js';
import { RuleLoadError, type ItemContext } from './results.js';
import type { SourcedText } from './sourced_text.js';
import {
  ENGINE_VERSION,
  compareSemver,
  compatibleWith,
  formatSemver,
  parseSemver,
  type PluginRequirement,
  type Semver,
} from './versions.js';

export interface Definition {
  name: string;
  /** Position of the first definition: evaluation order. */
  index: number;
  /** Item counter at the last definition, append or override. */
  visibility: number;
  context: ItemContext;
}

export interface ListInfo extends Definition {
  items: string[];
}

export interface MacroInfo extends Definition {
  condition: SourcedText;
}

export interface RuleInfo extends Definition {
  condition: SourcedText;
  output: string;
  outputContext: ItemContext;
  desc: string;
  priority: Priority;
  source: string;
  /** The source is not one saker has: the rule is kept (so appends work) but never compiled. */
  unknownSource: boolean;
  enabled: boolean;
  warnEvttypes: boolean;
  skipIfUnknownFilter: boolean;
  capture: boolean;
  captureDuration: number;
  tags: Set<string>;
  exceptions: ExceptionInfo[];
}

/** The keys an `append` or `override` item brings; absent keys are untouched. */
export interface RuleUpdate {
  name: string;
  context: ItemContext;
  source?: string;
  condition?: SourcedText;
  output?: string;
  desc?: string;
  tags?: Set<string>;
  exceptions?: ExceptionInfo[];
  priority?: Priority;
  enabled?: boolean;
  warnEvttypes?: boolean;
  skipIfUnknownFilter?: boolean;
  capture?: boolean;
  captureDuration?: number;
}

export interface PluginRequirementInfo {
  alternatives: PluginRequirement[];
  context: ItemContext;
}

/** What the collector needs to know about sources: which exist, and which fields they have. */
export interface SourceCatalog {
  has(source: string): boolean;
  fieldCheck(source: string): FieldCheck;
}

const NO_PREVIOUS_MACRO = "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists";
const NO_PREVIOUS_LIST = "List uses 'append' or 'override.items: append' but no list by that name already exists";
const NO_PREVIOUS_RULE_APPEND = "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists";
const NO_PREVIOUS_RULE_REPLACE =
  "An 'override.<key>: replace' to a rule was requested but no rule by that name already exists";
const DIFFERENT_SOURCE = 'Rule has been re-defined with a different source';

function invalid(message: string, context: ItemContext): RuleLoadError {
  return new RuleLoadError('LOAD_ERR_VALIDATE', message, context);
}

export class Collector {
  readonly lists = new Map<string, ListInfo>();
  readonly macros = new Map<string, MacroInfo>();
  readonly rules = new Map<string, RuleInfo>();
  readonly pluginRequirements: PluginRequirementInfo[] = [];
  /** The highest engine version any file required. */
  requiredEngineVersion: Semver | undefined;
  private counter = 0;

  constructor(private readonly sources: SourceCatalog) {}

  requireEngineVersion(version: Semver, context: ItemContext): void {
    const engine = parseSemver(ENGINE_VERSION) as Semver;
    if (!compatibleWith(engine, version)) {
      throw invalid(
        `Rules require engine version ${formatSemver(version)}, but engine version is ${ENGINE_VERSION}`,
        context,
      );
    }
    if (this.requiredEngineVersion === undefined || compareSemver(this.requiredEngineVersion, version) < 0) {
      this.requiredEngineVersion = version;
    }
  }

  requirePlugins(alternatives: PluginRequirement[], context: ItemContext): void {
    const seen = new Set<string>();
    for (const req of alternatives) {
      if (parseSemver(req.version) === undefined) {
        throw invalid(`Invalid required version '${req.version}' for plugin '${req.name}'`, context);
      }
      if (seen.has(req.name)) {
        throw invalid(`Defined multiple alternative version requirements for plugin '${req.name}'`, context);
      }
      seen.add(req.name);
    }
    this.pluginRequirements.push({ alternatives, context });
  }

  defineList(name: string, items: string[], context: ItemContext): void {
    this.define(this.lists, { name, items, context, index: 0, visibility: 0 });
  }

  appendList(name: string, items: string[], context: ItemContext): void {
    const prev = this.lists.get(name);
    if (prev === undefined) throw invalid(NO_PREVIOUS_LIST, context);
    prev.items = [...prev.items, ...items];
    prev.visibility = this.counter++;
  }

  defineMacro(name: string, condition: SourcedText, context: ItemContext): void {
    this.define(this.macros, { name, condition, context, index: 0, visibility: 0 });
  }

  appendMacro(name: string, condition: SourcedText, context: ItemContext): void {
    const prev = this.macros.get(name);
    if (prev === undefined) throw invalid(NO_PREVIOUS_MACRO, context);
    prev.condition = prev.condition.concat(' ', condition);
    prev.visibility = this.counter++;
  }

  defineRule(info: RuleInfo): void {
    const prev = this.rules.get(info.name);
    if (prev !== undefined && prev.source !== info.source) throw invalid(DIFFERENT_SOURCE, info.context);
    info.unknownSource = !this.sources.has(info.source);
    const check = info.unknownSource ? undefined : this.sources.fieldCheck(info.source);
    for (const ex of info.exceptions) {
      if (ex.fields === undefined) {
        throw invalid('Rule exception item must have fields property with a list of fields', ex.context);
      }
      validateException(ex, check);
    }
    this.define(this.rules, info);
  }

  /** `append: true` or `override: {key: append}`. */
  appendRule(update: RuleUpdate): void {
    const prev = this.previousRule(update, NO_PREVIOUS_RULE_APPEND);
    if (!hasAnyValue(update)) throw invalid('Appended rule must have exceptions or condition property', update.context);
    const check = prev.unknownSource ? undefined : this.sources.fieldCheck(prev.source);
    if (update.condition !== undefined && update.condition.text !== '') {
      prev.condition = prev.condition.concat(' ', update.condition);
    }
    if (update.output !== undefined && update.output !== '') prev.output = `${prev.output} ${update.output}`;
    if (update.desc !== undefined && update.desc !== '') prev.desc = `${prev.desc} ${update.desc}`;
    for (const tag of update.tags ?? []) prev.tags.add(tag);
    for (const ex of update.exceptions ?? []) {
      const existing = prev.exceptions.find((e) => e.name === ex.name);
      if (existing === undefined) {
        if (ex.fields === undefined) {
          throw invalid('Rule exception must have fields property with a list of fields', ex.context);
        }
        if (ex.values.length === 0) {
          throw invalid('Rule exception must have values property with a list of values', ex.context);
        }
        validateException(ex, check);
        prev.exceptions.push(ex);
      } else {
        if (ex.fields !== undefined) {
          throw invalid('Can not append exception fields to existing exception, only values', ex.context);
        }
        if (ex.comps !== undefined) {
          throw invalid('Can not append exception comps to existing exception, only values', ex.context);
        }
        existing.values.push(...ex.values);
      }
    }
    prev.visibility = this.counter++;
  }

  /** `override: {key: replace}`. */
  replaceRule(update: RuleUpdate): void {
    const prev = this.previousRule(update, NO_PREVIOUS_RULE_REPLACE);
    if (!hasAnyValue(update)) throw invalid('The rule must have at least one field that can be replaced', update.context);
    if (update.exceptions !== undefined) {
      const check = prev.unknownSource ? undefined : this.sources.fieldCheck(prev.source);
      for (const ex of update.exceptions) validateException(ex, check);
      prev.exceptions = update.exceptions;
    }
    if (update.condition !== undefined) prev.condition = update.condition;
    if (update.output !== undefined) prev.output = update.output;
    if (update.desc !== undefined) prev.desc = update.desc;
    if (update.tags !== undefined) prev.tags = update.tags;
    if (update.priority !== undefined) prev.priority = update.priority;
    if (update.enabled !== undefined) prev.enabled = update.enabled;
    if (update.warnEvttypes !== undefined) prev.warnEvttypes = update.warnEvttypes;
    if (update.skipIfUnknownFilter !== undefined) prev.skipIfUnknownFilter = update.skipIfUnknownFilter;
    if (update.capture !== undefined) prev.capture = update.capture;
    if (update.captureDuration !== undefined) prev.captureDuration = update.captureDuration;
    prev.visibility = this.counter++;
  }

  /** The deprecated standalone `enabled:` item. */
  enableRule(name: string, enabled: boolean, context: ItemContext): void {
    const prev = this.rules.get(name);
    if (prev === undefined) throw invalid("Rule has 'enabled' key but no rule by that name already exists", context);
    prev.enabled = enabled;
  }

  /** The condition a rule compiles: `(cond)` plus one ` and not (…)` per exception with values. */
  static ruleConditionText(rule: RuleInfo): string {
    if (rule.exceptions.length === 0) return rule.condition.text;
    return `(${rule.condition.text})${rule.exceptions.map(exceptionClause).join('')}`;
  }

  private previousRule(update: RuleUpdate, missing: string): RuleInfo {
    const prev = this.rules.get(update.name);
    if (prev === undefined) throw invalid(missing, update.context);
    if (update.source !== undefined && update.source !== '' && update.source !== prev.source) {
      throw invalid(DIFFERENT_SOURCE, update.context);
    }
    return prev;
  }

  private define<T extends Definition>(into: Map<string, T>, info: T): void {
    const id = this.counter++;
    const prev = into.get(info.name);
    info.index = prev === undefined ? id : prev.index;
    info.visibility = id;
    into.set(info.name, info);
  }
}

function hasAnyValue(u: RuleUpdate): boolean {
  return (
    u.condition !== undefined ||
    u.output !== undefined ||
    u.desc !== undefined ||
    u.tags !== undefined ||
    u.exceptions !== undefined ||
    u.priority !== undefined ||
    u.enabled !== undefined ||
    u.warnEvttypes !== undefined ||
    u.skipIfUnknownFilter !== undefined ||
    u.capture !== undefined ||
    u.captureDuration !== undefined
  );
}
