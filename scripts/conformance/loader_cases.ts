// Section `loader_cases`: language/loader_cases (Falco's 2023 `falco -V` regression cases): each case's
// files validated in order into one engine; every expected error and warning must be reported with its
// code, item type, item name and message. The messages are Falco 0.35's; where Falco master words it
// differently (rule_loading_messages.h, compiled_conditions.json message_macros, LANGUAGE.md §3–§9) the
// second row compares with master's wording, which is what saker prints.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtinSources } from '../../src/engine/builtin_sources.js';
import { Engine } from '../../src/engine/engine.js';
import type { FileLoadResult, LoadMessage } from '../../src/engine/loader/results.js';
import { tally, type SectionResult } from './section.js';

interface Expected {
  item_type: string;
  item_name: string;
  code: string;
  message?: string;
  message_contains?: string;
}

interface LoaderCase {
  name: string;
  validate_rules_files: string[];
  validate_errors?: Expected[];
  validate_warnings?: Expected[];
  validate_ok?: string[];
  exit_status?: number;
}

/** How Falco master reports what Falco 0.35 reported differently; each entry says why. */
const MASTER_WORDING: ReadonlyArray<{ from: Partial<Expected>; to: Partial<Expected>; why: string }> = [
  {
    from: { message: "Macro has 'append' key but no macro by that name already exists" },
    to: { message: "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists" },
    why: 'ERROR_NO_PREVIOUS_MACRO (rule_loading_messages.h)',
  },
  {
    from: { message: "List has 'append' key but no list by that name already exists" },
    to: { message: "List uses 'append' or 'override.items: append' but no list by that name already exists" },
    why: 'ERROR_NO_PREVIOUS_LIST',
  },
  {
    from: { message: "Rule has 'append' key but no rule by that name already exists" },
    to: { message: "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists" },
    why: 'ERROR_NO_PREVIOUS_RULE_APPEND',
  },
  {
    from: { code: 'LOAD_UNKNOWN_FIELD' },
    to: { code: 'LOAD_UNKNOWN_FILTER' },
    why: 'the warning code was renamed (falco_load_result.cpp)',
  },
  {
    from: { item_type: 'required_engine_version', message: "Can't decode YAML scalar value" },
    to: { message_contains: 'Unable to parse engine version' },
    why: 'a non-integer version is now parsed as semver (test required_engine_version_invalid)',
  },
  {
    from: { message_contains: 'Rules require engine version 9999999, but engine version is' },
    to: { message_contains: 'Rules require engine version 0.9999999.0, but engine version is' },
    why: 'an integer version N is now shown as 0.N.0',
  },
  {
    from: { message: 'yaml-cpp: error at line 1, column 11: illegal map value' },
    to: {},
    why: "saker's YAML parser is not yaml-cpp: same code and item, its own message",
  },
  {
    from: { message: 'invalid formatting token not_a_real_field' },
    to: { message_contains: 'not_a_real_field' },
    why: "libs 0.25 reports unknown output fields as 'unknown filter: …'",
  },
];

function modernise(e: Expected): Expected {
  for (const { from, to } of MASTER_WORDING) {
    const applies = (Object.keys(from) as Array<keyof Expected>).every((k) => e[k] === from[k]);
    if (!applies) continue;
    const out: Expected = { ...e, ...to };
    if (to.message_contains !== undefined || Object.keys(to).length === 0) delete out.message;
    if (to.message !== undefined) delete out.message_contains;
    return out;
  }
  return e;
}

function matches(e: Expected, m: LoadMessage): boolean {
  if (m.code !== e.code || m.itemType !== e.item_type || m.itemName !== e.item_name) return false;
  if (e.message !== undefined && m.message !== e.message) return false;
  if (e.message_contains !== undefined && !m.message.includes(e.message_contains)) return false;
  return true;
}

function describe(e: Expected): string {
  return `${e.code} ${e.item_type} '${e.item_name}' ${e.message ?? e.message_contains ?? ''}`;
}

function check(c: LoaderCase, results: FileLoadResult[], map: (e: Expected) => Expected): string | undefined {
  const errors = results.flatMap((r) => r.errors);
  const warnings = results.flatMap((r) => r.warnings);
  const problems: string[] = [];
  for (const e of (c.validate_errors ?? []).map(map)) {
    if (!errors.some((m) => matches(e, m))) problems.push(`missing error ${describe(e)}`);
  }
  for (const e of (c.validate_warnings ?? []).map(map)) {
    if (!warnings.some((m) => matches(e, m))) problems.push(`missing warning ${describe(e)}`);
  }
  for (const name of c.validate_ok ?? []) {
    if (!results.find((r) => r.path.endsWith(`/${name}`))?.ok) problems.push(`${name} not ok`);
  }
  const status = results.every((r) => r.ok) ? 0 : 1;
  if ((c.exit_status ?? 0) !== status) problems.push(`exit status ${status}`);
  if (problems.length === 0) return undefined;
  const got = [...errors, ...warnings].map((m) => `${m.code} ${m.itemType} '${m.itemName}' ${m.message}`);
  return `${c.name}: ${problems.join('; ')} [got: ${got.join(' | ')}]`;
}

export async function run(corpus: string): Promise<SectionResult> {
  const dir = join(corpus, 'language', 'loader_cases');
  const file = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: LoaderCase[] };
  const results = new Map<string, FileLoadResult[]>();
  for (const c of file.cases) {
    // The cases assume an engine with only the syscall source and no plugins; falco -V goes on after errors.
    const engine = new Engine({ sources: builtinSources().filter((s) => s.name === 'syscall') });
    const paths = c.validate_rules_files.map((p) => join(dir, p));
    results.set(c.name, engine.loadFiles(paths, { continueAfterError: true }));
  }
  const failures: string[] = [];
  const reworded = file.cases.filter((c) => check(c, results.get(c.name) ?? [], (e) => e) !== undefined).length;
  const rows = [
    tally(
      'expected errors, warnings, exit status',
      file.cases,
      (c) => check(c, results.get(c.name) ?? [], modernise),
      failures,
      `${reworded} compared in Falco master's wording (loader_cases.ts MASTER_WORDING)`,
    ),
  ];
  return { section: 'loader_cases', rows, failures };
}
