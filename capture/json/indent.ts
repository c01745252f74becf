// `json.obj` is the event's JSON re-indented the way Go's json.Indent does it (two spaces, `": "` after
// keys, `{}` and `[]` kept compact). Working on the original text rather than on the parsed value keeps
// numbers, key order and string escapes exactly as the producer wrote them.

const SPACE = new Set([' ', '\t', '\n', '\r']);

function newline(depth: number): string {
  return '\n' + '  '.repeat(depth);
}

/** Re-indents valid JSON text; the caller guarantees validity (the text was parsed before). */
export function indentJson(text: string): string {
  let out = '';
  let depth = 0;
  let pendingIndent = false; // after `{`/`[`: indent only if the container is not empty
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (SPACE.has(c)) continue;
    if (pendingIndent && c !== '}' && c !== ']') {
      pendingIndent = false;
      depth++;
      out += newline(depth);
    }
    switch (c) {
      case '{':
      case '[':
        pendingIndent = true;
        out += c;
        break;
      case ',':
        out += c + newline(depth);
        break;
      case ':':
        out += ': ';
        break;
      case '}':
      case ']':
        if (pendingIndent) pendingIndent = false;
        else {
          depth--;
          out += newline(depth);
        }
        out += c;
        break;
      case '"':
        inString = true;
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}
