// The sources saker knows, as definitions built from the generated field tables: enough to load, validate
// and list rules. Capture code (capture/) replaces them with definitions whose fields have extractors and
// that can read an event's type and time.

import {
  CLOUDTRAIL_SOURCE_FIELDS,
  FIELD_SET_PLUGINS,
  JSON_SOURCE_FIELDS,
  K8S_AUDIT_SOURCE_FIELDS,
  SYSCALL_SOURCE_FIELDS,
} from './fields/index.js';
import type { FieldDef, SourceDefinition } from './source.js';

function definition(name: keyof typeof FIELD_SET_PLUGINS, fields: readonly FieldDef[]): SourceDefinition<never> {
  return {
    name,
    fields,
    plugins: FIELD_SET_PLUGINS[name],
    eventTime: () => {
      throw new Error(`source ${name} has no capture yet: it can validate rules but not read events`);
    },
  };
}

/** `syscall`, `k8s_audit`, `aws_cloudtrail` and `json`, without extractors. */
export function builtinSources(): SourceDefinition<never>[] {
  return [
    definition('syscall', SYSCALL_SOURCE_FIELDS),
    definition('k8s_audit', K8S_AUDIT_SOURCE_FIELDS),
    definition('aws_cloudtrail', CLOUDTRAIL_SOURCE_FIELDS),
    definition('json', JSON_SOURCE_FIELDS),
  ];
}
