// JSON pointers as the json plugin reads them (`json.value[/requestObject/spec/volumes]`): one leading `/`
// is dropped, the rest is split on `/`, and `~1`, `~0` are unescaped (RFC 6901). Parsed once, when a rule
// is compiled; resolved per event (access.ts).

export type JsonPointer = readonly string[];

/** Throws when the pointer is empty, with the field's name in the message. */
export function parsePointer(field: string, arg: string | undefined): JsonPointer {
  if (arg === undefined || arg === '') {
    throw new Error(`field '${field}' requires a JSON pointer argument, e.g. ${field}[/metadata/name]`);
  }
  const path = arg.startsWith('/') ? arg.slice(1) : arg;
  return path.split('/').map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}
