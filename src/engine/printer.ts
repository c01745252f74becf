// Canonical text of a condition, as libsinsp's `ast::as_string` prints it: the form Falco shows as
// `condition_compiled` and that its rule-loader tests compare against.

import type { Expr } from './ast.js';
import { escapeStr } from './escaping.js';

export function printCondition(e: Expr): string {
  switch (e.kind) {
    case 'and':
    case 'or':
      return `(${e.children.map(printCondition).join(` ${e.kind} `)})`;
    case 'not':
      return `not ${printCondition(e.child)}`;
    case 'identifier':
      return e.name;
    case 'unary_check':
      return `${printCondition(e.left)} ${e.op}`;
    case 'binary_check': {
      const op = e.modifier ? `${e.op} ${e.modifier}` : e.op;
      return `${printCondition(e.left)} ${op} ${printCondition(e.right)}`;
    }
    case 'value':
      return escapeStr(e.value);
    case 'list':
      return `(${e.values.map(escapeStr).join(', ')})`;
    case 'field':
      return e.arg === undefined ? e.field : `${e.field}[${escapeStr(e.arg)}]`;
    case 'transformer': {
      const args = e.args.map(printCondition).join(',');
      return e.arg === undefined ? `${e.name}(${args})` : `${e.name}(${args})[${escapeStr(e.arg)}]`;
    }
    case 'transformer_list':
      return `(${e.items.map(printCondition).join(', ')})`;
  }
}
