// Rule exceptions: their validation (collector, validate_exception_info) and their compilation into
// condition text (compiler, build_rule_exception_infos). The text is built exactly as Falco builds it —
// values inserted raw, quoted only when they contain a space — because the quirks are observable:
// `proc.pname` as a value becomes a string literal, `toupper(proc.pname)` a field comparison.

import { RuleLoadError, type ItemContext } from './results.js';

/** A `fields`, `comps` or value entry: a scalar or a (possibly nested) list. */
export interface ExceptionEntry {
  isList: boolean;
  item: string;
  items: ExceptionEntry[];
}

export interface ExceptionInfo {
  name: string;
  /** undefined when absent (or not a scalar / sequence): Falco's `!is_valid()`. */
  fields: ExceptionEntry | undefined;
  comps: ExceptionEntry | undefined;
  values: ExceptionEntry[];
  context: ItemContext;
}

/** Tells whether a field expression (`proc.name`, `tolower(proc.name)`) exists in a source. */
export type FieldCheck = (expression: string) => boolean;

// libsinsp's parser::supported_operators(), and the list-only subset.
const OPERATORS = new Set([
  '=', '==', '!=', '<=', '>=', '<', '>', 'contains', 'icontains', 'bcontains', 'glob', 'iglob',
  'startswith', 'bstartswith', 'endswith', 'in', 'intersects', 'pmatch', 'exists', 'regex',
]);
const LIST_OPERATORS = new Set(['in', 'intersects', 'pmatch']);
const STRING_OPERATORS = new Set([
  '=', '==', '!=', 'glob', 'iglob', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith',
  'endswith', 'regex',
]);
const MODIFIERS = new Set(['oneof', 'anyof', 'allof']);

export function scalarEntry(item: string): ExceptionEntry {
  return { isList: false, item, items: [] };
}

/** `"  startswith  oneof "` → `startswith oneof`: comps are compared word by word. */
export function normaliseComp(comp: string): string {
  return comp.trim().split(/\s+/).join(' ');
}

/** `<string operator> oneof|anyof|allof` (libs 0.25+). */
function isModifierOperator(comp: string): boolean {
  const words = comp.split(' ');
  return words.length === 2 && STRING_OPERATORS.has(words[0] ?? '') && MODIFIERS.has(words[1] ?? '');
}

function isSupportedOperator(comp: string): boolean {
  return OPERATORS.has(comp) || isModifierOperator(comp);
}

/** Operators whose right-hand side is a list, so that a scalar value is wrapped in parentheses. */
function takesList(comp: string): boolean {
  return LIST_OPERATORS.has(comp) || isModifierOperator(comp);
}

function invalid(message: string, context: ItemContext): RuleLoadError {
  return new RuleLoadError('LOAD_ERR_VALIDATE', message, context);
}

/**
 * Fills in default comps and checks an exception against its rule's source (validate_exception_info).
 * `checkField` is undefined when the rule's source is unknown: fields cannot be checked then.
 */
export function validateException(ex: ExceptionInfo, checkField: FieldCheck | undefined): void {
  const fields = ex.fields;
  if (fields === undefined) return;
  if (fields.isList) {
    if (ex.comps === undefined) {
      ex.comps = { isList: true, item: '', items: fields.items.map(() => scalarEntry('=')) };
    }
    const comps = ex.comps;
    if (!comps.isList || fields.items.length !== comps.items.length) {
      throw invalid('Fields and comps lists must have equal length', ex.context);
    }
    for (const comp of comps.items) {
      comp.item = normaliseComp(comp.item);
      if (comp.isList || !isSupportedOperator(comp.item)) {
        throw invalid(`'${comp.item}' is not a supported comparison operator`, ex.context);
      }
    }
    for (const field of fields.items) {
      if (checkField !== undefined && (field.isList || !checkField(field.item))) {
        throw invalid(`'${field.item}' is not a supported filter field`, ex.context);
      }
    }
    return;
  }
  if (ex.comps === undefined) ex.comps = scalarEntry('in');
  if (ex.comps.isList) throw invalid('Fields and comps must both be strings', ex.context);
  ex.comps.item = normaliseComp(ex.comps.item);
  if (!LIST_OPERATORS.has(ex.comps.item) && !isModifierOperator(ex.comps.item)) {
    throw invalid(
      'When fields is a single value, comps must be one of (in, pmatch, intersects) or a string operator ' +
        'followed by oneof, anyof or allof',
      ex.context,
    );
  }
  if (checkField !== undefined && !checkField(fields.item)) {
    throw invalid(`'${fields.item}' is not a supported filter field`, ex.context);
  }
}

function quoted(value: string): string {
  return value.includes(' ') && value[0] !== '"' && value[0] !== "'" ? `"${value}"` : value;
}

function parenthesised(value: string): string {
  return value[0] === '(' ? value : `(${value})`;
}

function listText(entry: ExceptionEntry): string {
  return `(${entry.items.map((v) => quoted(v.item)).join(', ')})`;
}

/** The clause one exception adds (` and not …`), or '' when it has no values. */
export function exceptionClause(ex: ExceptionInfo): string {
  const fields = ex.fields;
  const comps = ex.comps;
  if (fields === undefined || comps === undefined || ex.values.length === 0) return '';
  if (!fields.isList) {
    for (const v of ex.values) {
      if (v.isList) throw invalid('Expected values array to contain a list of strings', ex.context);
    }
    const values = ex.values.map((v) => quoted(v.item)).join(', ');
    return ` and not (${fields.item} ${comps.item} (${values}))`;
  }
  const alternatives = ex.values.map((tuple) => {
    if (tuple.items.length !== fields.items.length) {
      throw invalid('Fields and values lists must have equal length', ex.context);
    }
    const checks = fields.items.map((field, k) => {
      const comp = comps.items[k]?.item ?? '=';
      const value = tuple.items[k] as ExceptionEntry;
      const rhs = value.isList ? listText(value) : takesList(comp) ? parenthesised(value.item) : quoted(value.item);
      return ` ${field.item} ${comp} ${rhs}`;
    });
    return `(${checks.join(' and ')})`;
  });
  return ` and not (${alternatives.join(' or ')})`;
}
