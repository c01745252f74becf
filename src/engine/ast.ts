// The condition AST, shaped like libsinsp's (`libsinsp::filter::ast`): the parser builds it, the loader
// resolves macro references in it, the compiler turns it into closures and the printer gives Falco's
// canonical text (`as_string`). Nodes are plain objects so that they can be cloned and compared as data.

/** Where a node starts in the condition text: 0-based offset, 1-based line and column (as libsinsp). */
export interface Position {
  offset: number;
  line: number;
  column: number;
}

/** Operators that compare with a single value, a transformer or `val()`. */
export const STRING_OPERATORS = [
  '==',
  '=',
  '!=',
  'glob',
  'iglob',
  'contains',
  'icontains',
  'bcontains',
  'startswith',
  'bstartswith',
  'endswith',
  'regex',
] as const;
export const NUMERIC_OPERATORS = ['<=', '<', '>=', '>'] as const;
export const LIST_OPERATORS = ['intersects', 'in', 'pmatch'] as const;
export const MODIFIERS = ['oneof', 'anyof', 'allof'] as const;

export type StringOperator = (typeof STRING_OPERATORS)[number];
export type NumericOperator = (typeof NUMERIC_OPERATORS)[number];
export type ListOperator = (typeof LIST_OPERATORS)[number];
export type BinaryOperator = StringOperator | NumericOperator | ListOperator;
/** `op oneof (…)`: exactly one element matches; `anyof`: at least one; `allof`: every one (libs ≥ 0.25). */
export type Modifier = (typeof MODIFIERS)[number];

/** Transformers usable on either side; `val` only wraps a plain field on the right-hand side. */
export const TRANSFORMERS = ['tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt'] as const;
export type TransformerName = (typeof TRANSFORMERS)[number] | 'val';

export interface AndExpr {
  kind: 'and';
  children: BoolExpr[];
  pos: Position;
}

export interface OrExpr {
  kind: 'or';
  children: BoolExpr[];
  pos: Position;
}

export interface NotExpr {
  kind: 'not';
  child: BoolExpr;
  pos: Position;
}

/** A bare name in boolean position: a macro reference, resolved by the loader before compilation. */
export interface IdentifierExpr {
  kind: 'identifier';
  name: string;
  pos: Position;
}

export interface UnaryCheckExpr {
  kind: 'unary_check';
  left: Operand;
  op: 'exists';
  pos: Position;
}

export interface BinaryCheckExpr {
  kind: 'binary_check';
  left: Operand;
  op: BinaryOperator;
  /** Only with a string operator, and then `right` is a list or a value naming a list. */
  modifier?: Modifier;
  /** A literal, a literal list, or (field-to-field comparison) a transformer or `val(field)`. */
  right: ValueExpr | ListExpr | TransformerExpr;
  pos: Position;
}

/** A literal: quoted strings are already unescaped; numbers keep their source text. */
export interface ValueExpr {
  kind: 'value';
  value: string;
  pos: Position;
}

export interface ListExpr {
  kind: 'list';
  values: string[];
  pos: Position;
}

export interface FieldExpr {
  kind: 'field';
  /** `proc.name`, `ka.req.pod.containers.image`, … (existence is checked by the compiler). */
  field: string;
  /** The `[arg]` text, unescaped; undefined when absent (`x[""]` has the empty argument, not none). */
  arg: string | undefined;
  pos: Position;
}

export interface TransformerExpr {
  kind: 'transformer';
  name: TransformerName;
  args: TransformerArg[];
  /** `getopt(proc.args, "nt:")[t]`: the argument after the closing parenthesis, if any. */
  arg: string | undefined;
  pos: Position;
}

/** `join("-", (fd.name, fd.directory))`: the parenthesised argument list of multi-argument transformers. */
export interface TransformerListExpr {
  kind: 'transformer_list';
  items: Array<FieldExpr | TransformerExpr | ValueExpr>;
  pos: Position;
}

export type Operand = FieldExpr | TransformerExpr;
export type TransformerArg = FieldExpr | TransformerExpr | ValueExpr | TransformerListExpr;
export type BoolExpr = AndExpr | OrExpr | NotExpr | IdentifierExpr | UnaryCheckExpr | BinaryCheckExpr;
export type Expr = BoolExpr | ValueExpr | ListExpr | FieldExpr | TransformerExpr | TransformerListExpr;

/** A parsed condition. */
export type Ast = BoolExpr;

/** A deep copy (macro bodies are cloned into every place that references them). */
export function cloneAst<T extends Expr>(e: T): T {
  return structuredClone(e);
}

/** Visits every node in pre-order (the order libsinsp's position tests use). */
export function forEachNode(e: Expr, visit: (node: Expr) => void): void {
  visit(e);
  switch (e.kind) {
    case 'and':
    case 'or':
      for (const c of e.children) forEachNode(c, visit);
      break;
    case 'not':
      forEachNode(e.child, visit);
      break;
    case 'unary_check':
      forEachNode(e.left, visit);
      break;
    case 'binary_check':
      forEachNode(e.left, visit);
      forEachNode(e.right, visit);
      break;
    case 'transformer':
      for (const a of e.args) forEachNode(a, visit);
      break;
    case 'transformer_list':
      for (const i of e.items) forEachNode(i, visit);
      break;
    default:
      break;
  }
}
