// Section `pmatch`: language/pmatch_cases.json (libsinsp filter_op_pmatch.ut.cpp and prefix_search.ut.cpp) —
// `fd.name pmatch (…)` through the whole compiler, and the path-prefix structure behind it.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileCondition } from '../../src/engine/compile/condition.js';
import { PathPrefixMap } from '../../src/engine/compile/path_prefix.js';
import { CompiledSource } from '../../src/engine/compile/source.js';
import { SYSCALL_SOURCE_FIELDS, withExtractors } from '../../src/engine/fields/index.js';
import { parseCondition } from '../../src/engine/parser.js';
import { tally, type SectionResult } from './section.js';

interface PmatchFile {
  pmatch: { field: string; value: string; cases: Array<{ filter: string; expected: boolean }> };
  prefix_search: Array<{
    test: string;
    kind: 'set' | 'map';
    steps: Array<{ add?: string; value?: number; match?: string; expected?: boolean | number | null }>;
  }>;
}

export async function run(corpus: string): Promise<SectionResult> {
  const file = JSON.parse(readFileSync(join(corpus, 'language', 'pmatch_cases.json'), 'utf8')) as PmatchFile;
  const failures: string[] = [];
  const { field, value, cases } = file.pmatch;
  const source = new CompiledSource({
    name: 'syscall',
    fields: withExtractors<string>(SYSCALL_SOURCE_FIELDS, { [field]: () => (path) => path }),
    plugins: [],
    eventTime: () => 0n,
  });
  const rows = [
    tally('fd.name pmatch (…)', cases, (c) => {
      const got = compileCondition(parseCondition(c.filter), source).evaluate(value);
      return got === c.expected ? undefined : `${c.filter} on ${value}: ${got}`;
    }, failures),
    tally('prefix search groups', file.prefix_search, (group) => {
      const map = new PathPrefixMap<number | true>();
      for (const step of group.steps) {
        if (step.add !== undefined) map.add(step.add, group.kind === 'map' ? (step.value as number) : true);
        if (step.match !== undefined) {
          const found = map.match(step.match);
          const got = group.kind === 'map' ? (found ?? null) : found !== undefined;
          if (got !== step.expected) return `${group.test}: match ${step.match} gave ${got}, expected ${step.expected}`;
        }
      }
      return undefined;
    }, failures, `${file.prefix_search.reduce((n, g) => n + g.steps.filter((s) => s.match !== undefined).length, 0)} match checks`),
  ];
  return { section: 'pmatch', rows, failures };
}
