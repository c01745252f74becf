// Warnings Falco's engine (not libsinsp) derives from a rule's resolved condition and its output
// (filter_warning_resolver.cpp, check_deprecated_fields_in_output): `<NA>` compared with k8s audit / JSON
// fields, and fields that no longer mean anything since enter events were dropped.

import { forEachNode, type Ast, type Expr } from '../ast.js';

export interface ConditionWarning {
  code: 'LOAD_UNSAFE_NA_CHECK' | 'LOAD_DEPRECATED_ITEM';
  message: string;
}

const LATENCY = 'field is not available due to the drop of enter events.';

/** Falco's deprecated fields (falco_load_result.cpp) and why. */
export const DEPRECATED_FIELDS: ReadonlyMap<string, string> = new Map([
  [
    'evt.dir',
    "due to the drop of enter events, 'evt.dir = <' always evaluates to true, and 'evt.dir = >' always evaluates " +
      "to false. The rule expression can be simplified by removing the condition on 'evt.dir'",
  ],
  ['evt.latency', LATENCY],
  ['evt.latency.s', LATENCY],
  ['evt.latency.ns', LATENCY],
  ['evt.latency.human', LATENCY],
  ['evt.wait_latency', LATENCY],
]);

const UNSAFE_NA =
  'Comparing a field value with <NA> is unsafe and can lead to unpredictable behavior of the rule condition. ' +
  "If you need to check for the existence of a field, consider using the 'exists' operator instead.";

const EQUALITY = new Set(['==', '=', '!=', 'in', 'intersects', 'pmatch']);

function isUnsafeField(e: Expr): boolean {
  return e.kind === 'field' && (e.field.startsWith('ka.') || e.field.startsWith('jevt.'));
}

export function conditionWarnings(ast: Ast): ConditionWarning[] {
  let unsafe = false;
  const deprecated = new Set<string>();
  forEachNode(ast, (node) => {
    if (node.kind === 'field' && DEPRECATED_FIELDS.has(node.field)) deprecated.add(node.field);
    if (node.kind !== 'binary_check' || !isUnsafeField(node.left) || !EQUALITY.has(node.op)) return;
    const right = node.right;
    if ((right.kind === 'value' && right.value === '<NA>') || (right.kind === 'list' && right.values.includes('<NA>'))) {
      unsafe = true;
    }
  });
  const out: ConditionWarning[] = [];
  if (unsafe) out.push({ code: 'LOAD_UNSAFE_NA_CHECK', message: UNSAFE_NA });
  for (const [field, why] of DEPRECATED_FIELDS) {
    if (deprecated.has(field)) out.push({ code: 'LOAD_DEPRECATED_ITEM', message: `usage of deprecated field '${field}': ${why}` });
  }
  return out;
}

/** Falco looks for the deprecated names as plain substrings of the output format. */
export function outputWarnings(format: string): string[] {
  const out: string[] = [];
  for (const field of DEPRECATED_FIELDS.keys()) {
    if (format.includes(field)) out.push(`usage of deprecated field '${field}' has been detected in the rule output`);
  }
  return out;
}
