// The token level of the condition language: a cursor over the text that tracks libsinsp's positions and
// the last token read (Falco's error messages quote it), with the token patterns of libsinsp's parser.cpp.

import type { Position } from './ast.js';
import { ConditionSyntaxError } from './errors.js';
import { unescapeStr } from './escaping.js';

// POSIX [[:space:]] is exactly these six; JS \s would also take Unicode blanks.
const SPACE = ' \\t\\n\\v\\f\\r';

/** Token patterns (libsinsp RGX_*), sticky so they match only at the cursor. */
export const TOKEN = {
  notBlank: new RegExp(`not[${SPACE}]+`, 'y'),
  identifier: /[a-zA-Z]+[a-zA-Z0-9_]*/y,
  fieldName: /[a-zA-Z]+[a-zA-Z0-9_]*(?:\.[a-zA-Z]+[a-zA-Z0-9_]*)+/y,
  fieldArgBareStr: new RegExp(`[^\\]\\["'${SPACE}]+`, 'y'),
  hexNumber: /0[xX][0-9a-fA-F]+/y,
  number: /[+-]?[0-9]+\.?[0-9]*(?:[eE][+-][0-9]+)?/y,
  bareStr: new RegExp(`[^()"'${SPACE}=,]+`, 'y'),
} as const;

export class Scanner {
  readonly input: string;
  offset = 0;
  line = 1;
  column = 1;
  /** The last token read (blanks excluded), for `unexpected token after '…'`. */
  lastToken = '';

  constructor(input: string) {
    this.input = input;
  }

  pos(): Position {
    return { offset: this.offset, line: this.line, column: this.column };
  }

  restore(p: Position): void {
    this.offset = p.offset;
    this.line = p.line;
    this.column = p.column;
  }

  atEnd(): boolean {
    return this.offset >= this.input.length;
  }

  peek(): string {
    return this.input.charAt(this.offset);
  }

  error(message: string): ConditionSyntaxError {
    return new ConditionSyntaxError(message, this.pos());
  }

  /** Skips blanks (space, \t, \b, \r, \n); true when at least one was skipped. Does not touch lastToken. */
  blank(): boolean {
    const start = this.offset;
    for (;;) {
      const c = this.input.charCodeAt(this.offset);
      if (c === 32 || c === 9 || c === 8 || c === 13 || c === 10) this.advance(1);
      else break;
    }
    return this.offset > start;
  }

  /** Consumes `s` if the text continues with it. */
  str(s: string): boolean {
    if (!this.input.startsWith(s, this.offset)) return false;
    this.lastToken = s;
    this.advance(s.length);
    return true;
  }

  /** Consumes the first of `list` the text continues with. */
  strList(list: readonly string[]): boolean {
    for (const s of list) if (this.str(s)) return true;
    return false;
  }

  /**
   * Consumes an operator of `list`; operators that need a blank after them (`contains`, `glob`, …) succeed
   * only when one follows. As in libsinsp, such an operator stays consumed when the blank is missing, and
   * the other operators of the list are not tried.
   */
  operator(list: readonly string[], needsBlank: ReadonlySet<string>): boolean {
    for (const op of list) {
      if (!this.str(op)) continue;
      return needsBlank.has(op) ? this.blank() : true;
    }
    return false;
  }

  regex(re: RegExp): boolean {
    re.lastIndex = this.offset;
    const m = re.exec(this.input);
    if (!m) return false;
    this.lastToken = m[0];
    this.advance(m[0].length);
    return true;
  }

  /** Would `re` match here? (no consumption) */
  looking(re: RegExp): string | undefined {
    re.lastIndex = this.offset;
    return re.exec(this.input)?.[0];
  }

  /**
   * A '…' or "…" literal, unescaped. It ends at the first delimiter not preceded by a backslash (so `"a\\"`
   * does not end at its last quote, exactly as libsinsp scans). Unterminated: nothing consumed, false.
   */
  quotedStr(): boolean {
    const delimiter = this.peek();
    if (delimiter !== '"' && delimiter !== "'") return false;
    const start = this.pos();
    let prev = '\\';
    this.lastToken = '';
    for (let i = this.offset; i < this.input.length; i++) {
      const c = this.input[i];
      if (c === delimiter && prev !== '\\') {
        const raw = this.input.slice(this.offset, i + 1);
        this.advance(raw.length);
        try {
          this.lastToken = unescapeStr(raw);
        } catch (e) {
          if (e instanceof ConditionSyntaxError) e.position = this.pos();
          throw e;
        }
        return true;
      }
      prev = c;
    }
    this.restore(start);
    return false;
  }

  private advance(n: number): void {
    const end = this.offset + n;
    for (let i = this.offset; i < end; i++) {
      const c = this.input.charCodeAt(i);
      if (c === 10 || c === 13) {
        this.line++;
        this.column = 1;
      } else {
        this.column++;
      }
    }
    this.offset = end;
  }
}
