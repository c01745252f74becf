// Compiles a condition AST (macros already resolved) into one predicate over events, for a source's fields:
// type checks and literal parsing happen here, once; evaluation is closures only. Missing values make every
// check false; only `not` turns that into true.

import type { Ast, BinaryCheckExpr, BoolExpr, Modifier, UnaryCheckExpr } from '../ast.js';
import { ConditionCompileError } from '../errors.js';
import { printCondition } from '../printer.js';
import type { FieldValue } from '../source.js';
import { literalTest, membershipTest, valuesCompare, valuesEqual, type ValueTest } from './compare.js';
import { resolveEventTypes } from './evttypes.js';
import { conditionGuards, type ConditionGuard } from './guards.js';
import type { Operand } from './operand.js';
import type { CompiledSource } from './source.js';
import { compileOperand } from './transformers.js';
import { checkOperator, falcoTypeName, kindOf } from './types.js';
import { checkWarnings, type ConditionWarning } from './warnings.js';

export type Predicate<E> = (event: E) => boolean;

export interface CompiledCondition<E> {
  evaluate: Predicate<E>;
  /** Syscall event names the condition can match; undefined when any (or for sources without types). */
  eventTypes: ReadonlySet<string> | undefined;
  warnings: ConditionWarning[];
  /** Fields read by the condition that have no extractor yet: until they do, `evaluate` is always false. */
  unreadableFields: string[];
  /** Equality checks the condition cannot hold without, for RuleIndex. */
  guards: Array<ConditionGuard<E>>;
}

const LIST_OPS = new Set(['in', 'intersects', 'pmatch']);
const EVTTYPE_VALUE_OPS = new Set(['=', '==', '!=', 'in', 'intersects']);

export function compileCondition<E>(ast: Ast, source: CompiledSource<E>): CompiledCondition<E> {
  const c = new ConditionCompiler(source);
  const evaluate = c.compile(ast);
  const eventTypes = source.eventNames ? resolveEventTypes(ast, source.eventNames) : undefined;
  const unreadableFields = [...c.unreadable];
  return {
    evaluate: unreadableFields.length > 0 ? () => false : evaluate,
    eventTypes,
    warnings: c.warnings,
    unreadableFields,
    guards: conditionGuards(ast, source),
  };
}

class ConditionCompiler<E> {
  readonly warnings: ConditionWarning[] = [];
  readonly unreadable = new Set<string>();
  private readonly seen = new Set<string>();

  constructor(private readonly source: CompiledSource<E>) {}

  compile(e: BoolExpr): Predicate<E> {
    return this.node(e).p;
  }

  /** The predicate of a node and its canonical text (the key under which the source may share it). */
  private node(e: BoolExpr): { p: Predicate<E>; key: string } {
    const source = this.source;
    switch (e.kind) {
      case 'and':
      case 'or': {
        const children = this.flatten(e.kind, e.children).map((c) => this.node(c));
        const key = `(${children.map((c) => c.key).join(` ${e.kind} `)})`;
        const p = source.sharedCheck(key, () => this.logical(e.kind, children.map((c) => c.p)));
        return { p, key };
      }
      case 'not': {
        const child = this.node(e.child);
        const inner = child.p;
        return { p: (ev) => !inner(ev), key: `not ${child.key}` };
      }
      case 'identifier': {
        const err = new ConditionCompileError(`Undefined macro '${e.name}' used in filter.`, e.pos);
        err.node = e;
        throw err;
      }
      case 'unary_check': {
        const key = printCondition(e);
        const read = this.at(e, () => this.operand(e.left).read);
        return { p: source.sharedCheck(key, () => (ev) => read(ev) !== undefined), key };
      }
      case 'binary_check': {
        const key = printCondition(e);
        const p = this.at(e, () => this.binary(e));
        return { p: source.sharedCheck(key, () => p), key };
      }
    }
  }

  /** `a and (b and c)` evaluates as `a and b and c`: one loop instead of nested closures. */
  private flatten(kind: 'and' | 'or', children: BoolExpr[]): BoolExpr[] {
    return children.flatMap((c) => (c.kind === kind ? this.flatten(kind, c.children) : [c]));
  }

  private logical(kind: 'and' | 'or', ps: Array<Predicate<E>>): Predicate<E> {
    if (ps.length === 1) return ps[0];
    const [a, b, c] = ps;
    if (kind === 'and') {
      if (ps.length === 2) return (ev) => a(ev) && b(ev);
      if (ps.length === 3) return (ev) => a(ev) && b(ev) && c(ev);
      return (ev) => {
        for (let i = 0; i < ps.length; i++) if (!ps[i](ev)) return false;
        return true;
      };
    }
    if (ps.length === 2) return (ev) => a(ev) || b(ev);
    if (ps.length === 3) return (ev) => a(ev) || b(ev) || c(ev);
    return (ev) => {
      for (let i = 0; i < ps.length; i++) if (ps[i](ev)) return true;
      return false;
    };
  }

  /** Gives errors the check being compiled (and its position) when they do not name a node already. */
  private at<T>(node: UnaryCheckExpr | BinaryCheckExpr, f: () => T): T {
    try {
      return f();
    } catch (err) {
      if (err instanceof ConditionCompileError && !err.node) {
        err.node = node;
        err.position ??= node.pos;
      }
      throw err;
    }
  }

  private operand(e: BinaryCheckExpr['left']): Operand<E> {
    const op = compileOperand(this.source, e);
    for (const f of op.fields) if (!f.def.extractor) this.unreadable.add(f.def.name);
    return op;
  }

  private warn(w: ConditionWarning): void {
    const key = `${w.code}\0${w.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.warnings.push(w);
  }

  private binary(e: BinaryCheckExpr): Predicate<E> {
    const left = this.operand(e.left);
    checkOperator(e.op, left.type, left.isList);
    if (e.right.kind === 'transformer') return this.fieldToField(e, left);
    for (const w of checkWarnings(this.source, e)) this.warn(w);
    const texts = e.right.kind === 'list' ? e.right.values : [e.right.value];
    this.checkEventTypes(left, e, texts);
    const read = left.read;
    if (e.modifier) return this.modified(left, e, texts, e.modifier);
    if (LIST_OPS.has(e.op)) {
      const member = membershipTest(left.type, e.op, texts);
      if (left.isList) return listTest(read, member, e.op === 'in');
      if (kindOf(left.type) === 'string' && e.op !== 'pmatch') {
        // The common `proc.name in (…)` case: one Set lookup, and a missing value is never in the set.
        return (ev) => {
          const x = read(ev);
          if (x === undefined) return false;
          return Array.isArray(x) ? x.some(member) : member(x);
        };
      }
      return scalarTest(read, member, e.op);
    }
    const test = literalTest(left.type, e.op, texts[0]);
    if (kindOf(left.type) === 'string' && (e.op === '=' || e.op === '==')) {
      const lit = texts[0];
      return (ev) => {
        const x = read(ev);
        return x === lit || (Array.isArray(x) && x.includes(lit));
      };
    }
    return scalarTest(read, test, e.op);
  }

  /** `op oneof|anyof|allof (…)`: how many elements of the list the value matches with `op`. */
  private modified(left: Operand<E>, e: BinaryCheckExpr, texts: readonly string[], mod: Modifier): Predicate<E> {
    const tests = texts.map((t) => literalTest(left.type, e.op, t));
    const read = left.read;
    if (tests.length === 0) return () => false;
    let combined: ValueTest;
    if (mod === 'anyof') combined = (x) => tests.some((t) => t(x));
    else if (mod === 'allof') combined = (x) => tests.every((t) => t(x));
    else
      combined = (x) => {
        let n = 0;
        for (const t of tests) if (t(x) && ++n > 1) return false;
        return n === 1;
      };
    return scalarTest(read, combined);
  }

  /** `evt.type = foo` with an event name the source does not know is an error, as in Falco. */
  private checkEventTypes(left: Operand<E>, e: BinaryCheckExpr, texts: readonly string[]): void {
    const names = this.source.eventNames;
    const plain = left.plain;
    if (!names || !plain || plain.def.name !== 'evt.type' || plain.arg !== undefined || !EVTTYPE_VALUE_OPS.has(e.op)) return;
    for (const t of texts) if (!names.has(t)) throw new ConditionCompileError(`unknown event type ${t}`);
  }

  /** `a = val(b)`, `a = toupper(b)`: both sides read per event; identical type and list-ness required. */
  private fieldToField(e: BinaryCheckExpr, left: Operand<E>): Predicate<E> {
    const rightExpr = e.right;
    if (rightExpr.kind !== 'transformer') throw new Error('unreachable');
    let right: Operand<E>;
    if (rightExpr.name === 'val') {
      // The parser only lets a plain field into val().
      const inner = rightExpr.args[0];
      if (inner.kind !== 'field') throw new ConditionCompileError(`'val' takes exactly one field`);
      right = this.operand(inner);
    } else {
      right = this.operand(rightExpr);
    }
    if (right.plain?.def.flags.includes('NO_RHS')) {
      throw new ConditionCompileError(`field '${right.text}' cannot be used on the right-hand side of a comparison`);
    }
    if (e.op === 'pmatch' || e.op === 'regex' || kindOf(left.type) === 'ipnet') {
      throw new ConditionCompileError(`'${e.op}' operator does not support a field on the right-hand side`);
    }
    if (e.modifier) throw new ConditionCompileError(`'${e.op} ${e.modifier}' does not support a field on the right-hand side`);
    if (left.type !== right.type || left.isList !== right.isList) {
      const name = (o: Operand<E>): string => (o.isList ? `LIST(${falcoTypeName(o.type)})` : falcoTypeName(o.type));
      throw new ConditionCompileError(
        `field '${left.text}' has type '${name(left)}' while the right-hand side field '${right.text}' has incompatible type '${name(right)}'`,
      );
    }
    const lread = left.read;
    const rread = right.read;
    if (LIST_OPS.has(e.op)) {
      const eq = valuesEqual(kindOf(left.type));
      const every = e.op === 'in';
      return (ev) => {
        const x = lread(ev);
        if (x === undefined) return false;
        const y = rread(ev);
        if (y === undefined) return false;
        const ys = Array.isArray(y) ? y : [y];
        const member = (v: FieldValue): boolean => ys.some((w) => eq(v, w));
        if (!Array.isArray(x)) return member(x);
        return every ? x.every(member) : x.some(member);
      };
    }
    const cmp = valuesCompare(left.type, e.op);
    return (ev) => {
      const x = lread(ev);
      if (x === undefined) return false;
      const y = rread(ev);
      return y !== undefined && cmp(x, y);
    };
  }
}

/**
 * A scalar field's check. Multi-valued fields (proc.aname and friends without an index: every ancestor;
 * fd.ip, fd.net, fd.port: both ends of a socket) give an array of values: the check holds when one value
 * passes it, and `!=` when every value does (libsinsp's compare_full_aname, compare_ip, compare_net).
 */
function scalarTest<E>(read: (e: E) => FieldValue | undefined, test: ValueTest, op?: string): Predicate<E> {
  const every = op === '!=';
  return (ev) => {
    const x = read(ev);
    if (x === undefined) return false;
    if (Array.isArray(x)) return every ? x.every(test) : x.some(test);
    return test(x);
  };
}

/** List fields: `in` wants every element in the set, `intersects` one. */
function listTest<E>(read: (e: E) => FieldValue | undefined, member: ValueTest, every: boolean): Predicate<E> {
  return (ev) => {
    const x = read(ev);
    if (x === undefined) return false;
    const xs = Array.isArray(x) ? x : [x];
    return every ? xs.every(member) : xs.some(member);
  };
}
