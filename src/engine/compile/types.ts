// Which operators apply to which field types (libsinsp flt_is_comparable) and how types are named in
// Falco's messages.

import type { BinaryOperator } from '../ast.js';
import { ConditionCompileError } from '../errors.js';
import type { FieldType } from '../source.js';

/** How values of a type are compared; several field types share one kind. */
export type ValueKind = 'string' | 'number' | 'bool' | 'ipaddr' | 'ipnet' | 'bytebuf' | 'dynamic';

export function kindOf(type: FieldType): ValueKind {
  switch (type) {
    case 'string':
    case 'fspath':
      return 'string';
    case 'bool':
      return 'bool';
    case 'ipaddr':
      return 'ipaddr';
    case 'ipnet':
      return 'ipnet';
    case 'bytebuf':
      return 'bytebuf';
    case 'dynamic':
      return 'dynamic';
    default:
      return 'number';
  }
}

const FALCO_TYPE_NAMES: Record<FieldType, string> = {
  string: 'CHARBUF',
  fspath: 'FSPATH',
  int64: 'INT64',
  uint64: 'UINT64',
  double: 'DOUBLE',
  bool: 'BOOL',
  ipaddr: 'IPADDR',
  ipnet: 'IPNET',
  port: 'PORT',
  l4proto: 'L4PROTO',
  abstime: 'ABSTIME',
  reltime: 'RELTIME',
  bytebuf: 'BYTEBUF',
  dynamic: 'DYNAMIC',
};

/** libsinsp's name of a type (`CHARBUF`, `UINT64`), as error messages print it. */
export function falcoTypeName(type: FieldType): string {
  return FALCO_TYPE_NAMES[type];
}

/** libsinsp's spelling of an operator in messages (`==` is its `=`). */
export function operatorName(op: BinaryOperator | 'exists'): string {
  return op === '==' ? '=' : op;
}

const NUMERIC_OPS = new Set(['=', '==', '!=', '<', '<=', '>', '>=', 'in', 'intersects']);
const EQUALITY_OPS = new Set(['=', '==', '!=', 'in', 'intersects']);
const BUFFER_OPS = new Set([
  '=',
  '==',
  '!=',
  'contains',
  'in',
  'startswith',
  'endswith',
  'intersects',
  'bcontains',
  'bstartswith',
]);
const LIST_OPS = new Set(['in', 'intersects']);

const LEGAL: Record<ValueKind, { ops: ReadonlySet<string> | 'all'; what: string }> = {
  number: { ops: NUMERIC_OPS, what: 'numeric' },
  bool: { ops: EQUALITY_OPS, what: 'boolean' },
  ipaddr: { ops: EQUALITY_OPS, what: 'ip address' },
  ipnet: { ops: EQUALITY_OPS, what: 'ip network' },
  string: { ops: 'all', what: 'string' },
  bytebuf: { ops: BUFFER_OPS, what: 'buffer' },
  dynamic: { ops: 'all', what: 'dynamic' },
};

/** Throws Falco's error when `op` does not apply to a (list) field of `type`. `exists` always applies. */
export function checkOperator(op: BinaryOperator, type: FieldType, isList: boolean): void {
  const kind = kindOf(type);
  let legal: boolean;
  let what: string;
  if (isList) {
    legal = LIST_OPS.has(op);
    what = 'list';
  } else {
    const rule = LEGAL[kind];
    legal = rule.ops === 'all' ? kind === 'dynamic' || (op !== 'bcontains' && op !== 'bstartswith') : rule.ops.has(op);
    what = rule.what;
  }
  if (!legal) {
    throw new ConditionCompileError(`filter error: '${operatorName(op)}' operator not supported for ${what} filters`);
  }
}
