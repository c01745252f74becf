import { describe, expect, it } from 'vitest';
import { compileCondition, CompiledSource, parseCondition, RuleIndex } from '../../src/engine/index.js';
import { field, type TestEvent } from './helpers.js';

/** A source whose extractors count their reads, to see what evaluation actually does. */
function countingSource(shareChecks: boolean): { source: CompiledSource<TestEvent>; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const defs = [field('ka.verb', 'string'), field('ka.target.resource', 'string'), field('ka.user.name', 'string'), field('ka.images', 'string', { isList: true })];
  const source = new CompiledSource<TestEvent>(
    {
      name: 'k8s_audit',
      fields: defs.map((d) => ({
        ...d,
        extractor: () => (e: TestEvent) => {
          reads.set(d.name, (reads.get(d.name) ?? 0) + 1);
          return e[d.name];
        },
      })),
      plugins: [],
      eventTime: () => 0n,
    },
    { shareChecks },
  );
  return { source, reads };
}

const RULES = [
  'ka.verb = create and ka.target.resource = pods and ka.user.name = alice',
  'ka.verb in (create, update) and ka.target.resource = configmaps',
  'ka.verb = delete and ka.target.resource = pods',
  'ka.user.name = bob or ka.verb = get',
  'ka.verb = create and ka.target.resource = pods and not ka.user.name = alice',
];

describe('shared checks', () => {
  it('evaluate each distinct check once per event across rules', () => {
    const { source, reads } = countingSource(true);
    const rules = RULES.map((c) => compileCondition(parseCondition(c), source).evaluate);
    const ev = { 'ka.verb': 'create', 'ka.target.resource': 'pods', 'ka.user.name': 'carol' };
    source.nextEvent();
    expect(rules.map((r) => r(ev))).toEqual([false, false, false, false, true]);
    expect(reads.get('ka.verb')).toBe(4); // `= create`, `in (create, update)`, `= delete`, `= get`
    expect(reads.get('ka.target.resource')).toBe(2); // `= pods` once for rules 0 and 4, `= configmaps`
  });

  it('start afresh for a new event, and for the same object after nextEvent()', () => {
    const { source } = countingSource(true);
    const rule = compileCondition(parseCondition('ka.verb = create'), source).evaluate;
    const ev: TestEvent = { 'ka.verb': 'create' };
    expect(rule(ev)).toBe(true);
    ev['ka.verb'] = 'get'; // a reused, mutated event object
    source.nextEvent();
    expect(rule(ev)).toBe(false);
    expect(rule({ 'ka.verb': 'create' })).toBe(true);
  });
});

describe('RuleIndex', () => {
  const { source } = countingSource(false);
  const rules = RULES.map((c, i) => ({ name: `r${i}`, ...compileCondition(parseCondition(c), source) }));
  const index = new RuleIndex(rules, { guards: (r) => r.guards, evaluate: (r, e) => r.evaluate(e) });

  it('indexes the fields rules are guarded by', () => {
    expect(index.fields).toEqual(['ka.verb', 'ka.target.resource']);
    expect(rules[1].guards.map((g) => [g.field, [...g.values]])).toEqual([
      ['ka.verb', ['create', 'update']],
      ['ka.target.resource', ['configmaps']],
    ]);
    expect(rules[3].guards).toEqual([]);
  });

  it('takes guards from disjunctions whose every branch guards the same field', () => {
    const guards = (c: string) => compileCondition(parseCondition(c), source).guards.map((g) => [g.field, [...g.values].sort()]);
    expect(guards('(ka.target.resource = roles or ka.target.resource = clusterroles) and ka.verb in (create, update)')).toEqual([
      ['ka.target.resource', ['clusterroles', 'roles']],
      ['ka.verb', ['create', 'update']],
    ]);
    expect(guards('ka.verb = get or (ka.verb in (list, get) and ka.user.name = x)')).toEqual([['ka.verb', ['get', 'list']]]);
    expect(guards('ka.verb = get or ka.user.name = x')).toEqual([]);
    expect(guards('not (ka.verb = get or ka.verb = list)')).toEqual([]);
    const ored = [
      '(ka.target.resource = pods or ka.target.resource = configmaps) and (ka.verb = delete or ka.user.name = bob)',
      'ka.verb = get or (ka.verb = list and ka.user.name = x)',
      'ka.target.resource = secrets or ka.target.resource = pods',
    ].map((c, i) => ({ name: `o${i}`, ...compileCondition(parseCondition(c), source) }));
    const idx = new RuleIndex(ored, { guards: (r) => r.guards, evaluate: (r, e) => r.evaluate(e) });
    for (const e of [
      { 'ka.verb': 'delete', 'ka.target.resource': 'configmaps' },
      { 'ka.verb': 'get', 'ka.target.resource': 'pods', 'ka.user.name': 'bob' },
      { 'ka.verb': 'list', 'ka.user.name': 'x' },
      { 'ka.target.resource': 'secrets', 'ka.user.name': 'bob' },
    ]) {
      expect(idx.all(e).map((r) => r.name)).toEqual(ored.filter((r) => r.evaluate(e)).map((r) => r.name));
    }
    expect(idx.fields).toEqual(['ka.target.resource']);
    expect(idx.candidateCount({ 'ka.target.resource': 'configmaps' })).toBe(2);
    expect(idx.candidateCount({ 'ka.target.resource': 'nodes' })).toBe(1);
  });

  it('tries only the rules an event can match, and matches exactly as a plain loop does', () => {
    const events: TestEvent[] = [
      { 'ka.verb': 'get', 'ka.target.resource': 'pods', 'ka.user.name': 'x' },
      { 'ka.verb': 'create', 'ka.target.resource': 'pods', 'ka.user.name': 'alice' },
      { 'ka.verb': 'create', 'ka.target.resource': 'pods', 'ka.user.name': 'bob' },
      { 'ka.verb': 'update', 'ka.target.resource': 'configmaps' },
      { 'ka.verb': 'delete', 'ka.target.resource': 'pods' },
      { 'ka.user.name': 'bob' },
      {},
    ];
    for (const e of events) {
      expect(index.first(e)?.name).toBe(rules.find((r) => r.evaluate(e))?.name);
      expect(index.all(e).map((r) => r.name)).toEqual(rules.filter((r) => r.evaluate(e)).map((r) => r.name));
    }
    expect(index.candidateCount({ 'ka.verb': 'get', 'ka.target.resource': 'pods' })).toBe(1);
    expect(index.candidateCount({})).toBe(1);
  });

  it('handles more than 32 rules', () => {
    const many = Array.from({ length: 70 }, (_, i) => ({
      name: `m${i}`,
      ...compileCondition(parseCondition(i % 2 ? `ka.verb = v${i} and ka.user.name = u` : 'ka.user.name = u'), source),
    }));
    const idx = new RuleIndex(many, { guards: (r) => r.guards, evaluate: (r, e) => r.evaluate(e) });
    const e = { 'ka.verb': 'v69', 'ka.user.name': 'u' };
    expect(idx.all(e).map((r) => r.name)).toEqual(many.filter((r) => r.evaluate(e)).map((r) => r.name));
    expect(idx.candidateCount(e)).toBe(36);
  });
});
