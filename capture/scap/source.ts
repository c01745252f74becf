// The `syscall` source as the engine sees it: libsinsp's and the container plugin's field table with the
// scap extractors, the plugins it stands in for, and each event's type (for rule indexing) and time.

import { FIELD_SET_PLUGINS, SYSCALL_SOURCE_FIELDS, withExtractors } from '../../src/engine/fields/index.js';
import type { SourceDefinition } from '../../src/engine/source.js';
import type { ScapEvent } from './event.js';
import { eventTypeName, SYSCALL_EXTRACTORS } from './fields/index.js';

export function syscallSource(): SourceDefinition<ScapEvent> {
  return {
    name: 'syscall',
    fields: withExtractors(SYSCALL_SOURCE_FIELDS, SYSCALL_EXTRACTORS),
    plugins: FIELD_SET_PLUGINS.syscall,
    eventType: eventTypeName,
    eventTime: (e) => e.ts,
  };
}
