// Warnings libsinsp's filter compiler gives about conditions that compile but are probably not what the
// author meant (LOAD_COMPILE_CONDITION, filter.cpp check_value_and_add_warnings). The engine-level warnings
// (LOAD_UNSAFE_NA_CHECK, deprecated fields) are derived from the AST by the loader (loader/condition_warnings.ts).

import { TRANSFORMERS, type BinaryCheckExpr, type Position } from '../ast.js';
import { TOKEN } from '../lexer.js';
import type { CompiledSource } from './source.js';

export type ConditionWarningCode = 'LOAD_COMPILE_CONDITION';

export interface ConditionWarning {
  code: ConditionWarningCode;
  message: string;
  /** The check the warning is about, relative to the condition text. */
  position?: Position;
}

const TRANSFORMER_PREFIXES = ['val', ...TRANSFORMERS].map((t) => `${t}(`);
const REGEX_META = /[.[\]{}()*+?|^$\\]/;

/** Does `value` start with the name of a field of the source (`proc.pname`, `proc.pname `)? */
function looksLikeField<E>(source: CompiledSource<E>, value: string): boolean {
  TOKEN.fieldName.lastIndex = 0;
  const m = TOKEN.fieldName.exec(value);
  if (!m) return false;
  for (let name = m[0]; name.includes('.'); name = name.slice(0, name.lastIndexOf('.'))) {
    if (source.lookup(name)) return true;
  }
  return false;
}

/** A regex that is a plain string, maybe anchored or wrapped in `.*`: a simpler operator would do. */
function isPlainRegex(pattern: string): boolean {
  let p = pattern;
  if (p.startsWith('^')) p = p.slice(1);
  else if (p.startsWith('.*')) p = p.slice(2);
  if (p.endsWith('$') && !p.endsWith('\\$')) p = p.slice(0, -1);
  else if (p.endsWith('.*')) p = p.slice(0, -2);
  return !REGEX_META.test(p);
}

/** Warnings about one binary check's literal values. */
export function checkWarnings<E>(source: CompiledSource<E>, e: BinaryCheckExpr): ConditionWarning[] {
  const out: ConditionWarning[] = [];
  const pos = e.pos;
  if (e.right.kind === 'transformer') return out;
  const values = e.right.kind === 'list' ? e.right.values : [e.right.value];
  for (const v of values) {
    if (TRANSFORMER_PREFIXES.some((t) => v.startsWith(t))) {
      out.push({
        code: 'LOAD_COMPILE_CONDITION',
        message: `'${v}' may be a valid field transformer misused as a const string value`,
        position: pos,
      });
    } else if (looksLikeField(source, v)) {
      out.push({
        code: 'LOAD_COMPILE_CONDITION',
        message: `'${v}' may be a valid field misused as a const string value`,
        position: pos,
      });
    }
    if (e.op === 'regex' && isPlainRegex(v)) {
      out.push({
        code: 'LOAD_COMPILE_CONDITION',
        message: `regex check with '${v}' may be optimized with simpler operators such as '=', 'contains', 'startswith', 'endswith'`,
        position: pos,
      });
    }
  }
  return out;
}
