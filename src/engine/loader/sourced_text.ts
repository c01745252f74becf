// Condition text assembled from several places (a rule, its appends, its exceptions) that can still say,
// for any character, where in which file it was written.

import type { SourcePosition } from './results.js';
import type { TextOrigin } from './yaml_source.js';

interface Piece {
  start: number;
  length: number;
  origin: TextOrigin;
}

export class SourcedText {
  private constructor(
    readonly text: string,
    private readonly pieces: readonly Piece[],
  ) {}

  static from(text: string, origin: TextOrigin): SourcedText {
    return new SourcedText(text, [{ start: 0, length: text.length, origin }]);
  }

  /** Text the loader wrote itself (parentheses, exception clauses): every character maps to `at`. */
  static synthetic(text: string, at: SourcePosition): SourcedText {
    return SourcedText.from(text, () => at);
  }

  /** `this + separator + other`, as Falco joins appended conditions (separator ' '). */
  concat(separator: string, other: SourcedText): SourcedText {
    const shift = this.text.length + separator.length;
    const moved = other.pieces.map((p) => ({ ...p, start: p.start + shift }));
    return new SourcedText(this.text + separator + other.text, [...this.pieces, ...moved]);
  }

  /** Where the character at `offset` was written; an offset in a separator maps to the end of the piece before. */
  positionAt(offset: number): SourcePosition {
    let chosen = this.pieces[0];
    for (const p of this.pieces) {
      if (offset >= p.start) chosen = p;
      if (offset < p.start + p.length) break;
    }
    if (chosen === undefined) throw new Error('SourcedText without pieces');
    return chosen.origin(Math.max(0, Math.min(offset - chosen.start, chosen.length)));
  }
}
