// The json source: any JSON object or array as an event, with the json plugin's fields and the generic
// evt.* fields. Its events have no time of their own: they are timed when saker takes them.

import { FIELD_SET_PLUGINS, JSON_SOURCE_FIELDS, withExtractors } from '../../src/engine/fields/index.js';
import type { SourceDefinition } from '../../src/engine/source.js';
import { pluginEventExtractors } from '../event-fields.js';
import type { JsonEvent } from './event.js';
import { jsonExtractors } from './fields.js';

export function jsonSource(options: { hostname?: () => string } = {}): SourceDefinition<JsonEvent> {
  const generic = pluginEventExtractors<JsonEvent>({
    source: 'json',
    plugin: 'json',
    describe: (e) => e.text ?? JSON.stringify(e.value),
    ...(options.hostname ? { hostname: options.hostname } : {}),
  });
  return {
    name: 'json',
    fields: withExtractors(JSON_SOURCE_FIELDS, { ...generic, ...jsonExtractors }),
    plugins: FIELD_SET_PLUGINS.json,
    eventTime: (e) => e.time,
  };
}
