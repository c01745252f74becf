// Rules built from texts already read: what `saker run`'s evaluation threads do with the texts the main
// thread's rules were loaded from (RulesLoad.texts), so that every thread runs the same rules whatever
// happened to the files since. Loading a text is the same step for the main thread and for them.

import { sourceDefinitions } from '../../capture/sources.js';
import { Engine } from '../engine/engine.js';
import { formatLoadMessage } from '../engine/loader/results.js';
import type { RulesSettings } from './config.js';

/** One rule file as loaded: its path and the text read (undefined: it could not be read). */
export interface RuleText {
  readonly file: string;
  readonly text: string | undefined;
}

/** What an engine of the running rules is made of, besides the files: what another thread needs to build one. */
export interface EngineSettings {
  readonly match: RulesSettings['match'];
  readonly minimumPriority: RulesSettings['minimumPriority'];
  readonly sources: readonly string[];
  readonly hostname?: string;
}

/** An engine with no rules yet, for these settings. */
export function newEngine(settings: EngineSettings): Engine {
  const { hostname } = settings;
  const sources = sourceDefinitions(hostname !== undefined ? { hostname } : {}).filter((s) => settings.sources.includes(s.name));
  return new Engine({
    sources,
    match: settings.match,
    minimumPriority: settings.minimumPriority,
    ...(hostname !== undefined ? { hostname } : {}),
  });
}

/** Loads rule texts (as loadRules read them) into an engine, in order, stopping at the first failing one. */
export function loadRuleText(engine: Engine, { file, text }: RuleText): { errors: string[]; warnings: string[] } {
  const result = text === undefined ? engine.loadFiles([file])[0]! : engine.loadText(file, text);
  return { errors: result.errors.map(formatLoadMessage), warnings: result.warnings.map(formatLoadMessage) };
}

/** An engine of these rule texts: the same rules as the load they were read by (errors: the first failure). */
export function compileRuleTexts(settings: EngineSettings, texts: readonly RuleText[]): { engine: Engine; errors: string[] } {
  const engine = newEngine(settings);
  for (const text of texts) {
    const { errors } = loadRuleText(engine, text);
    if (errors.length > 0) return { engine, errors };
  }
  return { engine, errors: [] };
}
