// Guards: the equality checks a condition cannot be true without. `kevt and kcreate and pod and …` holds
// only when `ka.verb = create`, so a rule set can skip that rule, without evaluating it, for every event
// whose verb is something else (RuleIndex). Checks on plain, scalar string fields count, in conjuncts and
// in disjunctions that each guard the same field: `(role or clusterrole)` holds only when
// `ka.target.resource` is `roles` or `clusterroles`.

import type { BoolExpr, FieldExpr } from '../ast.js';
import { printCondition } from '../printer.js';
import type { FieldValue } from '../source.js';
import { compileField } from './operand.js';
import type { CompiledSource } from './source.js';
import { kindOf } from './types.js';

export interface ConditionGuard<E = unknown> {
  /** The field as written, argument included (`ka.verb`, `jevt.value[/stage]`): the index key. */
  field: string;
  /** The condition is false unless the field's value is one of these. */
  values: ReadonlySet<string>;
  /** Reads the field from an event. */
  read: (event: E) => FieldValue | undefined;
}

const GUARD_OPS = new Set(['=', '==', 'in', 'intersects']);

type Guarded = Map<string, { left: FieldExpr; values: ReadonlySet<string> }>;

/** The guards of a condition, by field: intersected over `and`, united over `or` (fields every branch guards). */
function guardsOf<E>(e: BoolExpr, source: CompiledSource<E>): Guarded {
  const found: Guarded = new Map();
  if (e.kind === 'and') {
    for (const c of e.children) {
      for (const [field, g] of guardsOf(c, source)) {
        const known = found.get(field);
        // Two guards on one field: the value must satisfy both.
        found.set(field, known ? { left: g.left, values: new Set([...known.values].filter((v) => g.values.has(v))) } : g);
      }
    }
  } else if (e.kind === 'or') {
    const branches = e.children.map((c) => guardsOf(c, source));
    for (const [field, g] of branches[0]!) {
      if (!branches.every((b) => b.has(field))) continue;
      found.set(field, { left: g.left, values: new Set(branches.flatMap((b) => [...b.get(field)!.values])) });
    }
  } else if (e.kind === 'binary_check' && !e.modifier && GUARD_OPS.has(e.op) && e.left.kind === 'field' && e.right.kind !== 'transformer') {
    const ref = source.lookup(e.left.field);
    if (ref && !ref.def.isList && kindOf(ref.def.type) === 'string') {
      found.set(printCondition(e.left), { left: e.left, values: new Set(e.right.kind === 'list' ? e.right.values : [e.right.value]) });
    }
  }
  return found;
}

export function conditionGuards<E>(ast: BoolExpr, source: CompiledSource<E>): Array<ConditionGuard<E>> {
  return [...guardsOf(ast, source)].map(([field, { left, values }]) => ({ field, values, read: compileField(source, left).read }));
}
