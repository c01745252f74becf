// Recursive-descent parser of Falco conditions, following libsinsp's filter/parser.cpp rule for rule (the
// grammar, the order in which alternatives are tried, the error messages and the node positions), so that
// exactly the texts Falco accepts are accepted.
//
//   Expr        ::= OrExpr
//   OrExpr      ::= AndExpr ( 'or' (Blank | '(' …) AndExpr )*
//   AndExpr     ::= NotExpr ( 'and' (Blank | '(' …) NotExpr )*
//   NotExpr     ::= ( 'not' Blank+ )* ( 'not(' Expr ')' | Check )
//   Check       ::= '(' Expr ')' | (Field | Transformer) Condition | Identifier
//   Condition   ::= 'exists' | NumOp (Number | RhsTransformer) | StrOp [Modifier] (Str | RhsTransformer)
//                 | ListOp (List | RhsTransformer | Identifier)

import {
  LIST_OPERATORS,
  MODIFIERS,
  NUMERIC_OPERATORS,
  STRING_OPERATORS,
  TRANSFORMERS,
  type Ast,
  type BinaryOperator,
  type BoolExpr,
  type FieldExpr,
  type ListExpr,
  type Modifier,
  type Operand,
  type Position,
  type TransformerArg,
  type TransformerExpr,
  type TransformerListExpr,
  type TransformerName,
  type ValueExpr,
} from './ast.js';
import { ConditionSyntaxError } from './errors.js';
import { Scanner, TOKEN } from './lexer.js';

/** libsinsp's default; Falco raises it to 1000 for rule and macro conditions. */
export const DEFAULT_MAX_DEPTH = 100;

export interface ParseOptions {
  maxDepth?: number;
}

/** Operators needing a blank after them, in libsinsp's order (which is also the error message's order). */
const NEEDS_BLANK: ReadonlySet<string> = new Set(
  STRING_OPERATORS.filter((op) => /^[a-z]/.test(op)),
);
const TRANSFORMER_OPENERS = TRANSFORMERS.map((t) => `${t}(`);
const quote = (xs: readonly string[]): string => xs.map((x) => `'${x}'`).join(', ');
const OPERATORS_TEXT = quote(['exists', ...NUMERIC_OPERATORS, ...STRING_OPERATORS, ...LIST_OPERATORS]);
const TRANSFORMERS_TEXT = quote(['val', ...TRANSFORMERS]);
const MODIFIER_WORD = new RegExp(`(?:${MODIFIERS.join('|')})`, 'y');
const KEYWORD_AHEAD = /(?:and|or|not)(?![a-zA-Z0-9_])/y;

/** Parses a condition. Throws ConditionSyntaxError (Falco's message, position of the failure). */
export function parseCondition(text: string, opts: ParseOptions = {}): Ast {
  return new ConditionParser(text, opts.maxDepth ?? DEFAULT_MAX_DEPTH).parse();
}

class ConditionParser {
  private readonly s: Scanner;
  private depth = 0;

  constructor(
    text: string,
    private readonly maxDepth: number,
  ) {
    this.s = new Scanner(text);
  }

  parse(): Ast {
    if (this.s.input.length === 0) throw this.s.error('filter input string is empty');
    const res = this.parseOr();
    if (!this.s.atEnd()) {
      throw this.s.error(`unexpected token after '${this.s.lastToken}', expecting 'or', 'and'`);
    }
    return res;
  }

  /** Every grammar function counts one level of recursion, as libsinsp's depth_guard does. */
  private guarded<T>(f: () => T): T {
    if (++this.depth >= this.maxDepth) {
      this.depth--;
      throw this.s.error(`exceeded max depth limit of ${this.maxDepth}`);
    }
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private parseOr(): BoolExpr {
    return this.guarded(() => this.parseLogical('or', () => this.parseAnd()));
  }

  private parseAnd(): BoolExpr {
    return this.guarded(() => this.parseLogical('and', () => this.parseNot()));
  }

  private parseLogical(kind: 'and' | 'or', operand: () => BoolExpr): BoolExpr {
    const s = this.s;
    const pos = s.pos();
    s.blank();
    const children = [operand()];
    s.blank();
    while (s.str(kind)) {
      if (s.blank()) children.push(operand());
      else if (s.str('(')) children.push(this.parseEmbeddedRemainder());
      else throw s.error(`expected blank or '(' after '${kind}'`);
      s.blank();
    }
    return children.length > 1 ? { kind, children, pos } : children[0];
  }

  private parseNot(): BoolExpr {
    return this.guarded(() => {
      const s = this.s;
      const pos = s.pos();
      let negate = false;
      s.blank();
      while (s.regex(TOKEN.notBlank)) negate = !negate;
      let child: BoolExpr;
      if (s.str('not(')) {
        negate = !negate;
        child = this.parseEmbeddedRemainder();
      } else {
        child = this.parseCheck();
      }
      return negate ? { kind: 'not', child, pos } : child;
    });
  }

  /** After a '(' has been read: the expression and its ')'. */
  private parseEmbeddedRemainder(): BoolExpr {
    return this.guarded(() => {
      this.s.blank();
      const child = this.parseOr();
      this.s.blank();
      if (!this.s.str(')')) throw this.s.error("expected a ')' token");
      return child;
    });
  }

  private parseCheck(): BoolExpr {
    return this.guarded(() => {
      const s = this.s;
      const pos = s.pos();
      s.blank();
      if (s.str('(')) return this.parseEmbeddedRemainder();
      if (s.regex(TOKEN.fieldName)) return this.parseCondition(this.parseFieldRemainder(s.lastToken, pos), pos);
      if (s.strList(TRANSFORMER_OPENERS)) {
        const name = s.lastToken.slice(0, -1) as TransformerName;
        s.blank();
        return this.parseCondition(this.parseTransformerRemainder(name, pos), pos);
      }
      if (s.regex(TOKEN.identifier)) return { kind: 'identifier', name: s.lastToken, pos };
      throw s.error("expected a '(' token, a field check, or an identifier");
    });
  }

  /** After a field name: its optional `[arg]` (no blank allowed before '['). */
  private parseFieldRemainder(field: string, pos: Position): FieldExpr {
    return this.guarded(() => ({ kind: 'field', field, arg: this.parseArg(), pos }));
  }

  private parseArg(): string | undefined {
    const s = this.s;
    if (!s.str('[')) return undefined;
    if (!s.quotedStr() && !s.regex(TOKEN.fieldArgBareStr)) {
      throw s.error('expected a valid field argument: a quoted string or a bare string');
    }
    const arg = s.lastToken;
    if (!s.str(']')) throw s.error("expected a ']' token");
    return arg;
  }

  /** After `name(`: comma-separated arguments, ')' and an optional `[arg]`. */
  private parseTransformerRemainder(name: TransformerName, pos: Position): TransformerExpr {
    return this.guarded(() => {
      const s = this.s;
      s.blank();
      const args: TransformerArg[] = [];
      do {
        args.push(this.parseTransformerArg());
        s.blank();
      } while (s.str(','));
      s.blank();
      if (!s.str(')')) throw s.error("expected a ')' token closing the transformer");
      return { kind: 'transformer', name, args, arg: this.parseArg(), pos };
    });
  }

  private parseTransformerArg(): TransformerArg {
    return this.guarded(() => {
      const s = this.s;
      s.blank();
      const pos = s.pos();
      if (s.regex(TOKEN.hexNumber) || s.regex(TOKEN.number) || s.quotedStr()) {
        return { kind: 'value', value: s.lastToken, pos };
      }
      if (s.str('(')) return this.parseTransformerList(pos);
      if (s.strList(TRANSFORMER_OPENERS)) {
        return this.parseTransformerRemainder(s.lastToken.slice(0, -1) as TransformerName, pos);
      }
      if (s.regex(TOKEN.fieldName)) return this.parseFieldRemainder(s.lastToken, pos);
      throw s.error(
        'expected field transformer argument: field, transformer, quoted string, number, or transformer list',
      );
    });
  }

  /** After '(' inside a transformer's arguments: fields, transformers, quoted strings or numbers. */
  private parseTransformerList(pos: Position): TransformerListExpr {
    const s = this.s;
    const items: TransformerListExpr['items'] = [];
    s.blank();
    if (s.str(')')) return { kind: 'transformer_list', items, pos };
    for (;;) {
      items.push(this.parseTransformerListItem());
      s.blank();
      if (!s.str(',')) break;
      s.blank();
    }
    if (!s.str(')')) throw s.error("expected ')'");
    return { kind: 'transformer_list', items, pos };
  }

  private parseTransformerListItem(): FieldExpr | TransformerExpr | ValueExpr {
    const s = this.s;
    const pos = s.pos();
    if (s.regex(TOKEN.fieldName)) return this.parseFieldRemainder(s.lastToken, pos);
    if (s.strList(TRANSFORMER_OPENERS)) {
      const name = s.lastToken.slice(0, -1) as TransformerName;
      s.blank();
      return this.parseTransformerRemainder(name, pos);
    }
    if (s.quotedStr() || s.regex(TOKEN.hexNumber) || s.regex(TOKEN.number)) {
      return { kind: 'value', value: s.lastToken, pos };
    }
    throw s.error('expected transformer list argument: field, transformer, quoted string, or number');
  }

  /** After the left operand: the operator and the right-hand side. */
  private parseCondition(left: Operand, pos: Position): BoolExpr {
    return this.guarded(() => {
      const s = this.s;
      s.blank();
      if (s.str('exists')) return { kind: 'unary_check', left, op: 'exists', pos };
      s.blank();
      let right: ValueExpr | ListExpr | TransformerExpr;
      let modifier: Modifier | undefined;
      if (s.operator(NUMERIC_OPERATORS, NEEDS_BLANK)) {
        const op = s.lastToken as BinaryOperator;
        right = this.parseNumValueOrTransformer();
        return { kind: 'binary_check', left, op, right, pos };
      }
      if (s.operator(STRING_OPERATORS, NEEDS_BLANK)) {
        const op = s.lastToken as BinaryOperator;
        modifier = this.parseModifier();
        right = modifier ? this.parseListValue(false) : this.parseStrValueOrTransformer(false);
        return modifier
          ? { kind: 'binary_check', left, op, modifier, right, pos }
          : { kind: 'binary_check', left, op, right, pos };
      }
      if (s.operator(LIST_OPERATORS, NEEDS_BLANK)) {
        const op = s.lastToken as BinaryOperator;
        right = this.parseListValue(true);
        return { kind: 'binary_check', left, op, right, pos };
      }
      throw s.error(`expected a valid check operator: one of ${OPERATORS_TEXT}`);
    });
  }

  /**
   * `oneof`/`anyof`/`allof` between blanks after a string operator, when a list or a list name follows. A
   * modifier word followed by anything else (`and`, `or`, `not`, `)`, the end) is the string value itself.
   */
  private parseModifier(): Modifier | undefined {
    const s = this.s;
    s.blank();
    const start = s.pos();
    // `==oneof (…)` is not a modifier: a blank must separate it from the operator.
    if (!/[ \t\b\r\n]/.test(s.input.charAt(s.offset - 1))) return undefined;
    if (!s.regex(MODIFIER_WORD)) return undefined;
    const word = s.lastToken as Modifier;
    const blankAfter = s.blank();
    if (blankAfter && (s.peek() === '(' || (s.looking(TOKEN.identifier) && !s.looking(KEYWORD_AHEAD)))) {
      return word;
    }
    s.restore(start);
    return undefined;
  }

  private parseNumValueOrTransformer(): ValueExpr | TransformerExpr {
    return this.guarded(() => {
      const s = this.s;
      s.blank();
      const pos = s.pos();
      const transformer = this.tryParseRhsTransformer();
      if (transformer) return transformer;
      if (s.regex(TOKEN.hexNumber) || s.regex(TOKEN.number)) return { kind: 'value', value: s.lastToken, pos };
      throw s.error(`expected a number value or a field with a valid transformer: ${TRANSFORMERS_TEXT}`);
    });
  }

  private parseStrValueOrTransformer(noTransformer: boolean): ValueExpr | TransformerExpr {
    return this.guarded(() => {
      const s = this.s;
      s.blank();
      const pos = s.pos();
      if (!noTransformer) {
        const transformer = this.tryParseRhsTransformer();
        if (transformer) return transformer;
      }
      if (s.quotedStr() || s.regex(TOKEN.bareStr)) return { kind: 'value', value: s.lastToken, pos };
      if (noTransformer) throw s.error('expected a string value');
      throw s.error(`expected a string value or a field with a valid transformer: ${TRANSFORMERS_TEXT}`);
    });
  }

  /** `(a, b)`, a list name, or (list operators only) a transformer / `val()`. */
  private parseListValue(allowTransformer: boolean): ValueExpr | ListExpr | TransformerExpr {
    return this.guarded(() => {
      const s = this.s;
      s.blank();
      const pos = s.pos();
      if (s.str('(')) {
        const values: string[] = [];
        s.blank();
        let first: ValueExpr | TransformerExpr | undefined;
        try {
          first = this.parseStrValueOrTransformer(true);
        } catch (e) {
          // libsinsp treats any failure on the first element as an empty list, then wants ')'.
          if (!(e instanceof ConditionSyntaxError)) throw e;
        }
        if (first) {
          values.push((first as ValueExpr).value);
          s.blank();
          while (s.str(',')) {
            values.push((this.parseStrValueOrTransformer(true) as ValueExpr).value);
            s.blank();
          }
        }
        if (!s.str(')')) throw s.error("expected a ')' token");
        return { kind: 'list', values, pos };
      }
      if (allowTransformer) {
        const transformer = this.tryParseRhsTransformer();
        if (transformer) return transformer;
      }
      if (s.regex(TOKEN.identifier)) return { kind: 'value', value: s.lastToken, pos };
      throw s.error(`expected a list, an identifier, or a field with a valid transformer: ${TRANSFORMERS_TEXT}`);
    });
  }

  /** `val(field)` or a transformer on the right-hand side (a field-to-field comparison); else undefined. */
  private tryParseRhsTransformer(): TransformerExpr | undefined {
    return this.guarded(() => {
      const s = this.s;
      s.blank();
      const pos = s.pos();
      if (s.str('val(')) {
        s.blank();
        const fieldPos = s.pos();
        if (!s.regex(TOKEN.fieldName)) throw s.error("expected a field within 'val' transformer");
        const field = this.parseFieldRemainder(s.lastToken, fieldPos);
        s.blank();
        if (!s.str(')')) throw s.error("expected a ')' token closing the transformer");
        return { kind: 'transformer', name: 'val', args: [field], arg: undefined, pos };
      }
      if (s.strList(TRANSFORMER_OPENERS)) {
        const name = s.lastToken.slice(0, -1) as TransformerName;
        s.blank();
        return this.parseTransformerRemainder(name, pos);
      }
      return undefined;
    });
  }
}
