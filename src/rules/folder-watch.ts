// A set of watched folders that can be changed while it runs: the folders rule files live in move (a
// ConfigMap's `..2026_11_29_…` folder is replaced at every update), so the watcher is re-synced after every
// check. A folder that disappears (its watcher errors or the folder is deleted) is dropped quietly; the next
// sync watches it again if it is still wanted and exists.

import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from 'pino';

export class FolderWatch {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly unwatchable = new Set<string>();

  constructor(
    private readonly logger: Logger,
    /** Called on any event in a watched folder (what changed is for the caller to find out). */
    private readonly onEvent: () => void,
  ) {}

  /** Watches exactly these folders from now on. */
  sync(folders: ReadonlySet<string>): void {
    for (const [folder, watcher] of this.watchers) {
      if (!folders.has(folder)) {
        watcher.close();
        this.watchers.delete(folder);
      }
    }
    for (const folder of folders) {
      if (this.watchers.has(folder)) continue;
      try {
        const watcher = watch(folder, () => this.onEvent());
        watcher.on('error', (err) => {
          this.logger.debug({ err, folder }, 'rules: stopped watching a folder');
          this.drop(folder, watcher);
        });
        this.watchers.set(folder, watcher);
        this.unwatchable.delete(folder);
      } catch (err) {
        // Said once per folder: a folder that cannot be watched stays so until it can.
        if (!this.unwatchable.has(folder)) this.logger.warn({ err, folder }, 'rules: cannot watch a folder for changes (SIGHUP still reloads)');
        this.unwatchable.add(folder);
      }
    }
  }

  get folders(): string[] {
    return [...this.watchers.keys()];
  }

  close(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private drop(folder: string, watcher: FSWatcher): void {
    watcher.close();
    if (this.watchers.get(folder) === watcher) this.watchers.delete(folder);
  }
}
