import type { Command } from 'commander';
import type { RuleSummary } from '../engine/engine.js';
import { formatLoadMessage } from '../engine/loader/results.js';
import { DEFAULT_RULES_HELP, defaultRulesNote, loadRulesForCli, rulesFromCommandLine } from './rules_engine.js';
import { commandPath } from './usage.js';

export function registerRules(program: Command): void {
  const rules = program.command('rules').description('inspect rules files');
  rules
    .command('list')
    .description('list the rules the given files define, in evaluation order')
    .argument('[paths...]', 'rules files or directories (their *.yaml/*.yml in name order), loaded in this order')
    .option('-r, --rules <path...>', 'rules file or directory, as the arguments (either, not both); repeatable')
    .option('--json', 'print a JSON array of {name, source, priority, enabled, tags, description}')
    .addHelpText(
      'after',
      `
${DEFAULT_RULES_HELP}

Files load as at start-up: one after the other, stopping at the first file with errors (reported on
stderr). "enabled" is the rule's own enabled key after all overrides. Rules of sources saker does not
have are skipped, as Falco skips them (LOAD_UNKNOWN_SOURCE, see saker validate).

Exit status: 0 when the rules loaded, 1 when a file has errors (or cannot be read), 2 on usage errors
(unknown option, a path that does not exist, a folder without rules files).`,
    )
    .action((paths: string[], opts: { rules?: string[]; json?: boolean }, command: Command) => {
      const choice = rulesFromCommandLine(command, opts.rules, paths);
      process.stderr.write(defaultRulesNote(commandPath(command), choice));
      const { engine, results } = loadRulesForCli(choice.paths);
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
