// What the rules commands share: which rules files they work on (those named, else saker's own rules
// folder), and an engine with saker's built-in sources and those files.

import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { builtinSources } from '../engine/builtin_sources.js';
import { Engine, expandRulePaths } from '../engine/engine.js';
import type { FileLoadResult } from '../engine/loader/results.js';
import type { LoadFilesOptions } from '../engine/loader/rule_loader.js';
import { defaultRulesFolder } from '../rules/config.js';
import { exitWithUsageError } from './usage.js';

/** For --help: what a command loads when no rules file is named. */
export const DEFAULT_RULES_HELP = `When no rules file is named, saker uses its own rules: the rules/ folder shipped with it
(${defaultRulesFolder()}).`;

export interface RulesChoice {
  paths: string[];
  /** True when none were named and saker's own rules folder was chosen. */
  isDefault: boolean;
}

/** Said on stderr when a command falls back to saker's own rules, so that nobody mistakes whose rules ran. */
export function defaultRulesNote(command: string, choice: RulesChoice): string {
  return choice.isDefault ? `${command}: no rules files named (-r): using saker's own rules in ${choice.paths[0]}\n` : '';
}

/** The named rules files and folders, else saker's own rules folder. */
export function rulesOrDefault(named: readonly string[]): RulesChoice {
  return named.length > 0 ? { paths: [...named], isDefault: false } : { paths: [defaultRulesFolder()], isDefault: true };
}

/**
 * What is wrong with the rules paths as a command line (a usage error, exit 2), if anything: a path that does
 * not exist, or a folder without rules files. Files that exist but do not load are the loader's to report.
 */
export function rulesPathProblem(paths: readonly string[]): string | undefined {
  const missing = paths.find((p) => !existsSync(p));
  if (missing !== undefined) return `${missing}: no such rules file or folder`;
  const empty = paths.find((p) => expandRulePaths([p]).length === 0);
  return empty === undefined ? undefined : `no rules files (*.yaml, *.yml) in ${empty}`;
}

/**
 * The rules a command was given — with -r or as arguments, not both (the order in which they load would
 * be a guess) — else saker's own rules; a usage error ends the process.
 */
export function rulesFromCommandLine(command: Command, fromOption: readonly string[] | undefined, fromArguments: readonly string[]): RulesChoice {
  if ((fromOption ?? []).length > 0 && fromArguments.length > 0) {
    exitWithUsageError(command, 'name the rules files either as arguments or with -r, not both (the order they load in matters)');
  }
  const choice = rulesOrDefault([...(fromOption ?? []), ...fromArguments]);
  const problem = rulesPathProblem(choice.paths);
  if (problem !== undefined) exitWithUsageError(command, problem);
  return choice;
}

/** Loads the files (directories: their *.yaml/*.yml) into an engine with saker's built-in sources. */
export function loadRulesForCli(paths: readonly string[], options: LoadFilesOptions = {}): { engine: Engine; results: FileLoadResult[] } {
  const engine = new Engine({ sources: builtinSources() });
  return { engine, results: engine.loadFiles(paths, options) };
}
