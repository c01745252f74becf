// The rule engine as the rest of saker uses it: sources in, rules files loaded, events evaluated into
// Falco alerts. Nothing here knows how events arrive.

import { readdirSync, statSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import type { Alert, Priority } from '../alert.js';
import { buildAlert } from './alert_builder.js';
import type { CompiledRule } from './loader/compiler.js';
import type { FileLoadResult } from './loader/results.js';
import { RuleLoader, type LoadFilesOptions } from './loader/rule_loader.js';
import type { CompileTarget } from './loader/target.js';
import { Ruleset, type MatchMode, type RuleSelector } from './ruleset.js';
import type { SourceDefinition } from './source.js';
import { sourceTarget } from './source_target.js';

export interface EngineOptions {
  /**
   * The sources rules may use; rules of other sources are skipped with LOAD_UNKNOWN_SOURCE. Each source
   * has its own event type (hence `never`: any definition fits); the engine hands events back unopened.
   */
  sources: ReadonlyArray<SourceDefinition<never>>;
  /** The alerts' `hostname` (default: this machine's). */
  hostname?: string;
  /** `first` (Falco's default): one alert per event; `all`: one per matching rule. */
  match?: MatchMode;
  /** Rules less severe than this never fire (Falco's `priority`; default Debug: all fire). */
  minimumPriority?: Priority;
  /**
   * Whether alerts get a fresh uuid (default true). `saker replay` prints alerts without it and turns this
   * off: its alerts' uuid is empty.
   */
  uuids?: boolean;
}

/** What `saker rules list` shows of a rule. */
export interface RuleSummary {
  name: string;
  source: string;
  priority: Priority;
  enabled: boolean;
  tags: string[];
  description: string;
}

/** The results of events nothing matched: shared (frozen), so that such events allocate nothing. */
const NO_ALERTS: readonly Alert[] = Object.freeze([]);
const NO_RULES: readonly CompiledRule<never>[] = Object.freeze([]);

export class Engine {
  readonly hostname: string;
  readonly match: MatchMode;
  private readonly uuids: boolean;
  private readonly sources = new Map<string, SourceDefinition<never>>();
  private readonly targets = new Map<string, CompileTarget<never>>();
  private readonly loader: RuleLoader<never>;
  private ruleset: Ruleset<never> = new Ruleset<never>([]);
  private minimumPriority: Priority;
  private lastSourceName: string | undefined = undefined;
  private lastSource: SourceDefinition<never> | undefined = undefined;
  private lastTarget: CompileTarget<never> | undefined = undefined;
  /** Enable/disable requests, replayed on the ruleset each time rules are (re)loaded. */
  private readonly selections: Array<{ selector: RuleSelector; enabled: boolean }> = [];

  constructor(options: EngineOptions) {
    this.hostname = options.hostname ?? osHostname();
    this.match = options.match ?? 'first';
    this.minimumPriority = options.minimumPriority ?? 'Debug';
    this.uuids = options.uuids ?? true;
    for (const def of options.sources) {
      if (this.sources.has(def.name)) throw new Error(`source ${def.name} given twice`);
      this.sources.set(def.name, def);
      this.targets.set(def.name, sourceTarget(def));
    }
    const plugins = options.sources.flatMap((s) => s.plugins);
    this.loader = new RuleLoader({ targets: this.targets, plugins });
  }

  /**
   * Loads rules files (directories: their *.yaml / *.yml files in name order), one by one as Falco does;
   * by default stops at the first file with errors. Returns one result per file tried.
   */
  loadFiles(paths: readonly string[], options: LoadFilesOptions = {}): FileLoadResult[] {
    const results = this.loader.loadFiles(expandRulePaths(paths), options);
    this.refresh();
    return results;
  }

  /** Loads rules content given as text, as if read from the file `name`. */
  loadText(name: string, text: string): FileLoadResult {
    const result = this.loader.loadText(name, text);
    this.refresh();
    return result;
  }

  get rules(): readonly CompiledRule<never>[] {
    return this.ruleset.rules;
  }

  summaries(): RuleSummary[] {
    return this.ruleset.rules.map((r) => ({
      name: r.name,
      source: r.source,
      priority: r.priority,
      enabled: this.ruleset.isActive(r),
      tags: [...r.tags],
      description: r.description,
    }));
  }

  /** Enables or disables rules by name substring and/or tag; returns how many rules matched. */
  setEnabled(selector: RuleSelector, enabled: boolean): number {
    this.selections.push({ selector, enabled });
    return this.ruleset.setEnabled(selector, enabled);
  }

  setMinimumPriority(minimum: Priority): void {
    this.minimumPriority = minimum;
    this.ruleset.setMinimumPriority(minimum);
  }

  /** The alerts an event raises: none, the first matching rule's, or (match: all) every matching rule's. */
  evaluate(sourceName: string, event: unknown): Alert[] {
    const matched = this.matches(sourceName, event);
    if (matched.length === 0) return NO_ALERTS as Alert[];
    const e = event as never;
    const time = (this.sources.get(sourceName) as SourceDefinition<never>).eventTime(e);
    return matched.map((rule) => buildAlert(rule, e, time, this.hostname, this.uuids));
  }

  /** The rules an event matches (by the engine's `match` mode), without building alerts. */
  matches(sourceName: string, event: unknown): CompiledRule<never>[] {
    // Events come in runs of one source: the last one's definition and target are kept.
    if (sourceName !== this.lastSourceName) {
      const def = this.sources.get(sourceName);
      if (def === undefined) throw new Error(`unknown source '${sourceName}'`);
      this.lastSourceName = sourceName;
      this.lastSource = def;
      this.lastTarget = this.targets.get(sourceName);
    }
    const e = event as never; // the source's own event type: only its extractors look inside
    const candidates = this.ruleset.lookup(sourceName, this.lastSource!.eventType?.(e));
    // An event no rule can match (most syscall event types) costs that lookup: nothing to reset or evaluate.
    if (candidates === undefined) return NO_RULES as CompiledRule<never>[];
    this.lastTarget?.beginEvent?.();
    return this.ruleset.matchIn(this.match, candidates, e);
  }

  /**
   * False when no active rule of `sourceName` can match an event of `eventType` (an event source's type
   * name, e.g. `procinfo`): readers may then skip such events (counting them) without building them.
   */
  canMatch(sourceName: string, eventType: string): boolean {
    return this.ruleset.hasCandidates(sourceName, eventType);
  }

  /** The ruleset itself, for callers that only need to know which rules match (benchmarks, tests). */
  get compiledRuleset(): Ruleset<never> {
    return this.ruleset;
  }

  private refresh(): void {
    this.ruleset = new Ruleset<never>(this.loader.rules);
    this.ruleset.setMinimumPriority(this.minimumPriority);
    for (const { selector, enabled } of this.selections) this.ruleset.setEnabled(selector, enabled);
  }
}

/** Files stay as given; a directory becomes its *.yaml / *.yml files, sorted by name. */
export function expandRulePaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    let isDirectory = false;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      // A missing file is reported by the loader (LOAD_ERR_FILE_READ).
    }
    if (!isDirectory) {
      out.push(path);
      continue;
    }
    const names = readdirSync(path)
      .filter((n) => /\.ya?ml$/.test(n))
      .sort();
    for (const n of names) out.push(join(path, n));
  }
  return out;
}
