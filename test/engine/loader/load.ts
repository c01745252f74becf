// Loading rules text into a real engine (the built-in sources, the real parser and compiler) and reading
// back what came out, for the loader tests.

import { builtinSources } from '../../../src/engine/builtin_sources.js';
import { Engine } from '../../../src/engine/engine.js';
import type { FileLoadResult, LoadMessage } from '../../../src/engine/loader/results.js';
import { printCondition } from '../../../src/engine/printer.js';

export interface Loaded {
  engine: Engine;
  results: FileLoadResult[];
  /** The last file's result. */
  result: FileLoadResult;
}

/** Loads each text as a file named `rules<N>.yaml`, one after the other, as Falco loads several files. */
export function load(...texts: string[]): Loaded {
  const engine = new Engine({ sources: builtinSources(), hostname: 'test' });
  const results = texts.map((text, i) => engine.loadText(`rules${i + 1}.yaml`, text));
  return { engine, results, result: results[results.length - 1] as FileLoadResult };
}

/** `CODE item 'name' @line:column: message` — compact enough to compare whole lists. */
export function brief(m: LoadMessage): string {
  return `${m.code} ${m.itemType} '${m.itemName}' @${m.position.line}:${m.position.column}: ${m.message}`;
}

export function errors(l: Loaded): string[] {
  return l.results.flatMap((r) => r.errors.map(brief));
}

export function warnings(l: Loaded, code?: string): string[] {
  return l.results.flatMap((r) => r.warnings.filter((w) => code === undefined || w.code === code).map(brief));
}

export function condition(l: Loaded, rule: string): string {
  const r = l.engine.rules.find((x) => x.name === rule);
  if (r === undefined) throw new Error(`no rule ${rule}`);
  return printCondition(r.ast);
}

/** A rule item with the required keys; `extra` lines are appended (indented by the caller). */
export function rule(name: string, cond: string, extra = ''): string {
  return `- rule: ${name}\n  desc: d\n  condition: ${cond}\n  output: o %evt.num\n  priority: INFO\n${extra}`;
}
