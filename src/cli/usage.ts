// Usage errors look the same whoever finds them — commander (unknown option, missing argument, bad value) or
// a command's own checks (a missing rules file): one line naming the command, a pointer to its help, exit 2.

import type { Command } from 'commander';

/** `saker rules list` for the command `list` under `rules`. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** `saker replay: <problem>` and where to read more. */
export function usageErrorText(path: string, problem: string): string {
  return `${path}: ${problem}\n(see ${path} --help)\n`;
}

/** Writes the usage error and exits 2 (commander's exitOverride in cli.ts maps its own errors to 2 too). */
export function exitWithUsageError(command: Command, problem: string): never {
  process.stderr.write(usageErrorText(commandPath(command), problem));
  process.exit(2);
}

/** Commander's own errors, for `program` and every subcommand, in the same one-line form. */
export function reportUsageErrorsBriefly(program: Command): void {
  const configure = (command: Command): void => {
    const path = commandPath(command);
    command.showHelpAfterError(`(see ${path} --help)`);
    command.configureOutput({ outputError: (text, write) => write(`${path}: ${text.replace(/^error: /, '')}`) });
    for (const sub of command.commands) configure(sub);
  };
  configure(program);
}
