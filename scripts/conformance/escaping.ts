// Section `escaping`: language/escaping_cases.json (libsinsp filter_escaping.ut.cpp) — escape_str,
// unescape_str and their round trip, byte-exact.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeStr, unescapeStr } from '../../src/engine/escaping.js';
import { tally, type SectionResult } from './section.js';

interface EscapingCase {
  test: string;
  op: 'escape' | 'unescape' | 'unescape_error' | 'roundtrip';
  input: string;
  expected?: string;
}

export async function run(corpus: string): Promise<SectionResult> {
  const file = JSON.parse(readFileSync(join(corpus, 'language', 'escaping_cases.json'), 'utf8')) as {
    cases: EscapingCase[];
  };
  const failures: string[] = [];
  const byOp = (op: EscapingCase['op']): EscapingCase[] => file.cases.filter((c) => c.op === op);
  const show = (s: string | undefined): string => JSON.stringify(s);
  const rows = [
    tally('escape_str', byOp('escape'), (c) => {
      const got = escapeStr(c.input);
      return got === c.expected ? undefined : `${c.test} ${show(c.input)}: ${show(got)}`;
    }, failures),
    tally('unescape_str', byOp('unescape'), (c) => {
      const got = unescapeStr(c.input);
      return got === c.expected ? undefined : `${c.test} ${show(c.input)}: ${show(got)}`;
    }, failures),
    tally('unescape_str errors', byOp('unescape_error'), (c) => {
      try {
        return `${c.test} ${show(c.input)}: accepted as ${show(unescapeStr(c.input))}`;
      } catch {
        return undefined;
      }
    }, failures),
    tally('round trip', byOp('roundtrip'), (c) => {
      const got = unescapeStr(escapeStr(c.input));
      return got === c.input ? undefined : `${c.test} ${show(c.input)}: ${show(got)}`;
    }, failures),
  ];
  return { section: 'escaping', rows, failures };
}
