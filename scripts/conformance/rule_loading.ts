// Section `rule_loading`: language/compiled_conditions.json (Falco's test_rule_loader.cpp and friends, engine
// 0.63.0): compiled conditions printed exactly, and every load outcome — error / warning / ok, the messages
// and codes asserted, enabled-rule counts, the merged rule texts, and the snippet under a message.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import { builtinSources } from '../../src/engine/builtin_sources.js';
import type { FileLoadResult, LoadMessage } from '../../src/engine/loader/results.js';
import { printCondition } from '../../src/engine/printer.js';
import { tally, type SectionResult } from './section.js';

interface LoadCase {
  name: string;
  rules_yaml: string;
  rules_filename: string;
  expect: 'ok' | 'warning' | 'error';
  code: string | null;
  message_contains: string | null;
  errors_contain: string[];
  warnings_contain: string[];
  warnings_not_contain: string[];
  has_warnings: boolean | null;
  enabled_rules: number | null;
  compiled_conditions?: Array<{ rule: string; expected_condition: string }>;
  rule_info?: Array<{ rule: string; key: string; expected: string | number | boolean }>;
  first_error_snippet_contains?: string;
  warning_snippet_checks?: {
    select: { snippet_contains?: string; code?: string };
    must_exist: boolean;
    snippet_contains: string[];
    snippet_not_contains: string[];
  };
}

interface Loaded {
  engine: Engine;
  result: FileLoadResult;
}

/** An engine with exactly the `syscall` source and no plugins, as the corpus cases assume. */
function load(c: LoadCase): Loaded {
  const sources = builtinSources().filter((s) => s.name === 'syscall');
  const engine = new Engine({ sources, hostname: 'conformance' });
  return { engine, result: engine.loadText(c.rules_filename, c.rules_yaml) };
}

/** The source line a message points at: what Falco's context snippet shows first. */
function snippet(text: string, m: LoadMessage): string {
  return text.split('\n')[m.position.line - 1] ?? '';
}

function outcome(c: LoadCase, { result }: Loaded): string | undefined {
  const errors = result.errors.map((e) => e.message);
  const warnings = result.warnings.map((w) => w.message);
  const problems: string[] = [];
  if (c.expect === 'error' && result.ok) problems.push('loaded, expected an error');
  if (c.expect !== 'error' && !result.ok) problems.push(`failed: ${errors.join('; ')}`);
  if (c.expect === 'warning' && warnings.length === 0) problems.push('no warning');
  for (const s of c.errors_contain) if (!errors.some((m) => m.includes(s))) problems.push(`no error containing "${s}"`);
  for (const s of c.warnings_contain) if (!warnings.some((m) => m.includes(s))) problems.push(`no warning containing "${s}"`);
  for (const s of c.warnings_not_contain) if (warnings.some((m) => m.includes(s))) problems.push(`unexpected warning "${s}"`);
  if (c.message_contains !== null && ![...errors, ...warnings].some((m) => m.includes(c.message_contains as string))) {
    problems.push(`no message containing "${c.message_contains}"`);
  }
  if (c.has_warnings !== null && c.has_warnings !== warnings.length > 0) {
    problems.push(`has_warnings ${warnings.length > 0}: ${warnings.join('; ')}`);
  }
  if (c.code !== null && ![...result.errors, ...result.warnings].some((m) => m.code === c.code)) {
    problems.push(`no ${c.code}`);
  }
  return problems.length === 0 ? undefined : `${c.name}: ${problems.join(', ')}`;
}

function ruleInfo(c: LoadCase, { engine }: Loaded): string | undefined {
  for (const info of c.rule_info ?? []) {
    const rule = engine.rules.find((r) => r.name === info.rule);
    if (rule === undefined) return `${c.name}: no rule ${info.rule}`;
    const got = {
      condition: rule.conditionText,
      output: rule.outputFormat,
      description: rule.description,
      priority: rule.priority,
      capture: rule.capture,
      capture_duration: rule.captureDuration,
    }[info.key];
    if (got !== info.expected) return `${c.name}: ${info.key} ${JSON.stringify(got)} ≠ ${JSON.stringify(info.expected)}`;
  }
  return undefined;
}

function snippets(c: LoadCase, { result }: Loaded): string | undefined {
  if (c.first_error_snippet_contains !== undefined) {
    const first = result.errors[0];
    const line = first === undefined ? '' : snippet(c.rules_yaml, first);
    if (!line.includes(c.first_error_snippet_contains)) return `${c.name}: first error at "${line}"`;
  }
  const check = c.warning_snippet_checks;
  if (check !== undefined) {
    const selected = result.warnings.filter((w) =>
      check.select.code !== undefined ? w.code === check.select.code : snippet(c.rules_yaml, w).includes(check.select.snippet_contains ?? ''),
    );
    if (check.must_exist && selected.length === 0) return `${c.name}: no warning selected`;
    for (const w of selected) {
      const line = snippet(c.rules_yaml, w);
      if (check.snippet_contains.some((s) => !line.includes(s)) || check.snippet_not_contains.some((s) => line.includes(s))) {
        return `${c.name}: ${w.code} at "${line}"`;
      }
    }
  }
  return undefined;
}

export async function run(corpus: string): Promise<SectionResult> {
  const file = JSON.parse(readFileSync(join(corpus, 'language', 'compiled_conditions.json'), 'utf8')) as {
    compiled_conditions: Array<{ name: string; rules_yaml: string; rule: string; expected_condition: string }>;
    load_results: LoadCase[];
  };
  const failures: string[] = [];
  const loaded = new Map(file.load_results.map((c) => [c.name, load(c)]));
  const get = (c: LoadCase): Loaded => loaded.get(c.name) as Loaded;
  const rows = [
    tally('compiled conditions print exactly', file.compiled_conditions, (c) => {
      const { engine } = load({ ...(c as unknown as LoadCase), rules_filename: 'legit_rules.yaml' });
      const rule = engine.rules.find((r) => r.name === c.rule);
      const got = rule === undefined ? '(rule not loaded)' : printCondition(rule.ast);
      return got === c.expected_condition ? undefined : `${c.name}: ${got}`;
    }, failures),
    tally('load outcome, codes and messages', file.load_results, (c) => outcome(c, get(c)), failures),
    tally(
      'enabled rule counts',
      file.load_results.filter((c) => c.enabled_rules !== null),
      (c) => {
        const n = get(c).engine.summaries().filter((r) => r.enabled).length;
        return n === c.enabled_rules ? undefined : `${c.name}: ${n} enabled`;
      },
      failures,
    ),
    tally('merged rule texts (describe)', file.load_results.filter((c) => c.rule_info !== undefined), (c) => ruleInfo(c, get(c)), failures),
    tally(
      'message positions (snippet line)',
      file.load_results.filter((c) => c.first_error_snippet_contains !== undefined || c.warning_snippet_checks !== undefined),
      (c) => snippets(c, get(c)),
      failures,
      'saker has no snippet; the line at the message position is checked',
    ),
  ];
  return { section: 'rule_loading', rows, failures };
}
