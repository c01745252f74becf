// Every source saker can evaluate events of, as SourceDefinitions for the engine: one line per source.
// Sources whose capture is not written yet come from the engine's built-in definitions (rules compile and
// validate; no events arrive).

import { builtinSources } from '../src/engine/builtin_sources.js';
import type { SourceDefinition } from '../src/engine/source.js';
import { jsonSource } from './json/source.js';
import { k8sAuditSource } from './k8saudit/source.js';
import { syscallSource } from './scap/source.js';

export interface SourceOptions {
  /** `evt.hostname` (the alerts' hostname); the machine's host name by default. */
  hostname?: string;
}

export function sourceDefinitions(options: SourceOptions = {}): SourceDefinition<never>[] {
  const host = options.hostname;
  const hostOption = host !== undefined ? { hostname: () => host } : {};
  const syscall: SourceDefinition<never> = syscallSource();
  const captured: SourceDefinition<never>[] = [k8sAuditSource(hostOption), jsonSource(hostOption)];
  const names = new Set([syscall.name, ...captured.map((s) => s.name)]);
  // Falco's own source first, as Falco lists it.
  return [syscall, ...builtinSources().filter((s) => !names.has(s.name)), ...captured];
}

/** Names of every source, for `--source` and `rules.sources`. */
export function sourceNames(): string[] {
  return sourceDefinitions().map((s) => s.name);
}
