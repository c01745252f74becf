// A small source for engine tests: events are plain objects, and each field reads the property of its name
// (`proc.aname[2]` reads `proc.aname[2]`), so a test writes exactly the values it wants each field to have.

import { CompiledSource } from '../../src/engine/compile/source.js';
import type { FieldDef, FieldValue } from '../../src/engine/source.js';

export type TestEvent = Record<string, FieldValue | undefined>;

export function propertySource(
  name: string,
  defs: readonly FieldDef[],
  opts: { withoutExtractor?: readonly string[]; eventNames?: ReadonlySet<string> } = {},
): CompiledSource<TestEvent> {
  const fields: Array<FieldDef<TestEvent>> = defs.map(({ extractor: _unused, ...d }) => {
    if (opts.withoutExtractor?.includes(d.name)) return d;
    return { ...d, extractor: (arg) => (e) => e[arg === undefined ? d.name : `${d.name}[${arg}]`] };
  });
  return new CompiledSource<TestEvent>(
    { name, fields, plugins: [], eventTime: () => 0n },
    opts.eventNames ? { eventNames: opts.eventNames } : {},
  );
}

export function field(name: string, type: FieldDef['type'], extra: Partial<FieldDef> = {}): FieldDef {
  return { name, type, falcoType: type.toUpperCase(), isList: false, arg: null, flags: [], ...extra };
}
