// What the rule files hold right now, as content digests, and which folders to watch to hear about changes.
//
// Comparing digests, rather than trusting file-system events to name the file that changed, is what makes
// reloads follow every way rule files get replaced: editors that write a temporary file and rename it, and
// Kubernetes ConfigMap volumes, where `rules/local.yaml` is a symlink to `..data/local.yaml` and the kubelet
// swaps the `..data` symlink to a new timestamped folder (`mv -T ..data_tmp ..data`) and deletes the old
// one. No event there names `local.yaml`; any event in the folder triggers a comparison.

import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { expandRulePaths } from '../engine/engine.js';

/** A rule file's content digest (sha256, hex), or null when it cannot be read. */
export type RuleFileDigest = string | null;

/** The rule files of a `rules.files` setting, in load order, with their digests. */
export type RuleFilesSnapshot = ReadonlyMap<string, RuleFileDigest>;

export function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function readDigest(file: string): RuleFileDigest {
  try {
    return digestOf(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** The files `paths` expand to now (folders: their *.yaml/*.yml by name) and their digests. */
export function snapshotRuleFiles(paths: readonly string[]): RuleFilesSnapshot {
  return new Map(expandRulePaths(paths).map((f) => [f, readDigest(f)]));
}

/** Files added, removed or changed between two snapshots (empty: the same rules would load). */
export function changedRuleFiles(before: RuleFilesSnapshot, now: RuleFilesSnapshot): string[] {
  const changed: string[] = [];
  for (const [file, digest] of now) if (!before.has(file) || before.get(file) !== digest) changed.push(file);
  for (const file of before.keys()) if (!now.has(file)) changed.push(file);
  return changed;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Folders whose events may mean the rules changed: the folders named in `rules.files` (a new file there
 * counts), the folder holding each rule file (editors replace files by renaming), and the folder holding
 * what each file resolves to through symlinks (a file edited in place behind a link).
 */
export function foldersToWatch(paths: readonly string[], files: Iterable<string>): Set<string> {
  const folders = new Set(paths.map((p) => resolve(p)).filter(isFolder));
  for (const file of files) {
    folders.add(dirname(resolve(file)));
    try {
      folders.add(dirname(realpathSync(file)));
    } catch {
      // A dangling link or a missing file: its own folder is watched, which is where it would reappear.
    }
  }
  return folders;
}
