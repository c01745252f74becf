// Loads the configuration: declared keys (src/config/sections.ts) resolved from, in rising precedence, their
// defaults, a YAML file, environment variables (Falcosidekick's names) and command-line overrides. Every bad
// value is reported at once, each naming its key and where the value came from; unknown keys are warnings.

import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { ConfigKey } from '../../outputs/output.js';
import { falcosidekickEnvWarnings, falcosidekickYamlWarning, isServiceLink } from './falcosidekick-outputs.js';
import { closest } from './suggest.js';
import { envName, keyPath, type ConfigSection } from './section.js';
import { coerce, isUnset, ValueProblem } from './values.js';

/** Invalid configuration: saker must not start. `problems` are complete sentences, one per bad value. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** A YAML file; a missing file is an error. */
  file?: string;
  /** The environment to read (process.env in production, a plain object in tests). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Values that win over everything (command-line flags), by dotted path, as text. */
  overrides?: Readonly<Record<string, string>>;
  sections: readonly ConfigSection[];
}

export interface LoadedConfig {
  /** section name → key name → value, defaults applied ('' is the top-level section). */
  readonly values: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  readonly sections: readonly ConfigSection[];
  readonly file?: string;
  /** Unknown keys and other things the user should fix but that do not stop saker. */
  readonly warnings: readonly string[];
  /** Every value of a `secret` key, to be redacted from logs. */
  readonly secrets: readonly string[];
  /** Sections in which the user set at least one key (file, environment or override). */
  readonly touched: ReadonlySet<string>;
  /**
   * Where each value the user set came from, by declared path (`file:line:column`, `environment variable
   * NAME` or `command line`); YAML sections too (`webhook` → the position of `webhook:`).
   */
  readonly origins: ReadonlyMap<string, string>;
  /**
   * Bad values, left at their defaults (only from `readConfig`; `loadConfig` throws instead), so that start-up
   * can go on checking and report every problem at once. `keys` are the declared paths they are about.
   */
  readonly problems: readonly string[];
  readonly problemKeys: ReadonlySet<string>;
}

/** The values of one section; throws for a section nobody declared (a programming error). */
export function sectionValues(config: LoadedConfig, section: string): Readonly<Record<string, unknown>> {
  const values = config.values.get(section);
  if (!values) throw new Error(`no configuration section '${section}' is declared`);
  return values;
}

interface Declared {
  section: ConfigSection;
  key: ConfigKey;
  /** The declared name, not the alias through which it was reached. */
  path: string;
  isAlias: boolean;
}

interface RawValue {
  raw: unknown;
  where: string;
  origin: 'yaml' | 'env';
  /** 0 file, 1 environment, 2 command line: a higher level wins. */
  level: number;
  /** Primary names beat aliases given at the same level. */
  isAlias: boolean;
}

class Catalog {
  /** lower-case dotted path (primary or alias) → declaration */
  readonly byPath = new Map<string, Declared>();
  /** lower-case dotted paths that are maps holding declared keys: `webhook`, `webhook.rules` */
  readonly containers = new Set<string>();
  readonly byEnv = new Map<string, Declared>();

  constructor(readonly sections: readonly ConfigSection[]) {
    for (const section of sections) {
      if (section.name !== '') this.containers.add(section.name.toLowerCase());
      for (const key of section.keys) {
        const path = keyPath(section.name, key.name);
        for (const name of [key.name, ...(key.aliases ?? [])]) {
          const decl: Declared = { section, key, path, isAlias: name !== key.name };
          const lower = keyPath(section.name, name).toLowerCase();
          if (this.byPath.has(lower)) throw new Error(`configuration key '${lower}' is declared twice`);
          this.byPath.set(lower, decl);
          const env = envName(section.name, name);
          const clash = this.byEnv.get(env);
          if (clash) throw new Error(`configuration keys '${clash.path}' and '${path}' share the environment name ${env}`);
          this.byEnv.set(env, decl);
          const parts = lower.split('.');
          for (let i = 1; i < parts.length; i++) this.containers.add(parts.slice(0, i).join('.'));
        }
      }
    }
  }
}

function positionOf(node: YamlNode | null | undefined, lines: LineCounter, file: string): string {
  const offset = node?.range?.[0];
  if (offset === undefined) return file;
  const { line, col } = lines.linePos(offset);
  return `${file}:${line}:${col}`;
}

/** Reads the YAML file into raw values by declared path; unknown keys become warnings. */
function readFile(
  file: string,
  catalog: Catalog,
  raws: Map<string, RawValue[]>,
  warnings: string[],
  problems: string[],
  origins: Map<string, string>,
): Set<string> {
  const touched = new Set<string>();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`${file}: cannot read the configuration file: ${(err as Error).message}`);
    return touched;
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const { line, col } = lines.linePos(e.pos[0]);
      problems.push(`${file}:${line}:${col}: ${e.message.split('\n')[0]}`);
    }
    return touched;
  }
  if (doc.contents === null) return touched;
  if (!isMap(doc.contents)) {
    problems.push(`${positionOf(doc.contents, lines, file)}: the configuration must be a map of keys`);
    return touched;
  }

  const walk = (map: YamlNode, prefix: string): void => {
    if (!isMap(map)) return;
    for (const pair of map.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as YamlNode | null;
      const name = String(isScalar(keyNode) ? keyNode.value : keyNode);
      const path = prefix === '' ? name.toLowerCase() : `${prefix}.${name.toLowerCase()}`;
      const valueNode = pair.value as YamlNode | null;
      const where = positionOf(keyNode, lines, file);
      const decl = catalog.byPath.get(path);
      if (decl) {
        const raw: unknown = valueNode === null ? null : valueNode.toJS(doc);
        if (!isUnset(raw)) touched.add(decl.section.name);
        push(raws, decl.path, { raw, where, origin: 'yaml', level: 0, isAlias: decl.isAlias });
      } else if (catalog.containers.has(path)) {
        origins.set(path, where);
        if (isMap(valueNode)) walk(valueNode, path);
        else if (valueNode !== null && !isUnset(isScalar(valueNode) ? valueNode.value : valueNode)) {
          problems.push(`${where}: ${path}: expected a map of settings`);
        }
      } else {
        const children = isMap(valueNode) ? valueNode.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key).toLowerCase()) : [];
        const sidekick = falcosidekickYamlWarning(path, children, catalog.containers.has(path.split('.')[0]!));
        if (sidekick) {
          // A Falcosidekick section copied with every value empty sets nothing: nothing to warn about.
          if (hasSetting(valueNode === null ? null : valueNode.toJS(doc))) warnings.push(`${where}: ${sidekick}`);
        } else {
          const hint = closest(path, [...catalog.byPath.keys()]);
          warnings.push(`${where}: unknown key '${path}' ignored${hint ? ` (did you mean '${hint}'?)` : ''}`);
        }
      }
    }
  };
  walk(doc.contents, '');
  return touched;
}

function hasSetting(value: unknown): boolean {
  if (isUnset(value)) return false;
  if (Array.isArray(value)) return value.some(hasSetting);
  if (typeof value === 'object') return Object.values(value as object).some(hasSetting);
  return true;
}

function push(raws: Map<string, RawValue[]>, path: string, value: RawValue): void {
  const list = raws.get(path);
  if (list) list.push(value);
  else raws.set(path, [value]);
}

/** The value that wins: the highest level (file < env < override); within a level, a primary name over an alias. */
function pick(list: RawValue[] | undefined): RawValue | undefined {
  let best: RawValue | undefined;
  for (const v of list ?? []) {
    if (isUnset(v.raw)) continue;
    if (!best || v.level > best.level || (v.level === best.level && (best.isAlias || !v.isAlias))) best = v;
  }
  return best;
}

// Environment names that other software uses for its own purposes: a value saker cannot read is ignored
// with a warning instead of stopping start-up (npm's `debug` module reads DEBUG=some:namespace).
const SHARED_ENV_NAMES = new Set(['DEBUG']);

/** Loads the configuration; throws a ConfigError listing every bad value. */
export function loadConfig(options: LoadOptions): LoadedConfig {
  const config = readConfig(options);
  if (config.problems.length > 0) throw new ConfigError(config.problems);
  return config;
}

/**
 * Loads the configuration, keeping bad values' problems in `problems` (the values stay at their defaults)
 * instead of throwing: `saker run` goes on to the checks done when outputs are built, and reports all at once.
 */
export function readConfig(options: LoadOptions): LoadedConfig {
  const catalog = new Catalog(options.sections);
  const raws = new Map<string, RawValue[]>();
  const warnings: string[] = [];
  const problems: string[] = [];
  const problemKeys = new Set<string>();
  const origins = new Map<string, string>();
  const touched = options.file ? readFile(options.file, catalog, raws, warnings, problems, origins) : new Set<string>();

  const env = options.env ?? {};
  for (const [name, decl] of catalog.byEnv) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    if (isServiceLink(name, text)) {
      // SYSLOG_PORT=tcp://10.0.0.9:514: Kubernetes' link to a Service named `syslog`, not a port number.
      warnings.push(`environment variable ${name}: '${text}' is a Kubernetes service link (a Service named like the section), not a saker setting; ignored (set ${decl.path} in the file, or enableServiceLinks: false in the pod)`);
      continue;
    }
    touched.add(decl.section.name);
    push(raws, decl.path, { raw: text, where: `environment variable ${name}`, origin: 'env', level: 1, isAlias: decl.isAlias });
  }
  for (const [path, text] of Object.entries(options.overrides ?? {})) {
    const decl = catalog.byPath.get(path.toLowerCase());
    if (!decl) throw new Error(`override of an undeclared key '${path}'`);
    touched.add(decl.section.name);
    push(raws, decl.path, { raw: text, where: 'command line', origin: 'env', level: 2, isAlias: false });
  }
  warnings.push(...envTypos(env, catalog));
  warnings.push(...falcosidekickEnvWarnings(env, (name) => catalog.byEnv.has(name)));

  const values = new Map<string, Record<string, unknown>>();
  const secrets: string[] = [];
  for (const section of options.sections) {
    const out: Record<string, unknown> = {};
    for (const key of section.keys) {
      const path = keyPath(section.name, key.name);
      const given = pick(raws.get(path));
      let value: unknown = key.default === undefined ? undefined : structuredClone(key.default);
      if (given) {
        origins.set(path, given.where);
        try {
          value = coerce(key, given.raw, given.origin);
        } catch (err) {
          if (!(err instanceof ValueProblem)) throw err;
          const name = given.where.startsWith('environment variable ') ? given.where.slice(21) : '';
          if (SHARED_ENV_NAMES.has(name)) warnings.push(`${given.where}: ${err.message}; ignored`);
          else {
            problems.push(given.origin === 'yaml' ? `${given.where}: ${path}: ${err.message}` : `${path} (${given.where}): ${err.message}`);
            problemKeys.add(path);
          }
        }
      }
      out[key.name] = value;
      if (key.secret) collectSecrets(value, secrets);
    }
    values.set(section.name, out);
  }
  return { values, sections: options.sections, file: options.file, warnings, secrets, touched, origins, problems, problemKeys };
}

/**
 * A problem found after loading (`webhook.address: the scheme must be http or https, not ftp`), with where the
 * key it names was set: `config.yaml:7:3: webhook.address: …` or `webhook.address (environment variable
 * WEBHOOK_ADDRESS): …`, as the loader writes its own. A key set nowhere is placed at its YAML section, if any.
 */
export function locateProblem(config: LoadedConfig, message: string): string {
  const m = /^([\w.-]+): /.exec(message);
  if (!m) return message;
  const path = m[1]!.toLowerCase();
  const where = config.origins.get(path);
  if (where === undefined) {
    const section = config.origins.get(path.split('.')[0]!);
    return section === undefined ? message : `${section}: ${message}`;
  }
  if (where.startsWith('environment variable ') || where === 'command line') return `${m[1]} (${where}): ${message.slice(m[0].length)}`;
  return `${where}: ${message}`;
}

/** The declared path a problem is about (`webhook.address: …` → `webhook.address`), if it names one. */
export function problemKey(message: string): string | undefined {
  return /^([\w.-]+): /.exec(message)?.[1]?.toLowerCase();
}

function collectSecrets(value: unknown, into: string[]): void {
  // Very short values would redact innocent text all over the logs; such "secrets" protect nothing anyway.
  if (typeof value === 'string') {
    if (value.length >= 3) into.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectSecrets(v, into);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) collectSecrets(v, into);
  }
}

/** `WEBHOOK_ADRESS=…` is almost certainly a typo of a key of the webhook section. */
function envTypos(env: Readonly<Record<string, string | undefined>>, catalog: Catalog): string[] {
  const prefixes = catalog.sections.filter((s) => s.checkEnvTypos && s.name !== '').map((s) => `${s.name.toUpperCase()}_`);
  const out: string[] = [];
  for (const name of Object.keys(env)) {
    if (catalog.byEnv.has(name) || !prefixes.some((p) => name.startsWith(p)) || isServiceLink(name, env[name] ?? '')) continue;
    const hint = closest(name, [...catalog.byEnv.keys()]);
    out.push(`environment variable ${name} is not a saker setting; ignored${hint ? ` (did you mean ${hint}?)` : ''}`);
  }
  return out;
}
