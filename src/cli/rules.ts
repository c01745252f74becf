import type { Command } from 'commander';
import type { RuleSummary } from '../engine/engine.js';
import { formatLoadMessage } from '../engine/loader/results.js';
import { loadRulesForCli } from './rules_engine.js';

export function registerRules(program: Command): void {
  const rules = program.command('rules').description('inspect rules files');
  rules
    .command('list')
    .description('list the rules the given files define, in evaluation order')
    .requiredOption('-r, --rules <path...>', 'rules file or directory (its *.yaml/*.yml in name order); repeatable')
    .option('--json', 'print a JSON array of {name, source, priority, enabled, tags, description}')
    .addHelpText(
      'after',
      `
Files load as at start-up: one after the other, stopping at the first file with errors (reported on
stderr, exit status 1). "enabled" is the rule's own enabled key after all overrides. Rules of sources saker
does not have are skipped, as Falco skips them (LOAD_UNKNOWN_SOURCE, see saker validate).`,
    )
    .action((opts: { rules: string[]; json?: boolean }) => {
      const loaded = loadRulesForCli(opts.rules);
      if (loaded === undefined) return;
      const { engine, results } = loaded;
      const failed = results.filter((r) => !r.ok);
      for (const r of failed) for (const e of r.errors) process.stderr.write(`${formatLoadMessage(e)}\n`);
      if (failed.length > 0) {
        process.exitCode = 1;
        return;
      }
      const list = engine.summaries();
      process.stdout.write(opts.json === true ? `${JSON.stringify(list)}\n` : rulesTable(list));
    });
}

function rulesTable(list: readonly RuleSummary[]): string {
  const rows = [['NAME', 'SOURCE', 'PRIORITY', 'ENABLED', 'TAGS']];
  for (const r of list) rows.push([r.name, r.source, r.priority, r.enabled ? 'yes' : 'no', r.tags.join(',')]);
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((row) => (row[i] as string).length)));
  const out = rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '));
  return `${out.join('\n')}\n`;
}
