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
export { conditionGuards, type ConditionGuard } from './compile/guards.js';
export { RuleIndex, type RuleIndexOptions } from './compile/rule_index.js';

// Loader, ruleset and engine facade.
export { Engine, expandRulePaths, type EngineOptions, type RuleSummary } from './engine.js';
export { Ruleset, type MatchMode, type RuleSelector } from './ruleset.js';
export { builtinSources } from './builtin_sources.js';
export { RuleLoader, type LoadFilesOptions, type RuleLoaderOptions } from './loader/rule_loader.js';
export type { CompiledRule } from './loader/compiler.js';
export {
  formatLoadMessage,
  type FileLoadResult,
  type ItemType,
  type LoadError,
  type LoadErrorCode,
  type LoadMessage,
  type LoadWarning,
  type LoadWarningCode,
  type SourcePosition,
} from './loader/results.js';
export { ENGINE_VERSION } from './loader/versions.js';
