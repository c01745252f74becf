// Rules read the same few fields many times per event: every upstream k8s audit rule starts with
// `jevt.value[/stage]`, and most test ka.target.resource, ka.verb, ka.user.name. So each field (with its
// argument) gets one extractor shared by every rule that names it, and that extractor remembers its value
// for the event at hand. Events are never changed after parsing, and are evaluated one at a time, so the
// event's identity is the whole cache key. (Extracted arrays are shared too; the engine copies them before
// they leave in an alert.)

import type { Extractor, ExtractorFactory, FieldValue } from '../src/engine/source.js';

function remembered<E>(factory: ExtractorFactory<E>): ExtractorFactory<E> {
  const byArg = new Map<string | undefined, Extractor<E>>();
  return (arg) => {
    const known = byArg.get(arg);
    if (known) return known;
    const extract = factory(arg); // an invalid argument throws here, and is not remembered
    let last: E | undefined;
    let value: FieldValue | undefined;
    const shared: Extractor<E> = (event) => {
      if (event !== last) {
        last = event;
        value = extract(event);
      }
      return value;
    };
    byArg.set(arg, shared);
    return shared;
  };
}

/** The same table, each factory sharing its extractors and remembering the last event's value. */
export function rememberedPerEvent<E>(table: Readonly<Record<string, ExtractorFactory<E>>>): Record<string, ExtractorFactory<E>> {
  return Object.fromEntries(Object.entries(table).map(([name, factory]) => [name, remembered(factory)]));
}
