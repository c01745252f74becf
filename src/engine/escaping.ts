// Quoted-string escapes of the condition language, as libsinsp's `escape_str` / `unescape_str`
// (filter/escaping.cpp): what the parser does to a quoted literal, and how the printer quotes a value.

import { ConditionSyntaxError } from './errors.js';

/**
 * The value of a quoted literal, delimiters included (`"a\tb"` → `a<TAB>b`). Escapes: `\b \f \n \r \t \\ \/`,
 * `\"` only inside `"…"`, `\'` only inside `'…'`, `\<space>` is a lone backslash (kept by libsinsp for old
 * rules), `\xHH` one byte (libs master). An unescaped delimiter inside is kept as is.
 *
 * Falco values are bytes; ours are JS strings. A run of `\xHH` escapes is decoded as UTF-8 when it is valid
 * UTF-8 (so `\xc3\xa9` is `é`, as the bytes of an extracted UTF-8 value would read), else each byte becomes
 * the code point of the same number (latin-1), which keeps every byte value distinct.
 */
export function unescapeStr(quoted: string): string {
  const delimiter = quoted[0];
  let out = '';
  let bytes: number[] = [];
  const flushBytes = (): void => {
    if (bytes.length > 0) {
      out += decodeBytes(bytes);
      bytes = [];
    }
  };
  const end = quoted.length - 1;
  for (let i = 1; i < end; i++) {
    const c = quoted[i];
    if (c !== '\\') {
      flushBytes();
      out += c;
      continue;
    }
    i++;
    if (i >= end) break; // a trailing lone backslash is dropped, as libsinsp does
    const e = quoted[i];
    if (e === 'x') {
      const hex = quoted.slice(i + 1, i + 3);
      if (i + 2 >= end || !/^[0-9a-fA-F]{2}$/.test(hex)) {
        throw new ConditionSyntaxError(`invalid hex escape sequence: \\x${quoted.slice(i + 1, Math.min(i + 3, end))}`);
      }
      bytes.push(parseInt(hex, 16));
      i += 2;
      continue;
    }
    flushBytes();
    switch (e) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case ' ':
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case '"':
        if (delimiter !== '"') throw new ConditionSyntaxError(`invalid \\" escape in '-quoted string`);
        out += '"';
        break;
      case "'":
        if (delimiter !== "'") throw new ConditionSyntaxError(`invalid \\' escape in "-quoted string`);
        out += "'";
        break;
      default:
        throw new ConditionSyntaxError(`unsupported string escape sequence: \\${e}`);
    }
  }
  flushBytes();
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeBytes(bytes: number[]): string {
  if (bytes.every((b) => b < 0x80)) return String.fromCharCode(...bytes);
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return String.fromCharCode(...bytes);
  }
}

/**
 * A value as a literal of the language: unchanged unless it holds a blank, a quote, a backslash, `\b\f\n\r\t`
 * or NUL, in which case it is wrapped in `"` and only `\b \f \n \r \t \\ \"` are escaped (libsinsp's rule;
 * note that `=`, `(` or `,` alone do not cause quoting, exactly as in Falco's `as_string`).
 */
export function escapeStr(value: string): string {
  let quote = false;
  let out = '';
  for (const c of value) {
    switch (c) {
      case '\b':
        out += '\\b';
        quote = true;
        break;
      case '\f':
        out += '\\f';
        quote = true;
        break;
      case '\n':
        out += '\\n';
        quote = true;
        break;
      case '\r':
        out += '\\r';
        quote = true;
        break;
      case '\t':
        out += '\\t';
        quote = true;
        break;
      case '\\':
        out += '\\\\';
        quote = true;
        break;
      case '"':
        out += '\\"';
        quote = true;
        break;
      case ' ':
      case "'":
      case '\0':
        out += c;
        quote = true;
        break;
      default:
        out += c;
    }
  }
  return quote ? `"${out}"` : out;
}
