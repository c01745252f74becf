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
  // Falco's words are true of live events only: the libscap converter that reads .scap files (Falco's and
  // saker's) still emits the enter events of FORMAT.md §13.4, and evt.dir tells them from their exits.
  [
    'evt.dir',
    "due to the drop of enter events, 'evt.dir = <' always evaluates to true, and 'evt.dir = >' always evaluates " +
      'to false, on the events of a live Falco. In .scap captures the enter events of open, openat, openat2, creat, ' +
      "execve, execveat and connect (and events that have no exit, such as procexit) still reach the rules: there " +
      "'evt.dir = >' matches them and 'evt.dir = <' does not. The condition on 'evt.dir' can be removed where the " +
      'rule cannot match those events',
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
