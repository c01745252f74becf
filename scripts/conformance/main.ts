// npm run conformance: measures saker against Falco's own test material in ../shared/corpus (or the folder
// given with --corpus) and prints one table; exits 1 when any row has failures. Each section is a module
// exporting `run(corpusDir)`; add a section by adding it to SECTIONS.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Section, SectionResult } from './section.js';
import { run as escaping } from './escaping.js';
import { run as k8sAudit } from './k8s_audit.js';
import { run as parser } from './parser.js';
import { run as pmatch } from './pmatch.js';
import { run as ruleLoading } from './rule_loading.js';
import { run as loaderCases } from './loader_cases.js';
import { run as upstreamRules } from './upstream_rules.js';

const SECTIONS: ReadonlyArray<[string, Section]> = [
  ['parser', parser],
  ['escaping', escaping],
  ['pmatch', pmatch],
  ['rule_loading', ruleLoading],
  ['loader_cases', loaderCases],
  ['upstream_rules', upstreamRules],
  ['k8s_audit', k8sAudit],
];

const MAX_FAILURES_SHOWN = 20;

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--corpus');
  const corpus = resolve(at >= 0 && args[at + 1] ? args[at + 1] : '../shared/corpus');
  const only = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--corpus');
  if (!existsSync(corpus)) {
    console.error(`conformance: corpus not found at ${corpus} (use --corpus DIR)`);
    return 2;
  }
  const results: SectionResult[] = [];
  for (const [name, run] of SECTIONS) {
    if (only.length > 0 && !only.includes(name)) continue;
    results.push(await run(corpus));
  }
  printTable(results);
  let failed = 0;
  for (const r of results) {
    if (r.failures.length === 0) continue;
    failed += r.failures.length;
    console.log(`\n${r.section}: ${r.failures.length} failure(s)`);
    for (const f of r.failures.slice(0, MAX_FAILURES_SHOWN)) console.log(`  - ${f}`);
    if (r.failures.length > MAX_FAILURES_SHOWN) console.log(`  … and ${r.failures.length - MAX_FAILURES_SHOWN} more`);
  }
  const short = results.some((r) => r.rows.some((row) => row.passed < row.total));
  return short || failed > 0 ? 1 : 0;
}

function printTable(results: SectionResult[]): void {
  const lines: string[][] = [['section', 'check', 'cases', 'passed', 'failed', 'note']];
  for (const r of results) {
    for (const row of r.rows) {
      lines.push([r.section, row.check, String(row.total), String(row.passed), String(row.total - row.passed), row.note ?? '']);
    }
  }
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const fmt = (l: string[]): string => `| ${l.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(fmt(lines[0]));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of lines.slice(1)) console.log(fmt(l));
}

process.exitCode = await main();
