// The k8s_audit source as the engine sees it: the field table (generic evt.*, the k8saudit plugin's ka.*,
// the json plugin's json.*/jevt.*) with our extractors, the plugins it stands in for, and the event time.

import { FIELD_SET_PLUGINS, K8S_AUDIT_SOURCE_FIELDS, withExtractors } from '../../src/engine/fields/index.js';
import type { SourceDefinition } from '../../src/engine/source.js';
import { pluginEventExtractors } from '../event-fields.js';
import { jsonExtractors } from '../json/fields.js';
import type { K8sAuditEvent } from './event.js';
import { k8sAuditExtractors } from './fields.js';

export interface SourceOptions {
  /** `evt.hostname`; the machine's host name by default. */
  hostname?: () => string;
}

export function k8sAuditSource(options: SourceOptions = {}): SourceDefinition<K8sAuditEvent> {
  const generic = pluginEventExtractors<K8sAuditEvent>({
    source: 'k8s_audit',
    plugin: 'k8saudit',
    // The plugin's String() of an event is the event's JSON.
    describe: (e) => e.text ?? JSON.stringify(e.value),
    ...(options.hostname ? { hostname: options.hostname } : {}),
  });
  return {
    name: 'k8s_audit',
    fields: withExtractors(K8S_AUDIT_SOURCE_FIELDS, { ...generic, ...k8sAuditExtractors, ...jsonExtractors }),
    plugins: FIELD_SET_PLUGINS.k8s_audit,
    eventTime: (e) => e.time,
  };
}
