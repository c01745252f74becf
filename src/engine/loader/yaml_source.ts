// A rules file as YAML documents that remember where every node came from, so that each load result can
// say file:line:column — down to the character inside a condition when the parser complains.

import { LineCounter, parseAllDocuments, isScalar, type Document, type Node, type Scalar } from 'yaml';
import type { SourcePosition } from './results.js';

export interface YamlParseProblem {
  message: string;
  position: SourcePosition;
}

export class YamlFile {
  readonly documents: Document.Parsed[];
  /** The first syntax error, if any: Falco rejects the whole file then (LOAD_ERR_YAML_PARSE). */
  readonly problem: YamlParseProblem | undefined;
  private readonly lines = new LineCounter();

  constructor(
    readonly path: string,
    readonly text: string,
  ) {
    // The failsafe schema keeps every scalar a string, as yaml-cpp does: Falco decodes `0x10`, `yes` or `1.0`
    // from their text, so turning them into numbers or booleans here would lose what the author wrote.
    // yaml-cpp tolerates duplicate keys; so do we (the first one is used, as yaml-cpp's lookup does).
    const parsed = parseAllDocuments(text, { lineCounter: this.lines, schema: 'failsafe', uniqueKeys: false });
    this.documents = Array.isArray(parsed) ? parsed : [];
    let problem: YamlParseProblem | undefined;
    for (const doc of this.documents) {
      const err = doc.errors[0];
      if (err !== undefined) {
        problem = { message: firstLine(err.message), position: this.position(err.pos[0]) };
        break;
      }
    }
    this.problem = problem;
  }

  /** The 1-based line and column of a character offset in the file. */
  position(offset: number): SourcePosition {
    const { line, col } = this.lines.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { file: this.path, line: Math.max(line, 1), column: Math.max(col, 1) };
  }

  /** Where a node starts; the start of the file for nodes without a range. */
  nodePosition(node: Node | null | undefined): SourcePosition {
    return this.position(node?.range?.[0] ?? 0);
  }

  /**
   * Where the character at `index` of a scalar's decoded value sits in the file. Exact for plain and
   * block scalars and for quoted ones without escapes; close (the right line) otherwise.
   */
  valuePosition(node: Scalar, index: number): SourcePosition {
    const [start, end] = node.range ?? [0, 0, 0];
    let j = contentStart(this.text, start, node.type);
    const decoded = String(node.value);
    let i = 0;
    while (i < index && i < decoded.length && j < end) {
      const d = decoded.charCodeAt(i);
      const s = this.text.charCodeAt(j);
      if (d === s) {
        i++;
        j++;
      } else if (isBlank(s)) {
        j++; // indentation or a line break that folding turned into one space
      } else if (isBlank(d)) {
        i++; // a space that folding produced where the source has none (line end)
      } else {
        j++; // an escape sequence's extra characters
      }
    }
    // Land on the character itself, not on the indentation or line break before it.
    const target = decoded.charCodeAt(i);
    while (j < end && isBlank(this.text.charCodeAt(j)) && !isBlank(target)) j++;
    return this.position(j);
  }
}

/** A position inside a string that came from somewhere in a file. */
export type TextOrigin = (index: number) => SourcePosition;

export function scalarOrigin(file: YamlFile, node: Node | null | undefined): TextOrigin {
  if (node !== null && node !== undefined && isScalar(node)) return (index) => file.valuePosition(node, index);
  const at = file.nodePosition(node);
  return () => at;
}

function contentStart(text: string, start: number, type: Scalar['type']): number {
  if (type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE') return start + 1;
  if (type === 'BLOCK_FOLDED' || type === 'BLOCK_LITERAL') {
    const eol = text.indexOf('\n', start);
    return eol < 0 ? text.length : eol + 1;
  }
  return start;
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

function firstLine(message: string): string {
  const eol = message.indexOf('\n');
  return (eol < 0 ? message : message.slice(0, eol)).trim();
}
