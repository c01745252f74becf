// What the rules commands share: an engine with saker's built-in sources and the files given with -r.

import { builtinSources } from '../engine/builtin_sources.js';
import { Engine, expandRulePaths } from '../engine/engine.js';
import type { FileLoadResult } from '../engine/loader/results.js';
import type { LoadFilesOptions } from '../engine/loader/rule_loader.js';

/** Loads the files (directories: their *.yaml/*.yml); undefined, with a message, when there are none. */
export function loadRulesForCli(
  paths: readonly string[],
  options: LoadFilesOptions = {},
): { engine: Engine; results: FileLoadResult[] } | undefined {
  if (expandRulePaths(paths).length === 0) {
    process.stderr.write(`no rules files (*.yaml, *.yml) in ${paths.join(', ')}\n`);
    process.exitCode = 1;
    return undefined;
  }
  const engine = new Engine({ sources: builtinSources() });
  return { engine, results: engine.loadFiles(paths, options) };
}
