// Extractors of the json plugin's fields (json.value[PTR], json.obj, json.rawtime and their jevt.*
// aliases), for every JSON-based source. Semantics of the plugin (falcosecurity/plugins, plugins/json):
// a pointer that finds nothing gives a missing field; a JSON string is extracted as is, any other value
// (including null) as its JSON text; json.obj is the document indented with two spaces; json.rawtime is
// the event time in ns as a decimal *string* (so `jevt.rawtime=0` compares text).

import type { Extractor, ExtractorFactory } from '../../src/engine/source.js';
import type { JsonEvent } from './event.js';
import { rememberedPerEvent } from '../remembered.js';
import { indentJson } from './indent.js';
import { compileEventAccess } from './access.js';
import { parsePointer } from './pointer.js';
import { jsonText } from './value.js';

function valueField(name: string): ExtractorFactory<JsonEvent> {
  return (arg) => {
    const read = compileEventAccess(parsePointer(name, arg));
    return (event) => jsonText(read(event));
  };
}

const obj: Extractor<JsonEvent> = (event) =>
  event.text !== undefined ? indentJson(event.text.trim()) : JSON.stringify(event.value, null, 2);

const rawtime: Extractor<JsonEvent> = (event) => event.time.toString();

export const jsonExtractors: Readonly<Record<string, ExtractorFactory<JsonEvent>>> = rememberedPerEvent<JsonEvent>({
  'json.value': valueField('json.value'),
  'json.obj': () => obj,
  'json.rawtime': () => rawtime,
  'jevt.value': valueField('jevt.value'),
  'jevt.obj': () => obj,
  'jevt.rawtime': () => rawtime,
});
