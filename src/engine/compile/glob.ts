// fnmatch(3) without flags, as Falco's `glob` (and with FNM_CASEFOLD, `iglob`): `*` matches any run of
// characters including `/`, `?` one character, `[...]` a bracket expression (`!`/`^` negation, ranges, POSIX
// classes), `\` escapes the next character. Matching is linear-time per star (no exponential backtracking).

type Token =
  | { t: 'char'; c: string }
  | { t: 'any' }
  | { t: 'star' }
  | { t: 'set'; negate: boolean; test: (c: string) => boolean };

const CLASSES: Record<string, (c: string) => boolean> = {
  alnum: (c) => /^[a-zA-Z0-9]$/.test(c),
  alpha: (c) => /^[a-zA-Z]$/.test(c),
  blank: (c) => c === ' ' || c === '\t',
  cntrl: (c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127,
  digit: (c) => c >= '0' && c <= '9',
  graph: (c) => c.charCodeAt(0) > 32 && c.charCodeAt(0) < 127,
  lower: (c) => c >= 'a' && c <= 'z',
  print: (c) => c.charCodeAt(0) >= 32 && c.charCodeAt(0) < 127,
  punct: (c) => /^[!-/:-@[-`{-~]$/.test(c),
  space: (c) => ' \t\n\v\f\r'.includes(c),
  upper: (c) => c >= 'A' && c <= 'Z',
  xdigit: (c) => /^[0-9a-fA-F]$/.test(c),
};

/** Parses `[...]` starting at pattern[i] === '['; undefined when unterminated (then '[' is literal). */
function parseSet(p: string, i: number, fold: boolean): { token: Token; next: number } | undefined {
  let j = i + 1;
  let negate = false;
  if (p[j] === '!' || p[j] === '^') {
    negate = true;
    j++;
  }
  const tests: Array<(c: string) => boolean> = [];
  let first = true;
  while (j < p.length && (p[j] !== ']' || first)) {
    first = false;
    if (p[j] === '[' && p[j + 1] === ':') {
      const end = p.indexOf(':]', j + 2);
      const cls = end > 0 ? CLASSES[p.slice(j + 2, end)] : undefined;
      if (cls) {
        tests.push(cls);
        j = end + 2;
        continue;
      }
    }
    let lo = p[j];
    if (lo === '\\' && j + 1 < p.length) lo = p[++j];
    j++;
    if (p[j] === '-' && j + 1 < p.length && p[j + 1] !== ']') {
      let hi = p[j + 1];
      j += 2;
      if (hi === '\\' && j < p.length) hi = p[j++];
      const [a, b] = [lo, hi];
      tests.push((c) => c >= a && c <= b);
    } else {
      const only = lo;
      tests.push((c) => c === only);
    }
  }
  if (j >= p.length) return undefined;
  const matches = (c: string): boolean => tests.some((t) => t(c));
  const test = fold
    ? (c: string): boolean => matches(c) || matches(c.toLowerCase()) || matches(c.toUpperCase())
    : matches;
  return { token: { t: 'set', negate, test }, next: j + 1 };
}

function tokenize(p: string, fold: boolean): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < p.length; ) {
    const c = p[i];
    if (c === '*') {
      if (out.at(-1)?.t !== 'star') out.push({ t: 'star' });
      i++;
    } else if (c === '?') {
      out.push({ t: 'any' });
      i++;
    } else if (c === '[') {
      const set = parseSet(p, i, fold);
      if (set) {
        out.push(set.token);
        i = set.next;
      } else {
        out.push({ t: 'char', c: '[' });
        i++;
      }
    } else if (c === '\\' && i + 1 < p.length) {
      out.push({ t: 'char', c: fold ? p[i + 1].toLowerCase() : p[i + 1] });
      i += 2;
    } else {
      out.push({ t: 'char', c: fold ? c.toLowerCase() : c });
      i++;
    }
  }
  return out;
}

function matchOne(tok: Token, c: string): boolean {
  switch (tok.t) {
    case 'char':
      return tok.c === c;
    case 'any':
      return true;
    case 'set':
      return tok.test(c) !== tok.negate;
    case 'star':
      return false;
  }
}

/** Compiles a glob pattern once; the returned function tests values against it. */
export function compileGlob(pattern: string, caseFold = false): (value: string) => boolean {
  const tokens = tokenize(pattern, caseFold);
  // Fast paths for the shapes rules use most: literal, `prefix*`, `*suffix`, `*infix*`.
  if (tokens.every((t) => t.t === 'char' || t.t === 'star') && !caseFold) {
    const stars = tokens.filter((t) => t.t === 'star').length;
    const text = tokens.map((t) => (t.t === 'char' ? t.c : '*')).join('');
    if (stars === 0) return (v) => v === text;
    if (stars === 1 && text.endsWith('*')) {
      const prefix = text.slice(0, -1);
      return (v) => v.startsWith(prefix);
    }
    if (stars === 1 && text.startsWith('*')) {
      const suffix = text.slice(1);
      return (v) => v.endsWith(suffix);
    }
    if (stars === 2 && text.startsWith('*') && text.endsWith('*')) {
      const infix = text.slice(1, -1);
      return (v) => v.includes(infix);
    }
  }
  return (value) => matchTokens(tokens, caseFold ? value.toLowerCase() : value);
}

function matchTokens(tokens: Token[], s: string): boolean {
  let ti = 0;
  let si = 0;
  let starTi = -1;
  let starSi = 0;
  while (si < s.length) {
    const tok = tokens[ti];
    if (ti < tokens.length && tok.t === 'star') {
      starTi = ti++;
      starSi = si;
    } else if (ti < tokens.length && matchOne(tok, s[si])) {
      ti++;
      si++;
    } else if (starTi >= 0) {
      ti = starTi + 1;
      si = ++starSi;
    } else {
      return false;
    }
  }
  while (ti < tokens.length && tokens[ti].t === 'star') ti++;
  return ti === tokens.length;
}
