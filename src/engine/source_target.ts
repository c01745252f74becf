// A source as the loader compiles rules for it: the core's condition compiler and output formatter bound
// to the source's fields.

import { forEachNode } from './ast.js';
import { compileCondition } from './compile/condition.js';
import { CompiledSource } from './compile/source.js';
import { ConditionSyntaxError } from './errors.js';
import type { CompileTarget } from './loader/target.js';
import { parseCondition } from './parser.js';
import type { SourceDefinition } from './source.js';

export function sourceTarget<E>(definition: SourceDefinition<E>): CompileTarget<E> {
  const source = new CompiledSource(definition);
  return {
    source: definition.name,
    hasField: (expression) => fieldExpressionExists(source, expression),
    compileCondition: (ast) => compileCondition(ast, source),
    compileOutput: (format) => ({
      // TODO(core compileOutput): until the output formatter lands, outputs render as written.
      render: () => format,
      fields: () => ({}),
      warnings: [],
    }),
  };
}

/** Whether `proc.name`, `tolower(proc.name)`, `fd.name[1]`… parses and names only fields of the source. */
function fieldExpressionExists<E>(source: CompiledSource<E>, expression: string): boolean {
  let ast;
  try {
    ast = parseCondition(`${expression} exists`);
  } catch (err) {
    if (err instanceof ConditionSyntaxError) return false;
    throw err;
  }
  if (ast.kind !== 'unary_check') return false;
  let ok = true;
  forEachNode(ast.left, (node) => {
    if (node.kind === 'field' && source.lookup(node.field) === undefined) ok = false;
  });
  return ok;
}
