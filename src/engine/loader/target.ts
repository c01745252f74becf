// What the loader needs from a source to compile rules for it. The engine builds one per source from the
// core's compileCondition / compileOutput; tests may build small ones. The loader itself knows nothing
// about fields or events.

import type { Ast, Position } from '../ast.js';
import type { ConditionGuard } from '../compile/guards.js';
import type { OutputFieldValue } from '../../alert.js';

export interface CompileWarning {
  /** LOAD_COMPILE_CONDITION when absent. */
  code?: 'LOAD_COMPILE_CONDITION' | 'LOAD_UNSAFE_NA_CHECK' | 'LOAD_DEPRECATED_ITEM';
  message: string;
  position?: Position;
}

export interface CompiledCondition<E> {
  evaluate(event: E): boolean;
  /** The event types the condition can match (syscall); undefined when it can match any. */
  eventTypes: ReadonlySet<string> | undefined;
  warnings: readonly CompileWarning[];
  /** Equality checks the condition cannot hold without (`ka.verb in (create)`), for indexing rules. */
  guards?: ReadonlyArray<ConditionGuard<E>>;
}

export interface CompiledOutput<E> {
  render(event: E): string;
  fields(event: E): Record<string, OutputFieldValue>;
  warnings: readonly CompileWarning[];
}

export interface CompileTarget<E = unknown> {
  readonly source: string;
  /** Whether an exception's field expression (`proc.name`, `tolower(proc.name)`) exists in this source. */
  hasField(expression: string): boolean;
  /** Throws ConditionCompileError (Falco's message) when the condition does not compile. */
  compileCondition(ast: Ast): CompiledCondition<E>;
  /** Throws OutputFormatError (Falco's message) when the format does not compile. */
  compileOutput(format: string): CompiledOutput<E>;
  /** Called before the rules are evaluated for a new event (compiled checks may cache per event). */
  beginEvent?(): void;
}
