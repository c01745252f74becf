// The `regex` operator: RE2 (re2js, linear time, never a backtracking engine on rule-supplied patterns) with
// anchored full matching, and RE2's POSIX syntax as libsinsp compiles it: Perl extensions (`\d`, `\w`, `\b`,
// `(?i)`, `(?:…)`, lazy `*?`) are rejected, as Falco rejects them.

import { RE2JS } from 're2js';
import { ConditionCompileError } from '../errors.js';

const PERL_ESCAPES = new Set(['d', 'D', 's', 'S', 'w', 'W', 'b', 'B', 'A', 'z', 'C', 'Q', 'E', 'p', 'P']);

/** Why the pattern is not POSIX egrep syntax as RE2 sees it, or undefined. */
function perlConstruct(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const e = pattern[i + 1];
      if (!inClass && e !== undefined && PERL_ESCAPES.has(e)) return `invalid escape sequence: \\${e}`;
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
    } else if (c === '(' && pattern[i + 1] === '?') {
      return 'missing argument to repetition operator: ?';
    } else if ((c === '*' || c === '+' || c === '?' || c === '}') && pattern[i + 1] === '?') {
      return `bad repetition operator: ${c}?`;
    }
  }
  return undefined;
}

export function compileRegex(pattern: string): RE2JS {
  const perl = perlConstruct(pattern);
  if (perl) throw new ConditionCompileError(`invalid regex pattern: ${perl}`);
  try {
    return RE2JS.compile(pattern);
  } catch (e) {
    throw new ConditionCompileError(`invalid regex pattern: ${e instanceof Error ? e.message : String(e)}`);
  }
}
