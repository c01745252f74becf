// Rule output formats (libsinsp eventformatter): text with `%field`, `%field[arg]`, `%transformer(field)`
// tokens and optional widths (`%20proc.name`). A token is the longest prefix of the text after `%` that names
// a field (`%proc.nameand` is `proc.name` followed by `and`). Missing values print `<NA>` (Falco prepends
// `*` to every rule output, which asks for exactly that).

import type { OutputFieldValue } from '../../alert.js';
import { TRANSFORMERS } from '../ast.js';
import { ConditionCompileError, ConditionSyntaxError, OutputFormatError } from '../errors.js';
import type { FieldValue } from '../source.js';
import { compileField, type Operand } from './operand.js';
import { jsonValue, listText, scalarText } from './render.js';
import type { CompiledSource } from './source.js';
import { compileFieldExpression } from './expression.js';

export interface OutputWarning {
  code: 'LOAD_DEPRECATED_ITEM';
  message: string;
}

export interface CompiledOutput<E> {
  /** The output line for an event. */
  render(event: E): string;
  /** `output_fields` as Falco's JSON alert shows them: token text → value (null when missing). */
  fields(event: E): Record<string, OutputFieldValue>;
  /** The field tokens, in order (`proc.name`, `proc.aname[2]`, `tolower(proc.name)`). */
  tokens: readonly string[];
  warnings: OutputWarning[];
  /** Fields used by the format that have no extractor yet (they always print `<NA>`). */
  unreadableFields: string[];
}

const CONTAINER_INFO = '%container.info';
const TRANSFORMER_START = new RegExp(`^(?:${TRANSFORMERS.join('|')})\\(`);
const NAME_CHARS = /[a-zA-Z][a-zA-Z0-9_.]*/y;

interface Token<E> {
  text: string;
  width: number;
  operand: Operand<E>;
}

export function compileOutput<E>(format: string, source: CompiledSource<E>): CompiledOutput<E> {
  const warnings: OutputWarning[] = [];
  let fmt = format;
  if (fmt.includes(CONTAINER_INFO)) {
    // Falco dropped %container.info: it expands to nothing now.
    fmt = fmt.split(CONTAINER_INFO).join('');
    warnings.push({
      code: 'LOAD_DEPRECATED_ITEM',
      message: `usage of deprecated '${CONTAINER_INFO}' has been detected in the rule output; it is replaced by an empty string`,
    });
  }
  if (fmt === '') throw new OutputFormatError('empty formatting token');
  if (fmt.startsWith('*')) fmt = fmt.slice(1);

  const parts: Array<string | Token<E>> = [];
  let literal = '';
  for (let i = 0; i < fmt.length; i++) {
    if (fmt[i] !== '%') {
      literal += fmt[i];
      continue;
    }
    if (literal) parts.push(literal);
    literal = '';
    if (i === fmt.length - 1) throw new OutputFormatError('invalid formatting syntax: formatting cannot end with a %');
    let j = i + 1;
    while (j < fmt.length && fmt[j] >= '0' && fmt[j] <= '9') j++;
    if (j === fmt.length) throw new OutputFormatError('invalid formatting syntax: formatting cannot end with a number');
    const width = j > i + 1 ? Number(fmt.slice(i + 1, j)) : 0;
    const token = readToken(fmt, j, source);
    parts.push({ text: token.text, width, operand: token.operand });
    i = token.end - 1;
  }
  if (literal) parts.push(literal);

  const tokens = parts.filter((p): p is Token<E> => typeof p !== 'string');
  const unreadableFields = [...new Set(tokens.flatMap((t) => t.operand.fields.filter((f) => !f.def.extractor).map((f) => f.def.name)))];
  const renderValue = source.renderValue;
  const jsonHook = source.outputFieldValue;
  const textOf = (t: Token<E>, v: FieldValue | undefined): string => {
    if (v === undefined) return '<NA>';
    const plain = t.operand.plain;
    const special = plain && renderValue ? renderValue(plain.def, v, plain.arg) : undefined;
    if (special !== undefined) return special;
    return Array.isArray(v) ? listText(t.operand.type, v) : scalarText(t.operand.type, v);
  };
  return {
    render(event) {
      let out = '';
      for (const p of parts) {
        if (typeof p === 'string') {
          out += p;
          continue;
        }
        const text = textOf(p, p.operand.read(event));
        out += p.width > 0 ? text.slice(0, p.width).padEnd(p.width, ' ') : text;
      }
      return out;
    },
    fields(event) {
      const out: Record<string, OutputFieldValue> = {};
      for (const t of tokens) {
        const v = t.operand.read(event);
        const plain = t.operand.plain;
        const special = v !== undefined && plain && jsonHook ? jsonHook(plain.def, v, plain.arg) : undefined;
        out[t.text] = special !== undefined ? special : jsonValue(t.operand.type, v);
      }
      return out;
    },
    tokens: tokens.map((t) => t.text),
    warnings,
    unreadableFields,
  };
}

/** The token starting at `start` (just after `%` and any width). */
function readToken<E>(fmt: string, start: number, source: CompiledSource<E>): { text: string; end: number; operand: Operand<E> } {
  const rest = fmt.slice(start);
  const invalid = (): OutputFormatError => new OutputFormatError(`invalid formatting token ${rest}`);
  if (TRANSFORMER_START.test(rest)) {
    const end = transformerEnd(fmt, start);
    if (end < 0) throw invalid();
    const text = fmt.slice(start, end);
    try {
      return { text, end, operand: compileFieldExpression(text, source) };
    } catch (e) {
      if (e instanceof ConditionSyntaxError || e instanceof ConditionCompileError) throw new OutputFormatError(e.message);
      throw e;
    }
  }
  NAME_CHARS.lastIndex = start;
  const name = NAME_CHARS.exec(fmt)?.[0];
  if (!name) throw invalid();
  // The longest prefix that names a field (output formats never take filter-only fields like fd.net).
  for (let len = name.length; len > 0; len--) {
    const candidate = name.slice(0, len);
    const ref = source.lookup(candidate);
    if (!ref || ref.def.flags.includes('FILTER_ONLY')) continue;
    let end = start + len;
    let arg: string | undefined;
    if (ref.dotArg === undefined && fmt[end] === '[') {
      const close = fmt.indexOf(']', end + 1);
      if (close < 0) throw new OutputFormatError(`filter '${fmt.slice(start)}': ${ref.def.name} has unbalanced argument brackets`);
      arg = fmt.slice(end + 1, close);
      end = close + 1;
    }
    const text = fmt.slice(start, end);
    try {
      return { text, end, operand: compileField(source, { kind: 'field', field: candidate, arg, pos: { offset: start, line: 1, column: start + 1 } }) };
    } catch (e) {
      throw new OutputFormatError(e instanceof Error ? e.message : String(e));
    }
  }
  throw invalid();
}

/** End (exclusive) of `name(…)` with nested parentheses and quotes, plus an optional `[arg]`; -1 if unclosed. */
function transformerEnd(fmt: string, start: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = fmt.indexOf('(', start); i < fmt.length; i++) {
    const c = fmt[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '(') {
      depth++;
    } else if (c === ')' && --depth === 0) {
      if (fmt[i + 1] !== '[') return i + 1;
      const close = fmt.indexOf(']', i + 2);
      return close < 0 ? -1 : close + 1;
    }
  }
  return -1;
}
