// A source as the loader compiles rules for it: the core's condition compiler and output formatter bound
// to the source's fields.

import { compileCondition } from './compile/condition.js';
import { isFieldExpression } from './compile/expression.js';
import { compileOutput } from './compile/output.js';
import { CompiledSource } from './compile/source.js';
import type { CompileTarget } from './loader/target.js';
import type { SourceDefinition } from './source.js';

export function sourceTarget<E>(definition: SourceDefinition<E>): CompileTarget<E> {
  // Shared checks: each distinct check (`kevt`, `spawned_process`…) runs once per event for all rules.
  const source = new CompiledSource(definition, { shareChecks: true });
  return {
    source: definition.name,
    hasField: (expression) => isFieldExpression(source, expression),
    compileCondition: (ast) => compileCondition(ast, source),
    compileOutput: (format) => compileOutput(format, source),
    beginEvent: () => source.nextEvent(),
  };
}
