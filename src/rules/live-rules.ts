// The rules a running saker evaluates events with, and their live reload: on SIGHUP or when a rule file
// changes, a new engine loads the files (yielding to the event loop between files, so requests keep being
// served) and replaces the running one in a single assignment once every file loaded without errors.
// When a file has errors, the running rules stay and each error is logged with file:line:column.

import { statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { sourceDefinitions } from '../../capture/sources.js';
import type { Alert } from '../alert.js';
import { Engine, expandRulePaths } from '../engine/engine.js';
import { formatLoadMessage } from '../engine/loader/results.js';
import type { RulesSettings } from './config.js';

/** A change to a rule file often arrives as several file-system events (write, rename): wait for calm. */
const SETTLE_MS = 250;
/** Warnings logged one by one before only their number is. */
const WARNINGS_LOGGED = 20;

export interface RulesLoad {
  readonly engine: Engine;
  readonly files: readonly string[];
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
  const sources = sourceDefinitions(hostname !== undefined ? { hostname } : {}).filter((s) => settings.sources.includes(s.name));
  const engine = new Engine({
    sources,
    match: settings.match,
    minimumPriority: settings.minimumPriority,
    ...(hostname !== undefined ? { hostname } : {}),
  });
  const files = expandRulePaths(settings.files);
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const file of files) {
    for (const result of engine.loadFiles([file])) {
      errors.push(...result.errors.map(formatLoadMessage));
      warnings.push(...result.warnings.map(formatLoadMessage));
    }
    if (errors.length > 0) break;
    await pause?.();
  }
  return { engine, files, errors, warnings };
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What the capture routes need of the rules. */
export interface EventRules {
  evaluate(source: string, event: unknown): Alert[];
  /** Sources with rules loaded and events evaluated (`rules.sources`). */
  readonly sources: readonly string[];
}

export class LiveRules implements EventRules {
  private current: Engine;
  private reloading: Promise<boolean> | undefined;
  private again = false;
  private watchers: FSWatcher[] = [];
  private settleTimer: NodeJS.Timeout | undefined;
  private watchedFiles = new Set<string>();

  private constructor(
    private readonly settings: RulesSettings,
    private readonly logger: Logger,
    private readonly hostname: string | undefined,
    first: RulesLoad,
  ) {
    this.current = first.engine;
    this.remember(first);
  }

  /** The initial load: throws RulesLoadError when a file has errors (saker then does not start). */
  static async start(settings: RulesSettings, logger: Logger, hostname?: string): Promise<LiveRules> {
    const first = await loadRules(settings, hostname);
    if (first.errors.length > 0) throw new RulesLoadError(first.errors);
    const live = new LiveRules(settings, logger, hostname, first);
    live.report(first, 'loaded');
    if (settings.watch) live.startWatching();
    return live;
  }

  get engine(): Engine {
    return this.current;
  }

  /** Which sources have rules loaded and events evaluated. */
  get sources(): readonly string[] {
    return this.settings.sources;
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
      return swapped;
    })();
    return this.reloading;
  }

  close(): void {
    clearTimeout(this.settleTimer);
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  private async reloadOnce(): Promise<boolean> {
    let load: RulesLoad;
    try {
      load = await loadRules(this.settings, this.hostname, nextTurn);
    } catch (err) {
      this.logger.error({ err }, 'rules: reload failed; keeping the running rules');
      return false;
    }
    this.remember(load);
    if (load.errors.length > 0) {
      for (const e of load.errors) this.logger.error(`rules: ${e}`);
      this.logger.error({ errors: load.errors.length }, 'rules: reload failed; keeping the running rules');
      return false;
    }
    this.current = load.engine;
    this.report(load, 'reloaded');
    return true;
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

  /** The files of the last load, so that new files in a watched folder and edits to known files count. */
  private remember(load: RulesLoad): void {
    this.watchedFiles = new Set(load.files.map((f) => resolve(f)));
  }

  /**
   * Watches the folders holding the rule files (and the folders given as rule paths): editors replace
   * files by renaming, which a watch on the file itself would miss.
   */
  private startWatching(): void {
    // Folders named in rules.files: a new rules file there counts too.
    const givenFolders = new Set(this.settings.files.map((p) => resolve(p)).filter(isFolder));
    const folders = new Set<string>([...givenFolders, ...[...this.watchedFiles].map((f) => dirname(f))]);
    for (const folder of folders) {
      try {
        const watcher = watch(folder, (_event, name) => {
          if (name === null) return;
          const path = resolve(folder, name.toString());
          const relevant = this.watchedFiles.has(path) || (givenFolders.has(folder) && /\.ya?ml$/.test(basename(path)));
          if (relevant) this.settle(path);
        });
        watcher.on('error', (err) => this.logger.warn({ err, folder }, 'rules: stopped watching a folder'));
        this.watchers.push(watcher);
      } catch (err) {
        this.logger.warn({ err, folder }, 'rules: cannot watch for changes (SIGHUP still reloads)');
      }
    }
  }

  private settle(path: string): void {
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => void this.reload(`changed: ${path}`), SETTLE_MS);
    this.settleTimer.unref();
  }
}
