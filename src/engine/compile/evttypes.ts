// The event types a syscall condition can match, as libsinsp's ppm_event_codes does (filter/ppm_codes.cpp):
// `evt.type` checks give sets, `and` intersects, `or` unites, negations are pushed down to the checks (De
// Morgan) where they complement `evt.type` sets and leave other checks neutral (all types). Falco indexes
// rules by this set and warns (LOAD_NO_EVTTYPE) when it is too large.

import type { BoolExpr } from '../ast.js';
import { SYSCALL_EVENTS } from '../fields/index.js';

const EVTTYPE_OPS = new Set(['=', '==', '!=', 'in']);

/**
 * The event names `ast` can match: a subset of `all`; undefined when it can match every one of them (the rule
 * must then run on every event). Empty when no event can match (`evt.type = open and evt.type = close`, or
 * `evt.num = 0`, the "never true" placeholder of the upstream rules: event numbers start at 1).
 */
export function resolveEventTypes(ast: BoolExpr, all: ReadonlySet<string>): ReadonlySet<string> | undefined {
  const set = resolve(ast, false, all);
  return set.size === all.size ? undefined : set;
}

function complement(all: ReadonlySet<string>, s: ReadonlySet<string>): ReadonlySet<string> {
  if (s.size === 0) return all;
  const out = new Set<string>();
  for (const n of all) if (!s.has(n)) out.add(n);
  return out;
}

// Neutral checks give the `all` set itself; these short-cut it so that resolving a long rule does not copy
// the 450 event names at every node.
function intersect(all: ReadonlySet<string>, a: ReadonlySet<string>, b: ReadonlySet<string>): ReadonlySet<string> {
  if (a === all) return b;
  if (b === all) return a;
  const out = new Set<string>();
  for (const n of a) if (b.has(n)) out.add(n);
  return out;
}

function unionOf(all: ReadonlySet<string>, a: ReadonlySet<string>, b: ReadonlySet<string>): ReadonlySet<string> {
  if (a === all || b === all) return all;
  return new Set([...a, ...b]);
}

function resolve(e: BoolExpr, negated: boolean, all: ReadonlySet<string>): ReadonlySet<string> {
  switch (e.kind) {
    case 'and':
    case 'or': {
      // Under a negation, `and` behaves as `or` and vice versa (the negation moves to the children).
      const unite = (e.kind === 'or') !== negated;
      let acc: ReadonlySet<string> | undefined;
      for (const c of e.children) {
        const s = resolve(c, negated, all);
        acc = acc === undefined ? s : unite ? unionOf(all, acc, s) : intersect(all, acc, s);
      }
      return acc ?? all;
    }
    case 'not':
      return resolve(e.child, !negated, all);
    case 'binary_check': {
      const left = e.left;
      const plain = left.kind === 'field' && left.arg === undefined;
      if (plain && left.field === 'evt.type' && EVTTYPE_OPS.has(e.op) && e.right.kind !== 'transformer') {
        const names = e.right.kind === 'list' ? e.right.values : [e.right.value];
        const set = new Set(names.filter((n) => all.has(n)));
        return negated !== (e.op === '!=') ? complement(all, set) : set;
      }
      if (plain && left.field === 'evt.num' && (e.op === '=' || e.op === '==') && e.right.kind === 'value' && e.right.value === '0') {
        return negated ? all : new Set();
      }
      return all;
    }
    case 'unary_check': {
      const evtType = e.left.kind === 'field' && e.left.field === 'evt.type' && e.left.arg === undefined;
      return evtType && negated ? new Set() : all;
    }
    case 'identifier':
      return all;
  }
}

const CODES_PER_NAME = new Map(SYSCALL_EVENTS.map(([name, enter, exit]) => [name, (enter ? 1 : 0) + (exit ? 1 : 0)]));

/**
 * How many event codes (enter and exit events counted apart, as Falco counts them) a set of syscall event
 * names stands for; all of them for undefined. Falco warns LOAD_NO_EVTTYPE above 100.
 */
export function eventCodeCount(names: ReadonlySet<string> | undefined): number {
  let n = 0;
  for (const name of names ?? CODES_PER_NAME.keys()) n += CODES_PER_NAME.get(name) ?? 1;
  return n;
}
