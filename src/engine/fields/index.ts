// The field tables of each built-in source, assembled from the generated per-plugin tables, and the one
// way capture code attaches its extractors to them.

import type { ExtractorFactory, FieldDef } from '../source.js';
import { CLOUDTRAIL_PLUGIN_FIELDS } from './cloudtrail.js';
import { GENERIC_EVENT_FIELDS } from './generic_event.js';
import { JSON_PLUGIN_FIELDS } from './json.js';
import { K8SAUDIT_PLUGIN_FIELDS } from './k8saudit.js';
import { SYSCALL_DOT_ARGUMENT_FIELDS, SYSCALL_FIELDS } from './syscall.js';
import { SYSCALL_EVENTS } from './syscall_events.js';
import { SAKER_SYSCALL_FIELDS } from './saker.js';

export {
  CLOUDTRAIL_PLUGIN_FIELDS,
  GENERIC_EVENT_FIELDS,
  JSON_PLUGIN_FIELDS,
  K8SAUDIT_PLUGIN_FIELDS,
  SYSCALL_DOT_ARGUMENT_FIELDS,
  SYSCALL_FIELDS,
};
export { SYSCALL_EVENTS, type SyscallEventRow } from './syscall_events.js';

/** `syscall`: libsinsp's fields plus the container plugin's (`container.*`, `k8s.*`), and saker's own (`saker.*`). */
export const SYSCALL_SOURCE_FIELDS: readonly FieldDef[] = [...SYSCALL_FIELDS, ...SAKER_SYSCALL_FIELDS];

// In Falco a plugin source sees libsinsp's generic `evt.*` fields, its own plugin's fields, and the json
// plugin's fields (the json plugin extracts from every JSON-payload source: k8s_audit rules use `jevt.value`).

/** `k8s_audit`: generic `evt.*`, k8saudit's `ka.*`, json's `json.*`/`jevt.*`. */
export const K8S_AUDIT_SOURCE_FIELDS: readonly FieldDef[] = [
  ...GENERIC_EVENT_FIELDS,
  ...K8SAUDIT_PLUGIN_FIELDS,
  ...JSON_PLUGIN_FIELDS,
];

/** `aws_cloudtrail`: generic `evt.*`, cloudtrail's fields, json's fields. */
export const CLOUDTRAIL_SOURCE_FIELDS: readonly FieldDef[] = [
  ...GENERIC_EVENT_FIELDS,
  ...CLOUDTRAIL_PLUGIN_FIELDS,
  ...JSON_PLUGIN_FIELDS,
];

/** `json` (saker's generic JSON events): generic `evt.*` and json's fields. */
export const JSON_SOURCE_FIELDS: readonly FieldDef[] = [...GENERIC_EVENT_FIELDS, ...JSON_PLUGIN_FIELDS];

/**
 * The Falco plugins (and versions) whose field sets the tables above reproduce, for a source's
 * `SourceDefinition.plugins`, so that `required_plugin_versions` of the upstream rule files is satisfied.
 * The tables come from falcosecurity/plugins @0b3cbd8d (2026-08), which is at least the versions required by
 * the upstream rule files in the corpus; the container plugin version is the one falco_rules.yaml requires.
 */
export const FIELD_SET_PLUGINS = {
  syscall: [{ name: 'container', version: '0.4.0' }],
  k8s_audit: [
    { name: 'k8saudit', version: '0.18.0' },
    { name: 'json', version: '0.7.0' },
  ],
  aws_cloudtrail: [
    { name: 'cloudtrail', version: '0.10.0' },
    { name: 'json', version: '0.7.0' },
  ],
  json: [{ name: 'json', version: '0.7.0' }],
} as const satisfies Record<string, ReadonlyArray<{ name: string; version: string }>>;

/** Every syscall event name (`open`, `execve`, `procexit`, …): the values `evt.type` may be compared with. */
export const SYSCALL_EVENT_NAMES: ReadonlySet<string> = new Set(SYSCALL_EVENTS.map((e) => e[0]));

/**
 * Attaches capture code's extractors to a source's field definitions. Fields without an extractor stay
 * defined (rules using them compile) but never match. Throws when an extractor names a field the table does
 * not define, so a typo in capture code fails at start-up rather than silently never matching.
 */
export function withExtractors<E>(
  defs: readonly FieldDef[],
  extractors: Readonly<Record<string, ExtractorFactory<E>>>,
): FieldDef<E>[] {
  const known = new Set(defs.map((d) => d.name));
  const unknown = Object.keys(extractors).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new Error(`extractors given for undefined fields: ${unknown.join(', ')}`);
  }
  return defs.map(({ name, type, falcoType, isList, arg, flags }) => {
    const def: FieldDef<E> = { name, type, falcoType, isList, arg, flags };
    if (Object.prototype.hasOwnProperty.call(extractors, name)) def.extractor = extractors[name];
    return def;
  });
}
