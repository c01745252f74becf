import type { Command } from 'commander';
import { formatLoadMessage, type FileLoadResult, type LoadMessage } from '../engine/loader/results.js';
import { DEFAULT_RULES_HELP, loadRulesForCli, rulesFromCommandLine } from './rules_engine.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check rules files as Falco loads them (falco -V): errors and warnings with file:line:column')
    .argument('[paths...]', 'rules files or directories (their *.yaml/*.yml in name order), loaded in this order')
    .option('-r, --rules <path...>', 'rules file or directory, as the arguments (either, not both); repeatable')
    .option('--json', 'print {"files":[{"path","ok","errors":[…],"warnings":[…]}]}')
    .addHelpText(
      'after',
      `
${DEFAULT_RULES_HELP}

Files are loaded one after the other into one engine, each compiled together with the files before it,
so a file may use (and append to) the lists, macros and rules of the files given before it. Unlike a
start-up load, validation goes on after a file with errors, as falco -V does.

Messages carry Falco's codes (LOAD_ERR_YAML_VALIDATE, LOAD_ERR_COMPILE_CONDITION, LOAD_UNUSED_MACRO, …).
Each message's position is the file and place of the item it is about. A warning is listed once, under the
file that holds its item, even when a later file causes it (by redefining a macro the item uses); an error
is listed under the file whose load it stopped, which may point into an earlier file.

Examples:
  saker validate                                # saker's own rules
  saker validate falco_rules.yaml my_rules.d/
  saker validate -r falco_rules.yaml -r my_rules.yaml --json

Exit status: 0 when no file has errors (warnings allowed), 1 when a file has errors (or cannot be read),
2 on usage errors (unknown option, a path that does not exist, a folder without rules files).`,
    )
    .action((paths: string[], opts: { rules?: string[]; json?: boolean }, command: Command) => {
      const { paths: files } = rulesFromCommandLine(command, opts.rules, paths);
      const { results } = loadRulesForCli(files, { continueAfterError: true });
      process.stdout.write(opts.json === true ? `${JSON.stringify(validationJson(results))}\n` : validationText(results));
      process.exitCode = results.every((r) => r.ok) ? 0 : 1;
    });
}

function messageJson(m: LoadMessage): Record<string, string | number> {
  return {
    code: m.code,
    item_type: m.itemType,
    item_name: m.itemName,
    message: m.message,
    file: m.position.file,
    line: m.position.line,
    column: m.position.column,
  };
}

export function validationJson(results: readonly FileLoadResult[]): unknown {
  return {
    files: results.map((r) => ({
      path: r.path,
      ok: r.ok,
      errors: r.errors.map(messageJson),
      warnings: r.warnings.map(messageJson),
    })),
  };
}

function validationText(results: readonly FileLoadResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const status = !r.ok ? 'Invalid' : r.warnings.length > 0 ? 'Ok, with warnings' : 'Ok';
    lines.push(`${r.path}: ${status}`);
    for (const e of r.errors) lines.push(`  error: ${formatLoadMessage(e)}`);
    for (const w of r.warnings) lines.push(`  warning: ${formatLoadMessage(w)}`);
  }
  return `${lines.join('\n')}\n`;
}
