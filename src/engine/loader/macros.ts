// Macro resolution (Falco's filter_macro_resolver.cpp): every identifier in boolean position is replaced
// by the AST of the macro of that name, recursively, with loop detection along the path. Which macros are
// candidates is the caller's business: a macro sees only macros first defined before its last change; a
// rule sees them all.

import type { Ast, BoolExpr, Position } from '../ast.js';

export interface MacroResolution {
  ast: Ast;
  /** Every macro name substituted, nested ones included (they count as used). */
  resolved: string[];
  /** The first problem, in Falco's precedence: loops before undefined names. */
  problem?: MacroProblem;
}

export interface MacroProblem {
  message: string;
  /** Within the text of `inMacro`'s condition, or of the resolved condition itself when undefined. */
  position: Position;
  inMacro: string | undefined;
}

/**
 * Resolves macro references in `ast`. The result shares subtrees with the candidates' ASTs: ASTs are
 * never mutated after parsing, so sharing is safe and saves copying large macro trees into every rule.
 */
/** Finds the macro a name refers to, or undefined when it is not (yet) visible. */
export type MacroLookup = (name: string) => Ast | undefined;

export function resolveMacros(ast: Ast, candidates: MacroLookup): MacroResolution {
  const resolved: string[] = [];
  const loops: MacroProblem[] = [];
  const unknown: Array<{ name: string; position: Position; inMacro: string | undefined }> = [];
  const path: string[] = [];

  const visit = (node: BoolExpr): BoolExpr => {
    switch (node.kind) {
      case 'and':
      case 'or': {
        let changed = false;
        const children = node.children.map((c) => {
          const r = visit(c);
          if (r !== c) changed = true;
          return r;
        });
        return changed ? { ...node, children } : node;
      }
      case 'not': {
        const child = visit(node.child);
        return child === node.child ? node : { ...node, child };
      }
      case 'identifier': {
        const body = candidates(node.name);
        if (body === undefined) {
          unknown.push({ name: node.name, position: node.pos, inMacro: path.at(-1) });
          return node;
        }
        if (path.includes(node.name)) {
          const inMacro = path.at(-1);
          loops.push({ message: `reference loop in macro '${node.name}'`, position: node.pos, inMacro });
          unknown.push({ name: node.name, position: node.pos, inMacro });
          return node;
        }
        path.push(node.name);
        const out = visit(body);
        resolved.push(node.name);
        path.pop();
        return out;
      }
      default:
        return node;
    }
  };

  const out = visit(ast);
  const loop = loops[0];
  const missing = unknown[0];
  const problem =
    loop !== undefined
      ? loop
      : missing !== undefined
        ? {
            message: `Undefined macro '${missing.name}' used in filter.`,
            position: missing.position,
            inMacro: missing.inMacro,
          }
        : undefined;
  return problem === undefined ? { ast: out, resolved } : { ast: out, resolved, problem };
}
