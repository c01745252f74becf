// Guards: the equality checks a condition cannot be true without. `kevt and kcreate and pod and …` holds
// only when `ka.verb = create`, so a rule set can skip that rule, without evaluating it, for every event
// whose verb is something else (RuleIndex). Only top-level conjuncts on plain, scalar string fields count.

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

function conjuncts(e: BoolExpr): BoolExpr[] {
  return e.kind === 'and' ? e.children.flatMap(conjuncts) : [e];
}

export function conditionGuards<E>(ast: BoolExpr, source: CompiledSource<E>): Array<ConditionGuard<E>> {
  const byField = new Map<string, { left: FieldExpr; values: Set<string> }>();
  for (const c of conjuncts(ast)) {
    if (c.kind !== 'binary_check' || c.modifier || !GUARD_OPS.has(c.op) || c.left.kind !== 'field') continue;
    if (c.right.kind === 'transformer') continue;
    const ref = source.lookup(c.left.field);
    if (!ref || ref.def.isList || kindOf(ref.def.type) !== 'string') continue;
    const field = printCondition(c.left);
    const values = new Set(c.right.kind === 'list' ? c.right.values : [c.right.value]);
    const known = byField.get(field);
    // Two guards on one field: the value must satisfy both.
    byField.set(field, { left: c.left, values: known ? new Set([...known.values].filter((v) => values.has(v))) : values });
  }
  return [...byField].map(([field, { left, values }]) => ({ field, values, read: compileField(source, left).read }));
}
