// Files in, results out — as Falco loads rules files: one by one, each file read into the collector and
// then everything collected so far compiled; plugin requirements checked after each file. At run time the
// first failing file stops the load (load_rules_files); `falco -V` validates every file regardless.
// Falco's recompilation repeats, under every later file, the warnings of the items of the files before it;
// saker reports each warning once, with the first file whose load found it.

import { readFileSync } from 'node:fs';
import { Collector, type SourceCatalog } from './collector.js';
import { RuleCompiler, type CompiledRule } from './compiler.js';
import { readRulesFile } from './reader.js';
import { LoadReport, RuleLoadError, type FileLoadResult, type LoadWarning } from './results.js';
import type { CompileTarget } from './target.js';
import { unsatisfiedRequirement, type ProvidedPlugin } from './versions.js';
import { YamlFile } from './yaml_source.js';

export interface RuleLoaderOptions<E> {
  /** One compile target per source saker has; rules of other sources are skipped (LOAD_UNKNOWN_SOURCE). */
  targets: ReadonlyMap<string, CompileTarget<E>>;
  /** The Falco plugins saker's sources stand in for (`required_plugin_versions`). */
  plugins: readonly ProvidedPlugin[];
}

export interface LoadFilesOptions {
  /** Keep loading after a file with errors, as `falco -V` does (default: stop, as Falco does at start-up). */
  continueAfterError?: boolean;
}

export class RuleLoader<E = unknown> {
  private readonly collector: Collector;
  private readonly compiler: RuleCompiler<E>;
  private compiled: CompiledRule<E>[] = [];
  /** Every warning this loader has reported (warningKey), so that recompilations do not repeat them. */
  private readonly reportedWarnings = new Set<string>();

  constructor(private readonly options: RuleLoaderOptions<E>) {
    const targets = options.targets;
    const catalog: SourceCatalog = {
      has: (source) => targets.has(source),
      fieldCheck: (source) => {
        const target = targets.get(source);
        return (expression) => target?.hasField(expression) ?? false;
      },
    };
    this.collector = new Collector(catalog);
    this.compiler = new RuleCompiler(targets);
  }

  /** The rules of the last successful compilation, in evaluation order (first definition). */
  get rules(): readonly CompiledRule<E>[] {
    return this.compiled;
  }

  loadFiles(paths: readonly string[], options: LoadFilesOptions = {}): FileLoadResult[] {
    const results: FileLoadResult[] = [];
    for (const path of paths) {
      const result = this.loadFile(path);
      results.push(placeWarnings(result, results));
      if (!result.ok && options.continueAfterError !== true) break;
    }
    return results;
  }

  loadFile(path: string): FileLoadResult {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const report = new LoadReport(path);
      const message = `Could not read rules file: ${err instanceof Error ? err.message : String(err)}`;
      report.fail(
        new RuleLoadError('LOAD_ERR_FILE_READ', message, {
          itemType: 'file',
          itemName: path,
          position: { file: path, line: 1, column: 1 },
        }),
      );
      return report.result();
    }
    return this.loadText(path, text);
  }

  /** Loads rules content as if it were the file `path`. */
  loadText(path: string, text: string): FileLoadResult {
    const report = new LoadReport(path);
    const requirementsBefore = this.collector.pluginRequirements.length;
    if (readRulesFile(new YamlFile(path, text), this.collector, report)) {
      const rules = this.compiler.compile(this.collector, report);
      if (rules !== undefined) this.compiled = rules;
      this.checkPluginRequirements(requirementsBefore, report);
    }
    return this.withoutRepeatedWarnings(report.result());
  }

  /** The result without the warnings an earlier file's load reported (the same message about the same item). */
  private withoutRepeatedWarnings(result: FileLoadResult): FileLoadResult {
    const warnings = result.warnings.filter((w) => !this.reportedWarnings.has(warningKey(w)));
    for (const w of warnings) this.reportedWarnings.add(warningKey(w));
    return { ...result, warnings };
  }

  /** The requirements this file declared (earlier files' were checked, and reported, with them). */
  private checkPluginRequirements(from: number, report: LoadReport): void {
    for (const req of this.collector.pluginRequirements.slice(from)) {
      const problem = unsatisfiedRequirement(req.alternatives, this.options.plugins);
      if (problem !== undefined) {
        report.fail(new RuleLoadError('LOAD_ERR_VALIDATE', problem, req.context));
        return;
      }
    }
  }
}

function warningKey(w: LoadWarning): string {
  const { file, line, column } = w.position;
  return [w.code, w.itemType, w.itemName, file, line, column, w.message].join('\0');
}

/**
 * A file's result with its warnings about the items of an earlier file of `before` (new ones: a later file
 * changed what the item compiles to) moved to that file's result, so that a file lists what is wrong with its
 * own items. Errors stay: as in Falco, they are the failure of the file being loaded.
 */
function placeWarnings(result: FileLoadResult, before: readonly FileLoadResult[]): FileLoadResult {
  const own: LoadWarning[] = [];
  for (const w of result.warnings) {
    const holder = w.position.file === result.path ? undefined : before.find((r) => r.path === w.position.file);
    if (holder === undefined) own.push(w);
    else holder.warnings.push(w);
  }
  return own.length === result.warnings.length ? result : { ...result, warnings: own };
}
