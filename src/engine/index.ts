// The rule engine's public entry points. Core (condition language) exports first; the loader, ruleset and
// engine facade add theirs below.

export * from './ast.js';
export { ConditionCompileError, ConditionSyntaxError, OutputFormatError } from './errors.js';
export { escapeStr, unescapeStr } from './escaping.js';
export { DEFAULT_MAX_DEPTH, parseCondition, type ParseOptions } from './parser.js';
export { printCondition } from './printer.js';
export * from './fields/index.js';
export type * from './source.js';
export { CompiledSource, type CompiledSourceOptions, type FieldRef, type ValueRenderer } from './compile/source.js';
export { compileCondition, type CompiledCondition, type Predicate } from './compile/condition.js';
export { eventCodeCount } from './compile/evttypes.js';
export type { ConditionWarning, ConditionWarningCode } from './compile/warnings.js';
export { compileGlob } from './compile/glob.js';
export { PathPrefixMap, PathPrefixSet } from './compile/path_prefix.js';
export { compileOutput, type CompiledOutput, type OutputWarning } from './compile/output.js';
export { compileFieldExpression, isFieldExpression } from './compile/expression.js';
export type { Operand } from './compile/operand.js';
