// The `rules` configuration section: which rule files saker runs, how they match, which sources are on.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sourceNames } from '../../capture/sources.js';
import { parsePriority, type Priority } from '../alert.js';
import { ConfigError, sectionValues, type LoadedConfig } from '../config/loader.js';
import type { ConfigSection } from '../config/section.js';

/** The rules/ folder shipped with saker (from src/ in development, from dist/src/ when built). */
export function defaultRulesFolder(): string {
  for (const rel of ['../../rules', '../../../rules']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  return fileURLToPath(new URL('../../rules', import.meta.url));
}

const KNOWN_SOURCES: readonly string[] = sourceNames();
/**
 * Sources no event can reach: aws_cloudtrail's field table is there so that CloudTrail rule files validate
 * (`saker validate`, `saker rules list`), but saker has no CloudTrail endpoint or replay reader. Loading
 * such rules by default would make them look active; a source added to rules.sources on purpose is loaded.
 */
const WITHOUT_INPUT: readonly string[] = ['aws_cloudtrail'];

export const RULES_SECTION: ConfigSection = {
  name: 'rules',
  doc: 'The rules saker evaluates events with (Falco rule files)',
  checkEnvTypos: true,
  keys: [
    {
      name: 'files',
      type: 'string[]',
      default: [],
      doc: "Rule files and folders (a folder: its `*.yaml`/`*.yml` files in name order), loaded in order as Falco loads them; empty: saker's default rules (the `rules/` folder shipped with saker). Setting it replaces the defaults: list their folder too to keep them (`/app/rules` in the Docker image, `rules/` of a checkout), first, so that with `match: first` your files do not hide their alerts",
    },
    { name: 'match', type: 'enum', values: ['first', 'all'], default: 'first', doc: 'Per event, alert for the first matching rule only (Falco\'s default) or for every matching rule' },
    { name: 'minimumpriority', type: 'priority', default: 'debug', doc: 'Rules less severe than this are not evaluated (Falco\'s `priority`)' },
    {
      name: 'sources',
      type: 'string[]',
      default: KNOWN_SOURCES.filter((s) => !WITHOUT_INPUT.includes(s)),
      doc:
        `Sources whose rules are loaded and whose events are evaluated (${KNOWN_SOURCES.join(', ')}); rules of other sources are skipped with a warning, and their endpoints are off. ` +
        `Events: k8s_audit and json arrive on their endpoints; syscall events only from \`saker replay\` of .scap captures (\`saker run\` has no live syscall input); ${WITHOUT_INPUT.join(', ')} has no input at all, hence not in the default`,
    },
    { name: 'watch', type: 'bool', default: true, doc: 'Reload the rules when a rule file changes (SIGHUP always reloads); a reload that fails keeps the running rules' },
  ],
};

export interface RulesSettings {
  files: string[];
  match: 'first' | 'all';
  minimumPriority: Priority;
  sources: string[];
  watch: boolean;
}

export function readRulesSettings(config: LoadedConfig): RulesSettings {
  const v = sectionValues(config, 'rules');
  const sources = v['sources'] as string[];
  const unknown = sources.filter((s) => !KNOWN_SOURCES.includes(s));
  if (unknown.length > 0) {
    throw new ConfigError([`rules.sources: unknown source(s) ${unknown.map((s) => `'${s}'`).join(', ')}; known: ${KNOWN_SOURCES.join(', ')}`]);
  }
  const files = v['files'] as string[];
  return {
    files: files.length > 0 ? files : [defaultRulesFolder()],
    match: v['match'] as 'first' | 'all',
    minimumPriority: parsePriority(String(v['minimumpriority'])) ?? 'Debug',
    sources,
    watch: v['watch'] as boolean,
  };
}
