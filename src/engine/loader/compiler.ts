// The compiler stage (Falco's rule_loader_compiler.cpp), run after each file over everything collected so
// far: lists, then macros (each parsed alone, resolved against the macros visible to it), then rules
// (exceptions appended, output checked, condition parsed, macros resolved, compiled for the rule's source).
// The first error stops it; unused macros and lists are reported only when everything compiled.

import type { Priority } from '../../alert.js';
import { forEachNode, type Ast, type Expr } from '../ast.js';
import { ConditionCompileError, ConditionSyntaxError, OutputFormatError } from '../errors.js';
import type { Collector, MacroInfo, RuleInfo } from './collector.js';
import { eventCodeCount } from '../compile/evttypes.js';
import { CompileCache } from './compile_cache.js';
import { outputWarnings } from './condition_warnings.js';
import { exceptionClause } from './exceptions.js';
import { compileLists, originalOffset, substituteLists, type CompiledList, type ListEdit } from './lists.js';
import type { MacroProblem } from './macros.js';
import { RuleLoadError, type ItemContext, type LoadReport, type SourcePosition } from './results.js';
import { SourcedText } from './sourced_text.js';
import type { ConditionGuard } from '../compile/guards.js';
import type { CompileTarget, CompiledOutput } from './target.js';

/** LOAD_NO_EVTTYPE: a syscall rule that can match more event codes than this. */
const MAX_EVENT_CODES = 100;

const CONTAINER_INFO = '%container.info';
const CONTAINER_INFO_DEPRECATED =
  '%container.info is deprecated and no more useful, and will be dropped by Falco 1.0.0. The container plugin ' +
  'will automatically add required fields to the output message.';
const NO_EVTTYPE = 'Rule matches too many evt.type values. This has a significant performance penalty.';

export interface CompiledRule<E = unknown> {
  name: string;
  source: string;
  /** Position of the first definition: rules are tried in this order. */
  index: number;
  description: string;
  priority: Priority;
  /** Sorted, as Falco keeps them (a std::set). */
  tags: string[];
  /** The rule's own `enabled` (after overrides and standalone `enabled:` items). */
  enabled: boolean;
  capture: boolean;
  captureDuration: number;
  /** The merged condition text as written (after appends and overrides), before lists and macros. */
  conditionText: string;
  /** The merged output format as written. */
  outputFormat: string;
  /** The condition with exceptions appended, lists and macros expanded. */
  ast: Ast;
  exceptionFields: string[];
  evaluate(event: E): boolean;
  eventTypes: ReadonlySet<string> | undefined;
  /** Checks the condition cannot hold without; the ruleset skips the rule for events failing them. */
  guards: ReadonlyArray<ConditionGuard<E>>;
  output: CompiledOutput<E>;
}

interface ParsedMacro {
  info: MacroInfo;
  ast: Ast;
  used: boolean;
}

/** Errors that skip-if-unknown-filter turns into a warning (err_is_unknown_type_or_field). */
function isUnknownFieldOrType(message: string): boolean {
  return (
    message.includes('nonexistent field') ||
    message.includes('invalid formatting token') ||
    message.includes('unknown event type') ||
    message.includes('unknown filter')
  );
}

export class RuleCompiler<E> {
  private readonly cache = new CompileCache<E>();

  constructor(private readonly targets: ReadonlyMap<string, CompileTarget<E>>) {}

  /** Compiles everything collected; undefined (with the error reported) when something does not compile. */
  compile(collector: Collector, report: LoadReport): CompiledRule<E>[] | undefined {
    const lists = compileLists(collector.lists);
    let macros: Map<string, ParsedMacro>;
    let rules: CompiledRule<E>[];
    try {
      macros = this.compileMacros(collector, lists);
      rules = [];
      for (const info of collector.rules.values()) {
        if (info.unknownSource) continue;
        const rule = this.compileRule(info, lists, macros, report);
        if (rule !== undefined) rules.push(rule);
      }
    } catch (err) {
      if (!(err instanceof RuleLoadError)) throw err;
      report.fail(err);
      return undefined;
    }
    for (const m of macros.values()) {
      if (!m.used) report.warn('LOAD_UNUSED_MACRO', 'Macro not referred to by any other rule/macro', m.info.context);
    }
    for (const l of lists) {
      if (l.used) continue;
      const info = collector.lists.get(l.name);
      if (info !== undefined) report.warn('LOAD_UNUSED_LIST', 'List not referred to by any other rule/macro', info.context);
    }
    return rules;
  }

  private compileMacros(collector: Collector, lists: CompiledList[]): Map<string, ParsedMacro> {
    const macros = new Map<string, ParsedMacro>();
    for (const info of collector.macros.values()) {
      macros.set(info.name, { info, ast: this.parse(info.condition, lists, info.context), used: false });
    }
    // In definition order, so that a macro sees the already-resolved bodies of the macros before it.
    for (const m of macros.values()) {
      const visibility = m.info.visibility;
      const lookup = (name: string): Ast | undefined => {
        const candidate = macros.get(name);
        return candidate !== undefined && candidate.info.index < visibility ? candidate.ast : undefined;
      };
      const resolution = this.cache.resolve(m.ast, lookup);
      if (resolution.problem !== undefined) {
        throw this.macroProblem(resolution.problem, m.info.condition, lists, macros, m.info.context);
      }
      for (const name of resolution.resolved) (macros.get(name) as ParsedMacro).used = true;
      m.ast = resolution.ast;
    }
    return macros;
  }

  private compileRule(
    info: RuleInfo,
    lists: CompiledList[],
    macros: Map<string, ParsedMacro>,
    report: LoadReport,
  ): CompiledRule<E> | undefined {
    const target = this.targets.get(info.source);
    if (target === undefined) throw new RuleLoadError('LOAD_ERR_VALIDATE', `Unknown source ${info.source}`, info.context);
    const condition = ruleCondition(info);

    let format = info.output;
    if (format.includes(CONTAINER_INFO)) {
      report.warn('LOAD_DEPRECATED_ITEM', CONTAINER_INFO_DEPRECATED, info.context);
      format = format.split(CONTAINER_INFO).join('');
    }
    let output: CompiledOutput<E>;
    try {
      output = this.cache.compileOutput(target, format);
    } catch (err) {
      if (!(err instanceof OutputFormatError)) throw err;
      if (info.skipIfUnknownFilter && isUnknownFieldOrType(err.message)) {
        report.warn('LOAD_UNKNOWN_FILTER', err.message, info.outputContext);
        return undefined;
      }
      throw new RuleLoadError('LOAD_ERR_COMPILE_OUTPUT', err.message, info.outputContext);
    }
    for (const message of outputWarnings(format)) report.warn('LOAD_DEPRECATED_ITEM', message, info.outputContext);
    for (const w of output.warnings) report.warn('LOAD_COMPILE_CONDITION', w.message, info.outputContext);

    const parsed = this.parse(condition, lists, info.context);
    const resolution = this.cache.resolve(parsed, (name) => macros.get(name)?.ast);
    if (resolution.problem !== undefined) {
      throw this.macroProblem(resolution.problem, condition, lists, macros, info.context);
    }
    for (const name of resolution.resolved) (macros.get(name) as ParsedMacro).used = true;
    const ast = resolution.ast;
    const conditionContext = { ...info.context, position: condition.positionAt(0) };
    for (const w of this.cache.conditionWarnings(ast)) report.warn(w.code, w.message, conditionContext);

    let compiled;
    try {
      compiled = this.cache.compileCondition(target, ast);
    } catch (err) {
      if (!(err instanceof ConditionCompileError)) throw err;
      const at = { ...info.context, position: this.nodePosition(err, parsed, condition, macros) };
      if (info.skipIfUnknownFilter && isUnknownFieldOrType(err.message)) {
        report.warn('LOAD_UNKNOWN_FILTER', err.message, at);
        return undefined;
      }
      throw new RuleLoadError('LOAD_ERR_COMPILE_CONDITION', err.message, at);
    }
    for (const w of compiled.warnings) report.warn(w.code ?? 'LOAD_COMPILE_CONDITION', w.message, conditionContext);
    // Falco counts event codes (enter and exit apart); a condition that can match no event does not warn.
    if (info.source === 'syscall' && info.warnEvttypes && eventCodeCount(compiled.eventTypes) > MAX_EVENT_CODES) {
      report.warn('LOAD_NO_EVTTYPE', NO_EVTTYPE, info.context);
    }
    return {
      name: info.name,
      source: info.source,
      index: info.index,
      description: info.desc,
      priority: info.priority,
      tags: [...info.tags].sort(),
      enabled: info.enabled,
      capture: info.capture,
      captureDuration: info.captureDuration,
      conditionText: info.condition.text,
      outputFormat: info.output,
      ast,
      exceptionFields: exceptionFields(info),
      evaluate: compiled.evaluate,
      eventTypes: compiled.eventTypes,
      guards: compiled.guards ?? [],
      output,
    };
  }

  /** Substitutes lists and parses; a syntax error is reported where it is in the file. */
  private parse(condition: SourcedText, lists: CompiledList[], owner: ItemContext): Ast {
    try {
      return this.cache.parse(substituteLists(condition.text, lists));
    } catch (err) {
      if (!(err instanceof ConditionSyntaxError)) throw err;
      const position = mapOffset(condition, lists, err.position?.offset ?? 0);
      throw new RuleLoadError('LOAD_ERR_COMPILE_CONDITION', err.message, { ...owner, position });
    }
  }

  private macroProblem(
    problem: MacroProblem,
    condition: SourcedText,
    lists: CompiledList[],
    macros: Map<string, ParsedMacro>,
    owner: ItemContext,
  ): RuleLoadError {
    const text = problem.inMacro === undefined ? condition : (macros.get(problem.inMacro)?.info.condition ?? condition);
    const position = mapOffset(text, lists, problem.position.offset);
    return new RuleLoadError('LOAD_ERR_VALIDATE', problem.message, { ...owner, position });
  }

  /**
   * Where a compile error is: the error's node belongs either to the rule's own condition or to the body
   * of a macro it expanded; positions are relative to that text.
   */
  private nodePosition(
    err: ConditionCompileError,
    ruleAst: Ast,
    condition: SourcedText,
    macros: Map<string, ParsedMacro>,
  ): SourcePosition {
    const node = (err as { node?: unknown }).node;
    const offset = err.position?.offset;
    if (node === undefined || offset === undefined) return condition.positionAt(0);
    if (containsNode(ruleAst, node)) return condition.positionAt(offset);
    for (const m of macros.values()) {
      if (containsNode(m.ast, node)) return m.info.condition.positionAt(offset);
    }
    return condition.positionAt(0);
  }
}

function containsNode(ast: Ast, node: unknown): boolean {
  let found = false;
  forEachNode(ast, (n: Expr) => {
    if (n === node) found = true;
  });
  return found;
}

/** An offset in the list-substituted text → the place in the file it came from. */
function mapOffset(condition: SourcedText, lists: CompiledList[], offset: number): SourcePosition {
  const edits: ListEdit[] = [];
  substituteLists(condition.text, lists.map((l) => ({ ...l })), edits);
  return condition.positionAt(originalOffset(offset, edits));
}

/** `(cond)` + one ` and not (…)` clause per exception with values, each clause mapped to its exception. */
function ruleCondition(info: RuleInfo): SourcedText {
  if (info.exceptions.length === 0) return info.condition;
  let text = SourcedText.synthetic('(', info.condition.positionAt(0)).concat('', info.condition);
  text = text.concat('', SourcedText.synthetic(')', info.condition.positionAt(info.condition.text.length)));
  for (const ex of info.exceptions) {
    const clause = exceptionClause(ex);
    if (clause !== '') text = text.concat('', SourcedText.synthetic(clause, ex.context.position));
  }
  return text;
}

function exceptionFields(info: RuleInfo): string[] {
  const fields = new Set<string>();
  for (const ex of info.exceptions) {
    if (ex.values.length === 0 || ex.fields === undefined) continue;
    if (ex.fields.isList) for (const f of ex.fields.items) fields.add(f.item);
    else fields.add(ex.fields.item);
  }
  return [...fields].sort();
}

