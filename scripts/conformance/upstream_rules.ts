// Section `upstream_rules`: every rules file of rules/upstream/, alone and in the combinations Falco loads
// them, validated with saker's sources. Files for sources saker has must load with zero errors and the same
// rules enabled and disabled as in Falco (counted here straight from the YAML, independently of the loader).
// Files for plugins saker does not implement (gcpaudit, github, okta, k8saudit-gke) must fail the way Falco
// fails without that plugin: their rules skipped as of an unknown source, and an unsatisfied plugin
// requirement naming the plugin.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { builtinSources } from '../../src/engine/builtin_sources.js';
import { Engine } from '../../src/engine/engine.js';
import type { SectionResult, SectionRow } from './section.js';

interface Combination {
  files: string[];
  /** undefined: loads cleanly; else the plugin requirement Falco reports as unsatisfied. */
  missingPlugin?: string;
}

const COMBINATIONS: Combination[] = [
  { files: ['falco_rules.yaml'] },
  { files: ['falco-incubating_rules.yaml'] },
  { files: ['falco-sandbox_rules.yaml'] },
  { files: ['falco-deprecated_rules.yaml'] },
  { files: ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml'] },
  { files: ['falco_rules.yaml', 'falco-incubating_rules.yaml', 'falco-sandbox_rules.yaml', 'falco-deprecated_rules.yaml'] },
  { files: ['falco_rules-1.0.1.yaml'] },
  { files: ['k8s_audit_rules.yaml'] },
  { files: ['k8s_audit_rules-0.6.0.yaml'] },
  { files: ['aws_cloudtrail_rules.yaml'] },
  { files: ['k8s_audit_rules.yaml', 'k8s_audit_rules_gke.yaml'], missingPlugin: 'k8saudit-gke' },
  { files: ['gcp_auditlog_rules.yaml'], missingPlugin: 'gcpaudit' },
  { files: ['github_rules.yaml'], missingPlugin: 'github' },
  { files: ['okta_rules.yaml'], missingPlugin: 'okta' },
];

interface Expected {
  rules: number;
  disabled: number;
}

/** Rules (by name, later files redefining earlier ones) and their `enabled: false`, read straight from YAML. */
function expectedRules(dir: string, files: string[], sources: ReadonlySet<string>): Expected {
  const enabled = new Map<string, boolean>();
  for (const f of files) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, f), 'utf8'))) {
      const items = doc.toJS() as unknown;
      if (!Array.isArray(items)) continue;
      for (const item of items as Array<Record<string, unknown>>) {
        if (item === null || typeof item.rule !== 'string' || item.condition === undefined) continue;
        if (!sources.has(typeof item.source === 'string' ? item.source : 'syscall')) continue;
        enabled.set(item.rule, item.enabled !== false);
      }
    }
  }
  return { rules: enabled.size, disabled: [...enabled.values()].filter((e) => !e).length };
}

export async function run(corpus: string): Promise<SectionResult> {
  const dir = join(corpus, 'rules', 'upstream');
  const sources = builtinSources();
  const names = new Set(sources.map((s) => s.name));
  const rows: SectionRow[] = [];
  const failures: string[] = [];
  for (const combo of COMBINATIONS) {
    const engine = new Engine({ sources });
    const results = engine.loadFiles(combo.files.map((f) => join(dir, f)));
    const errors = results.flatMap((r) => r.errors);
    const warnings = results.flatMap((r) => r.warnings);
    const rules = engine.summaries();
    const disabled = rules.filter((r) => !r.enabled).length;
    const label = combo.files.join(' + ');
    const problems: string[] = [];
    let note: string;
    if (combo.missingPlugin === undefined) {
      const want = expectedRules(dir, combo.files, names);
      for (const e of errors) problems.push(`${e.position.file}:${e.position.line}:${e.position.column} ${e.code} ${e.message}`);
      if (rules.length !== want.rules) problems.push(`${rules.length} rules, Falco has ${want.rules}`);
      if (disabled !== want.disabled) problems.push(`${disabled} disabled, Falco has ${want.disabled}`);
      note = `${rules.length} rules (${rules.length - disabled} enabled, ${disabled} disabled), ${warnings.length} warnings`;
    } else {
      const unknownSource = warnings.filter((w) => w.code === 'LOAD_UNKNOWN_SOURCE').length;
      const wanted = `must load one of: ${combo.missingPlugin} (`;
      if (!errors.some((e) => e.message.includes(wanted))) {
        problems.push(`no unsatisfied requirement for ${combo.missingPlugin}: ${errors.map((e) => e.message).join('; ')}`);
      }
      note = `as Falco without the ${combo.missingPlugin} plugin: requirement error, ${unknownSource} rules of an unknown source skipped`;
    }
    for (const p of problems) failures.push(`${label}: ${p}`);
    rows.push({ check: label, passed: problems.length === 0 ? 1 : 0, total: 1, note });
  }
  return { section: 'upstream_rules', rows, failures };
}
