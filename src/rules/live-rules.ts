// The rules a running saker evaluates events with, and their live reload: on SIGHUP or when a rule file
// changes, a new engine loads the files (yielding to the event loop between files, so requests keep being
// served) and replaces the running one in a single assignment once every file loaded without errors.
// When a file has errors, the running rules stay, each error is logged with file:line:column, and the
// failure is kept in `status` (the saker_rules_* metrics and /healthz read it).

import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Alert } from '../alert.js';
import { expandRulePaths, type Engine } from '../engine/engine.js';
import type { RulesSettings } from './config.js';
import { FolderWatch } from './folder-watch.js';
import { loadRuleText, newEngine, type EngineSettings, type RuleText } from './rule-texts.js';
import { changedRuleFiles, digestOf, foldersToWatch, snapshotRuleFiles, type RuleFileDigest, type RuleFilesSnapshot } from './rule-files.js';

/** A change to a rule file often arrives as several file-system events (write, rename): wait for calm. */
const SETTLE_MS = 250;
/** Warnings logged one by one before only their number is. */
const WARNINGS_LOGGED = 20;

export type { EngineSettings, RuleText };

export interface RulesLoad {
  readonly engine: Engine;
  readonly files: readonly string[];
  /** The digest of each file as it was loaded (null: it could not be read). */
  readonly snapshot: RuleFilesSnapshot;
  /**
   * The text of each file as it was loaded, in load order (up to the first failing file): what the
   * evaluation threads compile, so that they run exactly these rules even if a file changed since.
   */
  readonly texts: readonly RuleText[];
  /** `file:line:column: CODE item 'name': message`; empty when the load succeeded. */
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

export class RulesLoadError extends Error {
  constructor(readonly errors: readonly string[]) {
    super(`rules failed to load:\n  ${errors.join('\n  ')}`);
    this.name = 'RulesLoadError';
  }
}

/** Loads the rule files into a new engine, file by file as Falco does, stopping at the first failing one. */
export async function loadRules(settings: RulesSettings, hostname?: string, pause?: () => Promise<void>): Promise<RulesLoad> {
  const engine = newEngine({ ...settings, ...(hostname !== undefined ? { hostname } : {}) });
  const files = expandRulePaths(settings.files);
  const snapshot = new Map<string, RuleFileDigest>();
  const texts: RuleText[] = [];
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const file of files) {
    // The text read here is the text loaded, so the digest says exactly what the running rules came from.
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // The loader reports it (LOAD_ERR_FILE_READ, with the reason).
    }
    snapshot.set(file, text === undefined ? null : digestOf(text));
    texts.push({ file, text });
    const result = loadRuleText(engine, { file, text });
    errors.push(...result.errors);
    warnings.push(...result.warnings);
    if (errors.length > 0) break;
    await pause?.();
  }
  return { engine, files, snapshot, texts, errors, warnings };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What the capture routes need of the rules. */
export interface EventRules {
  evaluate(source: string, event: unknown): Alert[];
  /** Sources with rules loaded and events evaluated (`rules.sources`). */
  readonly sources: readonly string[];
}

/** The state of the running rules and of the last reload, for metrics and probes. */
export interface RulesStatus {
  /** Enabled rules of the running rules, per source of `rules.sources` (0 when a source has none). */
  readonly enabledBySource: Readonly<Record<string, number>>;
  /** When the running rules were loaded (ms since the epoch). */
  readonly loadedAt: number;
  /** The last reload (SIGHUP or a change), whatever its outcome; absent before the first. */
  readonly lastReload?: { readonly ok: boolean; readonly at: number; readonly errors: number };
  /** Reloads since start, by outcome. */
  readonly reloads: { readonly succeeded: number; readonly failed: number };
}

/** What the running rules were built from: enough for another thread to build the same rules. */
export interface RulesRecipe {
  /** 1 for the rules loaded at start-up, then one more per successful reload. */
  readonly generation: number;
  readonly settings: EngineSettings;
  readonly texts: readonly RuleText[];
}

/** The rules as the HTTP server sees them: what the capture routes need, and the status the probes report. */
export interface RunningRules extends EventRules {
  readonly status: RulesStatus;
  /** What the running rules were built from (evaluation threads build theirs from it). */
  readonly recipe: RulesRecipe;
  /** Calls `listener` with the new recipe right after each swap; returns what stops that. */
  onSwap(listener: (recipe: RulesRecipe) => void): () => void;
}

export class LiveRules implements RunningRules {
  private current: Engine;
  private reloading: Promise<boolean> | undefined;
  private again = false;
  private readonly watch: FolderWatch;
  private settleTimer: NodeJS.Timeout | undefined;
  /** The files of the last load attempt, successful or not: a change is a difference from these. */
  private lastSnapshot: RuleFilesSnapshot;
  private loadedAt = Date.now();
  private lastReload: RulesStatus['lastReload'];
  private readonly reloads = { succeeded: 0, failed: 0 };
  private currentRecipe: RulesRecipe;
  private readonly swapListeners = new Set<(recipe: RulesRecipe) => void>();

  private constructor(
    private readonly settings: RulesSettings,
    private readonly logger: Logger,
    private readonly hostname: string | undefined,
    first: RulesLoad,
  ) {
    this.current = first.engine;
    this.currentRecipe = this.recipeOf(first, 1);
    this.lastSnapshot = first.snapshot;
    this.watch = new FolderWatch(logger, () => this.settle());
  }

  /** The initial load: throws RulesLoadError when a file has errors (saker then does not start). */
  static async start(settings: RulesSettings, logger: Logger, hostname?: string): Promise<LiveRules> {
    const first = await loadRules(settings, hostname);
    if (first.errors.length > 0) throw new RulesLoadError(first.errors);
    const live = new LiveRules(settings, logger, hostname, first);
    live.report(first, 'loaded');
    if (settings.watch) live.syncWatch();
    return live;
  }

  get engine(): Engine {
    return this.current;
  }

  /** Which sources have rules loaded and events evaluated. */
  get sources(): readonly string[] {
    return this.settings.sources;
  }

  get status(): RulesStatus {
    const enabledBySource: Record<string, number> = Object.fromEntries(this.settings.sources.map((s) => [s, 0]));
    for (const r of this.current.summaries()) if (r.enabled) enabledBySource[r.source] = (enabledBySource[r.source] ?? 0) + 1;
    return {
      enabledBySource,
      loadedAt: this.loadedAt,
      ...(this.lastReload ? { lastReload: this.lastReload } : {}),
      reloads: { ...this.reloads },
    };
  }

  get recipe(): RulesRecipe {
    return this.currentRecipe;
  }

  onSwap(listener: (recipe: RulesRecipe) => void): () => void {
    this.swapListeners.add(listener);
    return () => this.swapListeners.delete(listener);
  }

  /** The folders watched for changes (empty with `rules.watch: false`). */
  get watchedFolders(): string[] {
    return this.watch.folders;
  }

  evaluate(source: string, event: unknown): Alert[] {
    return this.current.evaluate(source, event);
  }

  /**
   * Loads the rules again; resolves true when the new rules replaced the running ones. Reloads asked for
   * while one runs are folded into one more run after it.
   */
  reload(trigger: string): Promise<boolean> {
    if (this.reloading) {
      this.again = true;
      return this.reloading;
    }
    this.logger.info({ trigger }, 'rules: reloading');
    this.reloading = (async () => {
      let swapped = false;
      do {
        this.again = false;
        swapped = await this.reloadOnce();
      } while (this.again);
      this.reloading = undefined;
      if (this.settings.watch) this.syncWatch();
      return swapped;
    })();
    return this.reloading;
  }

  close(): void {
    clearTimeout(this.settleTimer);
    this.watch.close();
  }

  private async reloadOnce(): Promise<boolean> {
    let load: RulesLoad;
    try {
      load = await loadRules(this.settings, this.hostname, nextTurn);
    } catch (err) {
      this.logger.error({ err }, 'rules: reload failed; keeping the running rules');
      this.recordReload(false, 1);
      return false;
    }
    this.lastSnapshot = load.snapshot;
    if (load.errors.length > 0) {
      for (const e of load.errors) this.logger.error(`rules: ${e}`);
      this.logger.error({ errors: load.errors.length }, 'rules: reload failed; keeping the running rules');
      this.recordReload(false, load.errors.length);
      return false;
    }
    this.current = load.engine;
    this.currentRecipe = this.recipeOf(load, this.currentRecipe.generation + 1);
    this.loadedAt = Date.now();
    this.recordReload(true, 0);
    this.report(load, 'reloaded');
    for (const listener of this.swapListeners) listener(this.currentRecipe);
    return true;
  }

  private recipeOf(load: RulesLoad, generation: number): RulesRecipe {
    const { match, minimumPriority, sources } = this.settings;
    const settings = { match, minimumPriority, sources, ...(this.hostname !== undefined ? { hostname: this.hostname } : {}) };
    return { generation, settings, texts: load.texts };
  }

  private recordReload(ok: boolean, errors: number): void {
    this.lastReload = { ok, at: Date.now(), errors };
    if (ok) this.reloads.succeeded++;
    else this.reloads.failed++;
  }

  private report(load: RulesLoad, what: string): void {
    load.warnings.slice(0, WARNINGS_LOGGED).forEach((w) => this.logger.warn(`rules: ${w}`));
    if (load.warnings.length > WARNINGS_LOGGED) this.logger.warn(`rules: … and ${load.warnings.length - WARNINGS_LOGGED} more warnings (saker validate lists them all)`);
    const enabled = load.engine.summaries().filter((r) => r.enabled).length;
    this.logger.info(
      { files: load.files, rules: load.engine.rules.length, enabled, warnings: load.warnings.length, match: this.settings.match },
      `rules: ${what} ${load.engine.rules.length} rules from ${load.files.length} files`,
    );
  }

  private syncWatch(): void {
    this.watch.sync(foldersToWatch(this.settings.files, this.lastSnapshot.keys()));
  }

  /** Any event in a watched folder: once things are calm, compare the files with what was last loaded. */
  private settle(): void {
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => this.checkForChanges(), SETTLE_MS);
    this.settleTimer.unref();
  }

  private checkForChanges(): void {
    if (this.reloading) {
      // The reload under way may have read the files before this change: look again after it.
      void this.reloading.then(() => this.settle());
      return;
    }
    const changed = changedRuleFiles(this.lastSnapshot, snapshotRuleFiles(this.settings.files));
    if (changed.length === 0) {
      this.logger.debug('rules: a watched folder changed, the rule files did not');
      this.syncWatch();
      return;
    }
    void this.reload(`changed: ${changed.join(', ')}`);
  }
}
