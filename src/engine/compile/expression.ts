// A field or transformer expression on its own (`proc.name`, `tolower( proc.name)`, `evt.arg[0]`): what
// exception `fields:` entries and `%transformer(…)` output tokens hold.

import { ConditionCompileError } from '../errors.js';
import { parseCondition } from '../parser.js';
import type { Operand } from './operand.js';
import type { CompiledSource } from './source.js';
import { compileOperand } from './transformers.js';

/** Compiles the expression; throws ConditionSyntaxError / ConditionCompileError when it is not one. */
export function compileFieldExpression<E>(text: string, source: CompiledSource<E>): Operand<E> {
  const ast = parseCondition(`${text} exists`);
  if (ast.kind !== 'unary_check') throw new ConditionCompileError(`'${text}' is not a field or transformer expression`);
  return compileOperand(source, ast.left);
}

/** Whether `text` is a field or transformer expression over existing fields of the source. */
export function isFieldExpression<E>(source: CompiledSource<E>, text: string): boolean {
  try {
    compileFieldExpression(text, source);
    return true;
  } catch {
    return false;
  }
}
