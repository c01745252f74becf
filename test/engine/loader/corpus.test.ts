// Falco's own material (../shared/corpus): the upstream rule files load cleanly, and the rule-loader cases
// of Falco's unit tests compile to exactly the conditions Falco prints. The full tables are `npm run
// conformance`; these keep the essentials from regressing.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinSources } from '../../../src/engine/builtin_sources.js';
import { Engine } from '../../../src/engine/engine.js';
import { printCondition } from '../../../src/engine/printer.js';

const CORPUS = resolve(import.meta.dirname, '../../../../shared/corpus');
const present = existsSync(join(CORPUS, 'rules', 'upstream'));
if (!present) console.warn(`corpus tests skipped: ${CORPUS} is absent`);

describe.skipIf(!present)('the corpus (skipped when ../shared/corpus is absent)', () => {
  const upstream = (f: string): string => join(CORPUS, 'rules', 'upstream', f);

  it.each([
    [['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'], 93, 12],
    [['k8s_audit_rules.yaml'], 48, 0],
    [['aws_cloudtrail_rules.yaml'], 22, 2],
    [['falco_rules-1.0.1.yaml'], 80, 24],
  ])('loads %j with no errors', (files, rules, disabled) => {
    const engine = new Engine({ sources: builtinSources() });
    const results = engine.loadFiles(files.map(upstream));
    expect(results.flatMap((r) => r.errors)).toEqual([]);
    expect(engine.summaries()).toHaveLength(rules);
    expect(engine.summaries().filter((r) => !r.enabled)).toHaveLength(disabled);
  });

  it('names the missing plugin for rule files of sources saker does not have', () => {
    const engine = new Engine({ sources: builtinSources() });
    const [result] = engine.loadFiles([upstream('okta_rules.yaml')]);
    expect(result?.errors.map((e) => e.message)).toEqual(['Plugin requirement not satisfied, must load one of: okta (>= 0.11.0)']);
    expect(result?.warnings.some((w) => w.code === 'LOAD_UNKNOWN_SOURCE')).toBe(true);
  });

  it("compiles Falco's rule-loader test conditions exactly", () => {
    const file = JSON.parse(readFileSync(join(CORPUS, 'language', 'compiled_conditions.json'), 'utf8')) as {
      compiled_conditions: Array<{ rules_yaml: string; rule: string; expected_condition: string }>;
    };
    for (const c of file.compiled_conditions) {
      const engine = new Engine({ sources: builtinSources().filter((s) => s.name === 'syscall') });
      engine.loadText('legit_rules.yaml', c.rules_yaml);
      const rule = engine.rules.find((r) => r.name === c.rule);
      expect(rule && printCondition(rule.ast), c.rule).toBe(c.expected_condition);
    }
  });
});
