// The ruleset: compiled rules indexed by source and, for syscall rules, by the event types their
// condition can match, so that an event is only tried against rules that could fire for it. Rules are
// tried in first-definition order; `first` stops at the first match (Falco's default), `all` collects
// every match. Enabling works as Falco's: by name substring (-D), by tag (-T/-t), by priority threshold.

import { atLeast, type Priority } from '../alert.js';
import { RuleIndex } from './compile/rule_index.js';
import type { CompiledRule } from './loader/compiler.js';

export type MatchMode = 'first' | 'all';

/** Which rules an enable/disable applies to; all given criteria must hold. */
export interface RuleSelector {
  /** A substring of the rule name, as Falco's `-D` (or the exact name with `exact: true`). */
  name?: string;
  exact?: boolean;
  /** The rule has this tag. */
  tag?: string;
}

type Candidates<E> = RuleIndex<E, CompiledRule<E>>;

interface SourceIndex<E> {
  /** Active rules that can match any event type, in order. */
  anyType: Candidates<E>;
  /** Active rules for each event type some rule names, merged with anyType, in order. */
  byType: Map<string, Candidates<E>>;
  /** Whether the source indexes by event type (syscall). */
  typed: boolean;
}

/**
 * Within a candidate list, rules are also indexed by their guards (`ka.verb in (create)`…), so an event is
 * only evaluated against the rules whose guards its field values pass — same order, same results.
 */
function candidates<E>(rules: CompiledRule<E>[]): Candidates<E> {
  return new RuleIndex(rules, { guards: (r) => r.guards, evaluate: (r, e) => r.evaluate(e) });
}

export class Ruleset<E = unknown> {
  private readonly enabled = new Map<CompiledRule<E>, boolean>();
  private minimum: Priority = 'Debug';
  private index = new Map<string, SourceIndex<E>>();
  private lastSource: string | undefined = undefined;
  private lastIndex: SourceIndex<E> | undefined = undefined;

  /**
   * @param rules compiled rules in evaluation order
   * @param typedSources sources whose rules are indexed by event type (Falco: syscall only)
   */
  constructor(
    readonly rules: readonly CompiledRule<E>[],
    private readonly typedSources: ReadonlySet<string> = new Set(['syscall']),
  ) {
    for (const rule of rules) this.enabled.set(rule, rule.enabled);
    this.rebuild();
  }

  /** Rules less severe than `minimum` never match (Falco's `priority` setting). */
  setMinimumPriority(minimum: Priority): void {
    this.minimum = minimum;
    this.rebuild();
  }

  get minimumPriority(): Priority {
    return this.minimum;
  }

  /** Enables or disables the matching rules; returns how many matched the selector. */
  setEnabled(selector: RuleSelector, enabled: boolean): number {
    let count = 0;
    for (const rule of this.rules) {
      if (!selects(selector, rule)) continue;
      this.enabled.set(rule, enabled);
      count++;
    }
    this.rebuild();
    return count;
  }

  /** Whether the rule can fire: enabled, and at least as severe as the minimum priority. */
  isActive(rule: CompiledRule<E>): boolean {
    return this.enabled.get(rule) === true && atLeast(rule.priority, this.minimum);
  }

  /** The rules an event of `source` (and, for syscall, of `eventType`) is tried against, in order. */
  candidates(source: string, eventType: string | undefined): readonly CompiledRule<E>[] {
    return this.indexFor(source, eventType)?.rules ?? [];
  }

  /** The first active rule whose condition holds, or undefined. */
  first(source: string, event: E, eventType?: string): CompiledRule<E> | undefined {
    return this.indexFor(source, eventType)?.first(event);
  }

  /** Every active rule whose condition holds, in order. */
  all(source: string, event: E, eventType?: string): CompiledRule<E>[] {
    return this.indexFor(source, eventType)?.all(event) ?? [];
  }

  match(mode: MatchMode, source: string, event: E, eventType?: string): CompiledRule<E>[] {
    if (mode === 'all') return this.all(source, event, eventType);
    const rule = this.first(source, event, eventType);
    return rule === undefined ? [] : [rule];
  }

  /**
   * False when no active rule can match an event of `source` (and `eventType`): the caller may skip the
   * event without evaluating anything (most syscall event types have no rule in falco_rules.yaml).
   */
  hasCandidates(source: string, eventType: string | undefined): boolean {
    return this.lookup(source, eventType) !== undefined;
  }

  /** The rules an event of `source` (and `eventType`) is tried against; undefined when there are none. */
  lookup(source: string, eventType: string | undefined): RuleIndex<E, CompiledRule<E>> | undefined {
    const idx = this.indexFor(source, eventType);
    return idx !== undefined && idx.rules.length > 0 ? idx : undefined;
  }

  /** match() on the candidates lookup() returned. */
  matchIn(mode: MatchMode, candidates: RuleIndex<E, CompiledRule<E>>, event: E): CompiledRule<E>[] {
    if (mode === 'all') return candidates.all(event);
    const rule = candidates.first(event);
    return rule === undefined ? [] : [rule];
  }

  private indexFor(source: string, eventType: string | undefined): Candidates<E> | undefined {
    // Events come in runs of one source: the last source's index is kept (rebuild() resets it).
    let idx = this.lastIndex;
    if (source !== this.lastSource) {
      idx = this.index.get(source);
      this.lastSource = source;
      this.lastIndex = idx;
    }
    if (idx === undefined) return undefined;
    if (!idx.typed || eventType === undefined) return idx.anyType;
    return idx.byType.get(eventType) ?? idx.anyType;
  }

  private rebuild(): void {
    this.lastSource = undefined;
    this.lastIndex = undefined;
    const lists = new Map<string, { anyType: CompiledRule<E>[]; byType: Map<string, CompiledRule<E>[]>; typed: boolean }>();
    for (const rule of this.rules) {
      if (!this.isActive(rule)) continue;
      let idx = lists.get(rule.source);
      if (idx === undefined) {
        idx = { anyType: [], byType: new Map(), typed: this.typedSources.has(rule.source) };
        lists.set(rule.source, idx);
      }
      const types = idx.typed ? rule.eventTypes : undefined;
      if (types === undefined) {
        idx.anyType.push(rule);
        for (const list of idx.byType.values()) list.push(rule);
        continue;
      }
      for (const type of types) {
        let list = idx.byType.get(type);
        if (list === undefined) {
          // A type seen for the first time gets the any-type rules that precede this rule.
          list = [...idx.anyType];
          idx.byType.set(type, list);
        }
        list.push(rule);
      }
    }
    this.index = new Map(
      [...lists].map(([source, l]) => [
        source,
        {
          anyType: candidates(l.anyType),
          byType: new Map([...l.byType].map(([type, rules]) => [type, candidates(rules)])),
          typed: l.typed,
        },
      ]),
    );
  }
}

function selects<E>(selector: RuleSelector, rule: CompiledRule<E>): boolean {
  if (selector.name !== undefined) {
    if (selector.exact === true ? rule.name !== selector.name : !rule.name.includes(selector.name)) return false;
  }
  if (selector.tag !== undefined && !rule.tags.includes(selector.tag)) return false;
  return true;
}
