// A configuration section: a named group of declared keys. Everything about a key — YAML path, environment
// name, type, default, validation, redaction, README row — is derived from its declaration, so that a new
// output or capture source brings its configuration by declaring keys, nothing else.

import type { ConfigKey, OutputModule } from '../../outputs/output.js';

export interface ConfigSection {
  /** The YAML map the keys live in (`webhook`, `tlsserver`); '' for top-level keys (`listenport`). */
  name: string;
  /** One line for the README's reference table. */
  doc: string;
  keys: readonly ConfigKey[];
  /** Set for output sections: the module that builds the output. */
  output?: OutputModule;
  /**
   * Warn about environment variables that start with this section's prefix but name no key
   * (`WEBHOOK_ADRESS`). Off for generic prefixes that other software uses too (`LOG_`, `REDIS_`).
   */
  checkEnvTypos?: boolean;
}

/** The dotted path of a key in the YAML document: `webhook.address`, `listenport`, `webhook.rules.allow`. */
export function keyPath(section: string, key: string): string {
  return section === '' ? key : `${section}.${key}`;
}

/** Falcosidekick's convention: the path joined by `_`, uppercased (`WEBHOOK_MINIMUMPRIORITY`). */
export function envName(section: string, key: string): string {
  return keyPath(section, key).replaceAll('.', '_').toUpperCase();
}
