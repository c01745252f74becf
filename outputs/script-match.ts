// Which alerts a scripted response is meant for, in the spirit of Falco Talon's `match` block: rule names,
// a priority comparison (`>=Critical`), tag sets, output-field equalities (`k8s.ns.name=prod`,
// `user.name!=root`) and the source. Every criterion given must hold; a list holds when one of its items does
// (tags, rules), except output fields, which must all hold.

import { render } from './alert-template.js';
import type { Alert } from './output.js';
import { priorityNamed, priorityRank } from './priority.js';

export interface MatchSpec {
  rules: string[];
  priority?: string;
  tags: string[];
  outputFields: string[];
  source?: string;
}

export type AlertMatcher = (alert: Alert) => boolean;

type Test = (alert: Alert) => boolean;

const COMPARISONS: Record<string, (rank: number, bound: number) => boolean> = {
  // A lower rank is more severe, so ">=Critical" means rank <= Critical's.
  '>=': (r, b) => r <= b,
  '>': (r, b) => r < b,
  '<=': (r, b) => r >= b,
  '<': (r, b) => r > b,
  '=': (r, b) => r === b,
  '!=': (r, b) => r !== b,
};

/** Compiles the match block; `fail(key, problem)` reports a bad criterion naming its key. */
export function compileMatch(spec: MatchSpec, fail: (key: string, problem: string) => never): AlertMatcher {
  const tests: Test[] = [];

  if (spec.rules.length > 0) {
    const rules = new Set(spec.rules);
    tests.push((a) => rules.has(a.rule));
  }

  if (spec.priority) {
    const m = /^\s*(>=|<=|!=|>|<|=)?\s*([A-Za-z]+)\s*$/.exec(spec.priority);
    const bound = m ? priorityNamed(m[2]!) : undefined;
    if (!m || !bound) fail('match.priority', `expected a priority with an optional comparison (>=Critical, <Warning, =Error), got '${spec.priority}'`);
    const compare = COMPARISONS[m[1] ?? '=']!;
    const boundRank = priorityRank(bound);
    tests.push((a) => compare(priorityRank(a.priority), boundRank));
  }

  if (spec.tags.length > 0) {
    // Each item is a set of tags that must all be present ("container,shell"); any item may match.
    const sets = spec.tags.map((item) => item.split(',').map((t) => t.trim()).filter(Boolean));
    tests.push((a) => sets.some((set) => set.every((t) => a.tags.includes(t))));
  }

  for (const condition of spec.outputFields) {
    const m = /^([^=!]+?)\s*(!=|=)\s*(.*)$/.exec(condition);
    if (!m) fail('match.output_fields', `expected field=value or field!=value, got '${condition}'`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    const equal = (a: Alert) => {
      const v = a.output_fields[field.trim()];
      return v !== undefined && render(v) === value.trim();
    };
    tests.push(op === '=' ? equal : (a) => !equal(a));
  }

  if (spec.source) {
    const source = spec.source;
    tests.push((a) => a.source === source);
  }

  return (alert) => tests.every((t) => t(alert));
}
