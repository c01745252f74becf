// Falco recompiles everything loaded so far after every file, so most of the work of loading the third
// file is redoing the first two. These memos make the repeats free while giving exactly the results a
// fresh compilation would: parsing is keyed by the text, macro resolution by the parsed AST *and* the
// macro bodies it looked up (a changed or newly visible macro misses), compilation by the resolved AST.

import type { Ast } from '../ast.js';
import { ConditionCompileError, ConditionSyntaxError, OutputFormatError } from '../errors.js';
import { parseCondition } from '../parser.js';
import { conditionWarnings, type ConditionWarning } from './condition_warnings.js';
import { resolveMacros, type MacroLookup, type MacroResolution } from './macros.js';
import type { CompileTarget, CompiledCondition, CompiledOutput } from './target.js';

/** Falco parses rule and macro conditions with a depth limit of 1000 (libsinsp's default is 100). */
const MAX_CONDITION_DEPTH = 1000;

interface Resolved {
  lookups: ReadonlyArray<readonly [string, Ast | undefined]>;
  result: MacroResolution;
}

export class CompileCache<E> {
  private readonly parsed = new Map<string, Ast | ConditionSyntaxError>();
  private readonly resolved = new WeakMap<Ast, Resolved>();
  private readonly warnings = new WeakMap<Ast, ConditionWarning[]>();
  private readonly conditions = new Map<CompileTarget<E>, WeakMap<Ast, CompiledCondition<E> | ConditionCompileError>>();
  private readonly outputs = new Map<CompileTarget<E>, Map<string, CompiledOutput<E> | OutputFormatError>>();

  /** Throws ConditionSyntaxError. */
  parse(text: string): Ast {
    let result = this.parsed.get(text);
    if (result === undefined) {
      result = caught(ConditionSyntaxError, () => parseCondition(text, { maxDepth: MAX_CONDITION_DEPTH }));
      this.parsed.set(text, result);
    }
    if (result instanceof ConditionSyntaxError) throw result;
    return result;
  }

  resolve(ast: Ast, lookup: MacroLookup): MacroResolution {
    const previous = this.resolved.get(ast);
    if (previous !== undefined && previous.lookups.every(([name, body]) => lookup(name) === body)) return previous.result;
    const lookups: Array<readonly [string, Ast | undefined]> = [];
    const result = resolveMacros(ast, (name) => {
      const body = lookup(name);
      lookups.push([name, body]);
      return body;
    });
    this.resolved.set(ast, { lookups, result });
    return result;
  }

  conditionWarnings(ast: Ast): ConditionWarning[] {
    let out = this.warnings.get(ast);
    if (out === undefined) {
      out = conditionWarnings(ast);
      this.warnings.set(ast, out);
    }
    return out;
  }

  /** Throws ConditionCompileError. */
  compileCondition(target: CompileTarget<E>, ast: Ast): CompiledCondition<E> {
    let byAst = this.conditions.get(target);
    if (byAst === undefined) this.conditions.set(target, (byAst = new WeakMap()));
    let result = byAst.get(ast);
    if (result === undefined) {
      result = caught(ConditionCompileError, () => target.compileCondition(ast));
      byAst.set(ast, result);
    }
    if (result instanceof ConditionCompileError) throw result;
    return result;
  }

  /** Throws OutputFormatError. */
  compileOutput(target: CompileTarget<E>, format: string): CompiledOutput<E> {
    let byFormat = this.outputs.get(target);
    if (byFormat === undefined) this.outputs.set(target, (byFormat = new Map()));
    let result = byFormat.get(format);
    if (result === undefined) {
      result = caught(OutputFormatError, () => target.compileOutput(format));
      byFormat.set(format, result);
    }
    if (result instanceof OutputFormatError) throw result;
    return result;
  }
}

/** Runs `f`, returning an error of class `kind` instead of throwing it (so that it can be remembered). */
function caught<T, X extends Error>(kind: new (...args: never[]) => X, f: () => T): T | X {
  try {
    return f();
  } catch (err) {
    if (err instanceof kind) return err;
    throw err;
  }
}
