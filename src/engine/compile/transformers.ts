// Field transformers (libsinsp sinsp_filter_transformers): tolower, toupper, b64, basename, len, and the
// multi-argument join, concat, getopt. A transformer applies to every element of a list; an input it cannot
// transform (invalid base64) makes the value missing.

import type { Operand as OperandExpr, TransformerArg, TransformerExpr } from '../ast.js';
import { ConditionCompileError } from '../errors.js';
import { printCondition } from '../printer.js';
import type { FieldType, FieldValue } from '../source.js';
import { compileField, type Operand } from './operand.js';
import type { CompiledSource } from './source.js';
import { falcoTypeName, kindOf } from './types.js';

export function compileOperand<E>(source: CompiledSource<E>, e: OperandExpr | TransformerArg): Operand<E> {
  switch (e.kind) {
    case 'field':
      return compileField(source, e);
    case 'transformer':
      return compileTransformer(source, e);
    default:
      throw new ConditionCompileError(`expected a field or a transformer, found ${printCondition(e)}`, e.pos);
  }
}

type Mapper = (v: FieldValue) => FieldValue | undefined;

/** Applies `f` to a value or to each element of a list; a failing element makes the whole value missing. */
function mapValue(f: Mapper, isList: boolean): Mapper {
  if (!isList) return f;
  return (v) => {
    const out: FieldValue[] = [];
    for (const x of v as FieldValue[]) {
      const y = f(x);
      if (y === undefined) return undefined;
      out.push(y);
    }
    return out;
  };
}

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const decodeB64 =
  (toBytes: boolean): Mapper =>
  (v) => {
    const text = typeof v === 'string' ? v : Buffer.from(v as Uint8Array).toString('latin1');
    if (!B64.test(text)) return undefined;
    const buf = Buffer.from(text, 'base64');
    return toBytes ? Uint8Array.from(buf) : buf.toString('utf8');
  };

function basename(v: FieldValue): FieldValue {
  const s = v as string;
  return s.slice(s.lastIndexOf('/') + 1);
}

function lengthOf(v: FieldValue): number {
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (v instanceof Uint8Array) return v.length;
  if (Array.isArray(v)) return v.length;
  return String(v).length;
}

/** The text of a value, for join/concat. */
export function valueText(v: FieldValue): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (Array.isArray(v)) return v.map(valueText).join(',');
  return String(v);
}

function unsupported<E>(name: string, input: Operand<E>): ConditionCompileError {
  return new ConditionCompileError(
    `can't add field transformer: type '${falcoTypeName(input.type)}' is not supported by '${name}' transformer applied on field '${input.text}'`,
  );
}

function derived<E>(
  e: TransformerExpr,
  inputs: Array<Operand<E>>,
  type: FieldType,
  isList: boolean,
  read: Operand<E>['read'],
): Operand<E> {
  return {
    text: printCondition(e),
    type,
    isList,
    read,
    fields: inputs.flatMap((i) => i.fields),
    unreadable: inputs.some((i) => i.unreadable),
  };
}

function singleInput<E>(source: CompiledSource<E>, e: TransformerExpr): Operand<E> {
  if (e.args.length !== 1) {
    throw new ConditionCompileError(`transformer '${e.name}' takes exactly one field or transformer`, e.pos);
  }
  const input = compileOperand(source, e.args[0]);
  const flagged = input.plain?.def.flags.includes('NO_TRANSFORMER');
  if (flagged) {
    throw new ConditionCompileError(`can't add field transformer: field '${input.text}' does not support transformers`);
  }
  return input;
}

function compileTransformer<E>(source: CompiledSource<E>, e: TransformerExpr): Operand<E> {
  if (e.name === 'val') {
    throw new ConditionCompileError(`'val' can only wrap a field on the right-hand side of a check`, e.pos);
  }
  if (e.arg !== undefined && e.name !== 'getopt') {
    throw new ConditionCompileError(`transformer '${e.name}' does not take an argument: ${printCondition(e)}`, e.pos);
  }
  switch (e.name) {
    case 'tolower':
    case 'toupper':
    case 'basename': {
      const input = singleInput(source, e);
      if (kindOf(input.type) !== 'string') throw unsupported(e.name, input);
      const f: Mapper =
        e.name === 'basename'
          ? basename
          : e.name === 'tolower'
            ? (v) => (v as string).toLowerCase()
            : (v) => (v as string).toUpperCase();
      const map = mapValue(f, input.isList);
      const read = input.read;
      return derived(e, [input], input.type, input.isList, (ev) => {
        const v = read(ev);
        return v === undefined ? undefined : map(v);
      });
    }
    case 'b64': {
      const input = singleInput(source, e);
      const kind = kindOf(input.type);
      if (kind !== 'string' && kind !== 'bytebuf') throw unsupported(e.name, input);
      const map = mapValue(decodeB64(kind === 'bytebuf'), input.isList);
      const read = input.read;
      return derived(e, [input], input.type, input.isList, (ev) => {
        const v = read(ev);
        return v === undefined ? undefined : map(v);
      });
    }
    case 'len': {
      const input = singleInput(source, e);
      const kind = kindOf(input.type);
      if (!input.isList && kind !== 'string' && kind !== 'bytebuf') throw unsupported(e.name, input);
      const read = input.read;
      return derived(e, [input], 'uint64', false, (ev) => {
        const v = read(ev);
        return v === undefined ? undefined : lengthOf(v);
      });
    }
    case 'join':
      return compileJoin(source, e);
    case 'concat': {
      const parts = e.args.map((a) => textPart(source, a, e));
      const inputs = parts.flatMap((p) => (p.operand ? [p.operand] : []));
      return derived(e, inputs, 'string', false, (ev) => joinParts(parts, '', ev));
    }
    case 'getopt':
      return compileGetopt(source, e);
  }
}

interface TextPart<E> {
  constant?: string;
  operand?: Operand<E>;
}

function textPart<E>(source: CompiledSource<E>, a: TransformerArg, owner: TransformerExpr): TextPart<E> {
  if (a.kind === 'value') return { constant: a.value };
  if (a.kind === 'transformer_list') {
    throw new ConditionCompileError(`transformer '${owner.name}' does not take a list here: ${printCondition(a)}`, a.pos);
  }
  return { operand: compileOperand(source, a) };
}

function joinParts<E>(parts: Array<TextPart<E>>, separator: string, ev: E): string | undefined {
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    let text: string;
    if (p.operand) {
      const v = p.operand.read(ev);
      if (v === undefined) return undefined;
      text = valueText(v);
    } else {
      text = p.constant as string;
    }
    out += i === 0 ? text : separator + text;
  }
  return out;
}

function compileJoin<E>(source: CompiledSource<E>, e: TransformerExpr): Operand<E> {
  const [sep, list] = e.args;
  if (e.args.length !== 2 || sep.kind !== 'value' || list.kind !== 'transformer_list') {
    throw new ConditionCompileError(`transformer 'join' takes a separator and a list: join(",", (a, b))`, e.pos);
  }
  const parts = list.items.map((a) => textPart(source, a, e));
  const inputs = parts.flatMap((p) => (p.operand ? [p.operand] : []));
  const separator = sep.value;
  return derived(e, inputs, 'string', false, (ev) => joinParts(parts, separator, ev));
}

/** getopt(args, "optstring")[o]: the value of option `-o` in a command line (`""` for a flag). */
function compileGetopt<E>(source: CompiledSource<E>, e: TransformerExpr): Operand<E> {
  const [argsExpr, optExpr] = e.args;
  if (e.args.length !== 2 || optExpr.kind !== 'value' || argsExpr.kind === 'value') {
    throw new ConditionCompileError(`transformer 'getopt' takes a field and an option string: getopt(proc.args, "nt:")[t]`, e.pos);
  }
  if (e.arg === undefined || e.arg.length !== 1) {
    throw new ConditionCompileError(`transformer 'getopt' needs the option letter as argument: getopt(proc.args, "nt:")[t]`, e.pos);
  }
  const input = compileOperand(source, argsExpr);
  if (kindOf(input.type) !== 'string') throw unsupported('getopt', input);
  const optstring = optExpr.value;
  const wanted = e.arg;
  const read = input.read;
  return derived(e, [input], 'string', false, (ev) => {
    const v = read(ev);
    if (v === undefined) return undefined;
    const tokens = Array.isArray(v) ? v.map(valueText) : valueText(v).split(/[ \t\n]+/).filter(Boolean);
    return findOption(tokens, optstring, wanted);
  });
}

function findOption(tokens: string[], optstring: string, wanted: string): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === '--') break;
    if (t.length < 2 || t[0] !== '-') continue;
    for (let j = 1; j < t.length; j++) {
      const c = t[j];
      const at = optstring.indexOf(c);
      if (at < 0 || c === ':') continue;
      if (optstring[at + 1] === ':') {
        const value = j + 1 < t.length ? t.slice(j + 1) : tokens[++i];
        if (c === wanted && value !== undefined) found = value;
        break;
      }
      if (c === wanted) found = '';
    }
  }
  return found;
}
