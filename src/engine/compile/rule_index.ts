// Tries an event only against the rules whose guards it passes. A guard says a rule cannot match unless a
// field has one of some values (compile/guards.ts); for each guarded field the index keeps, per value, the
// bit set of rules that value lets through, so an event costs one read and one map lookup per field, and
// only the surviving rules are evaluated — in rule order, as Falco's `first`/`all` matching requires.

import type { FieldValue } from '../source.js';
import type { ConditionGuard } from './guards.js';

export interface RuleIndexOptions<E, R> {
  guards: (rule: R) => ReadonlyArray<ConditionGuard<E>>;
  evaluate: (rule: R, event: E) => boolean;
  /** At most this many fields are indexed (the ones guarding most rules). */
  maxFields?: number;
}

interface IndexedField<E> {
  read: (event: E) => FieldValue | undefined;
  /** Rules each value lets through (unguarded rules included). */
  byValue: Map<string, Uint32Array>;
  /** Rules without a guard on the field: all that other values (or a missing value) let through. */
  unguarded: Uint32Array;
}

export class RuleIndex<E, R> {
  readonly rules: readonly R[];
  /** The indexed fields, for diagnostics. */
  readonly fields: readonly string[];
  private readonly indexed: Array<IndexedField<E>>;
  private readonly evaluate: (rule: R, event: E) => boolean;
  private readonly words: number;
  private readonly scratch: Uint32Array;

  constructor(rules: readonly R[], opts: RuleIndexOptions<E, R>) {
    this.rules = rules;
    this.evaluate = opts.evaluate;
    this.words = Math.ceil(rules.length / 32);
    this.scratch = new Uint32Array(this.words);
    const readers = new Map<string, (event: E) => FieldValue | undefined>();
    const guards = rules.map((r) => {
      const byField = new Map<string, ReadonlySet<string>>();
      for (const g of opts.guards(r)) {
        byField.set(g.field, g.values);
        if (!readers.has(g.field)) readers.set(g.field, g.read);
      }
      return byField;
    });
    const counts = new Map<string, number>();
    for (const g of guards) for (const f of g.keys()) counts.set(f, (counts.get(f) ?? 0) + 1);
    this.fields = [...counts]
      .filter(([, n]) => n >= 2)
      .sort((a, b) => b[1] - a[1])
      .slice(0, opts.maxFields ?? 4)
      .map(([f]) => f);
    this.indexed = this.fields.map((field) => {
      const unguarded = this.mask(guards.map((g) => !g.has(field)));
      const values = new Set(guards.flatMap((g) => [...(g.get(field) ?? [])]));
      const byValue = new Map<string, Uint32Array>();
      for (const v of values) byValue.set(v, this.mask(guards.map((g) => g.get(field)?.has(v) ?? true)));
      return { read: readers.get(field) as (event: E) => FieldValue | undefined, byValue, unguarded };
    });
  }

  /** The first rule (in order) whose condition holds for the event. */
  first(event: E): R | undefined {
    const mask = this.candidates(event);
    for (let w = 0; w < this.words; w++) {
      for (let bits = mask[w]; bits !== 0; bits &= bits - 1) {
        const rule = this.rules[w * 32 + 31 - Math.clz32(bits & -bits)];
        if (this.evaluate(rule, event)) return rule;
      }
    }
    return undefined;
  }

  /** Every rule whose condition holds for the event, in order. */
  all(event: E): R[] {
    const mask = this.candidates(event);
    const out: R[] = [];
    for (let w = 0; w < this.words; w++) {
      for (let bits = mask[w]; bits !== 0; bits &= bits - 1) {
        const rule = this.rules[w * 32 + 31 - Math.clz32(bits & -bits)];
        if (this.evaluate(rule, event)) out.push(rule);
      }
    }
    return out;
  }

  /** How many rules the event would be tried against (for tests and diagnostics). */
  candidateCount(event: E): number {
    const mask = this.candidates(event);
    let n = 0;
    for (let w = 0; w < this.words; w++) for (let bits = mask[w]; bits !== 0; bits &= bits - 1) n++;
    return n;
  }

  private candidates(event: E): Uint32Array {
    const mask = this.scratch;
    const words = this.words;
    for (let w = 0; w < words; w++) mask[w] = 0xffffffff;
    for (const f of this.indexed) {
      const x = f.read(event);
      const allowed = (typeof x === 'string' ? f.byValue.get(x) : undefined) ?? f.unguarded;
      for (let w = 0; w < words; w++) mask[w] &= allowed[w];
    }
    const tail = this.rules.length % 32;
    if (tail !== 0) mask[words - 1] &= (1 << tail) - 1;
    return mask;
  }

  private mask(bits: boolean[]): Uint32Array {
    const m = new Uint32Array(this.words);
    bits.forEach((on, i) => {
      if (on) m[i >>> 5] |= 1 << (i & 31);
    });
    return m;
  }
}
