// Section `parser`: language/parser_cases.json (libsinsp filter_parser.ut.cpp) — accept/reject, exact error
// messages, ASTs, canonical printing, node and end positions.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Expr } from '../../src/engine/ast.js';
import { ConditionSyntaxError } from '../../src/engine/errors.js';
import { parseCondition } from '../../src/engine/parser.js';
import { printCondition } from '../../src/engine/printer.js';
import { Scanner } from '../../src/engine/lexer.js';
import { tally, type SectionResult } from './section.js';

interface AstCase {
  input: string;
  kind: 'ast' | 'as_string' | 'as_string_roundtrip' | 'left_arg';
  expected: unknown;
}
interface PositionCase {
  input: string;
  match: 'exact' | 'contains';
  expected: string;
}
interface ParserCases {
  accept: string[];
  accept_exact_only: string[];
  reject: string[];
  errors: Array<{ input: string; message: string }>;
  errors_head_only: Array<{ input_repeat: { string: string; count: number }; message: string }>;
  ast: AstCase[];
  ast_not_equal: Array<[string, string]>;
  positions: PositionCase[];
  end_positions: Array<{ input: string; idx: number; line: number; col: number }>;
}

/** The corpus' AST JSON schema (positions left out). */
export function toCorpusJson(e: Expr): unknown {
  switch (e.kind) {
    case 'and':
    case 'or':
      return { type: e.kind, children: e.children.map(toCorpusJson) };
    case 'not':
      return { type: 'not', child: toCorpusJson(e.child) };
    case 'identifier':
      return { type: 'identifier', value: e.name };
    case 'value':
      return { type: 'value', value: e.value };
    case 'list':
      return { type: 'list', values: e.values };
    case 'transformer_list':
      return { type: 'transformer_list', children: e.items.map(toCorpusJson) };
    case 'unary_check':
      return { type: 'unary_check', left: toCorpusJson(e.left), op: e.op };
    case 'binary_check':
      return {
        type: 'binary_check',
        left: toCorpusJson(e.left),
        op: e.modifier ? `${e.op} ${e.modifier}` : e.op,
        right: toCorpusJson(e.right),
      };
    case 'field':
      return { type: 'field', field: e.field, arg: e.arg ?? null };
    case 'transformer':
      return { type: 'field_transformer', transformer: e.name, values: e.args.map(toCorpusJson), arg: e.arg ?? null };
  }
}

const TAGS: Record<Expr['kind'], string> = {
  and: 'and',
  or: 'or',
  not: 'not',
  identifier: 'identifier',
  value: 'value',
  list: 'list',
  transformer_list: 'transformer_list',
  unary_check: 'unary',
  binary_check: 'binary',
  field: 'field',
  transformer: 'transformer',
};

/** Pre-order `<tag><idx> <line> <col>` as the upstream position test serialises nodes. */
function positions(e: Expr): string {
  let out = `${TAGS[e.kind]}${e.pos.offset} ${e.pos.line} ${e.pos.column}`;
  switch (e.kind) {
    case 'and':
    case 'or':
      for (const c of e.children) out += positions(c);
      break;
    case 'not':
      out += positions(e.child);
      break;
    case 'unary_check':
      out += positions(e.left);
      break;
    case 'binary_check':
      out += positions(e.left) + positions(e.right);
      break;
    case 'transformer':
      for (const a of e.args) out += positions(a);
      break;
    default:
      break;
  }
  return out;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function variants(s: string): string[] {
  const v1 = ` ${s} `;
  const v2 = v1.replaceAll(' ', '\n');
  return [s, v1, v2, v2.replaceAll('\n', '\t')];
}

function rejects(input: string): boolean {
  try {
    parseCondition(input);
    return false;
  } catch (e) {
    if (e instanceof ConditionSyntaxError) return true;
    throw e;
  }
}

function errorOf(input: string): string | undefined {
  try {
    parseCondition(input);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Where the parser stands after a successful parse: what the end-position test measures. */
function endPosition(input: string): { idx: number; line: number; col: number } {
  parseCondition(input);
  const s = new Scanner(input);
  while (!s.atEnd()) s.regex(/[\s\S]/y);
  return { idx: s.offset, line: s.line, col: s.column };
}

export async function run(corpus: string): Promise<SectionResult> {
  const cases = JSON.parse(readFileSync(join(corpus, 'language', 'parser_cases.json'), 'utf8')) as ParserCases;
  const failures: string[] = [];
  const exact = new Set(cases.accept_exact_only);
  const rows = [
    tally(
      'accept (with whitespace variants)',
      cases.accept,
      (input) => {
        for (const v of exact.has(input) ? [input] : variants(input)) {
          const why = errorOf(v);
          if (why !== undefined) return `${JSON.stringify(v)} rejected: ${why}`;
        }
        return undefined;
      },
      failures,
    ),
    tally('reject', cases.reject, (input) => (rejects(input) ? undefined : `${JSON.stringify(input)} accepted`), failures),
    tally(
      'error messages',
      [
        ...cases.errors,
        ...cases.errors_head_only.map((c) => ({ input: c.input_repeat.string.repeat(c.input_repeat.count), message: c.message })),
      ],
      (c) => {
        const got = errorOf(c.input);
        return got === c.message ? undefined : `${JSON.stringify(c.input.slice(0, 60))}: got ${JSON.stringify(got)}`;
      },
      failures,
    ),
    tally(
      'ASTs and canonical printing',
      cases.ast,
      (c) => {
        const ast = parseCondition(c.input);
        switch (c.kind) {
          case 'ast':
            return same(toCorpusJson(ast), c.expected) ? undefined : `${c.input}: AST ${JSON.stringify(toCorpusJson(ast))}`;
          case 'as_string':
            return printCondition(ast) === c.expected ? undefined : `${c.input}: printed ${printCondition(ast)}`;
          case 'as_string_roundtrip': {
            const again = parseCondition(printCondition(ast));
            return same(toCorpusJson(again), toCorpusJson(ast)) && printCondition(again) === printCondition(ast)
              ? undefined
              : `${c.input}: does not round-trip`;
          }
          case 'left_arg': {
            const left = ast.kind === 'binary_check' || ast.kind === 'unary_check' ? ast.left : undefined;
            const arg = left?.arg ?? null;
            return arg === c.expected ? undefined : `${c.input}: left arg ${JSON.stringify(arg)}`;
          }
        }
      },
      failures,
    ),
    tally(
      'ASTs that must differ',
      cases.ast_not_equal,
      ([a, b]) => (same(toCorpusJson(parseCondition(a)), toCorpusJson(parseCondition(b))) ? `${a} equals ${b}` : undefined),
      failures,
    ),
    tally(
      'node positions',
      cases.positions,
      (c) => {
        const got = positions(parseCondition(c.input));
        const ok = c.match === 'exact' ? got === c.expected : got.includes(c.expected);
        return ok ? undefined : `${JSON.stringify(c.input)}: ${got} (expected ${c.match} ${c.expected})`;
      },
      failures,
    ),
    tally(
      'end positions',
      cases.end_positions,
      (c) => {
        const got = endPosition(c.input);
        return same(got, { idx: c.idx, line: c.line, col: c.col }) ? undefined : `${JSON.stringify(c.input)}: ${JSON.stringify(got)}`;
      },
      failures,
    ),
  ];
  return { section: 'parser', rows, failures };
}
