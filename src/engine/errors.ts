// The errors of the condition language. Messages are Falco's own words, so that `saker validate` reports
// what `falco -V` reports; positions are relative to the condition text (the loader maps them into the file).

import type { Expr, Position } from './ast.js';

/** The condition text does not parse (`unexpected token after 'b', expecting 'or', 'and'`). */
export class ConditionSyntaxError extends Error {
  /** Where the parser stopped; set by the parser (undefined only for escape errors outside a parse). */
  position: Position | undefined;

  constructor(message: string, position?: Position) {
    super(message);
    this.name = 'ConditionSyntaxError';
    this.position = position;
  }
}

/** The condition parses but does not compile against the source (unknown field, operator not supported…). */
export class ConditionCompileError extends Error {
  /** Where the node the error is about starts, when known (relative to the text that node was parsed from). */
  position: Position | undefined;
  /**
   * The check (or identifier) the error is about. After macro resolution a node may come from a macro's
   * text, so the loader uses the node to find which text its position refers to.
   */
  node: Expr | undefined;

  constructor(message: string, position?: Position) {
    super(message);
    this.name = 'ConditionCompileError';
    this.position = position;
  }
}

/** An output format does not compile (`invalid formatting token not_a_real_field`). */
export class OutputFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputFormatError';
  }
}
