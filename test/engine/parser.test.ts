import { describe, expect, it } from 'vitest';
import { ConditionSyntaxError, parseCondition, printCondition } from '../../src/engine/index.js';

const print = (s: string): string => printCondition(parseCondition(s));

function syntaxError(s: string, maxDepth?: number): ConditionSyntaxError {
  try {
    parseCondition(s, maxDepth === undefined ? {} : { maxDepth });
  } catch (e) {
    if (e instanceof ConditionSyntaxError) return e;
    throw e;
  }
  throw new Error(`parsed: ${s}`);
}

describe('parseCondition', () => {
  it('gives `and` precedence over `or`, and `not` over both', () => {
    expect(print('a or b and c')).toBe('(a or (b and c))');
    expect(print('not a and b')).toBe('(not a and b)');
    expect(print('not (a and b)')).toBe('not (a and b)');
    expect(print('not not a')).toBe('a');
    expect(print('(a)and(b)or(c)')).toBe('((a and b) or c)');
  });

  it('prints checks, lists, arguments and transformers canonically', () => {
    expect(print('evt.type=open and proc.name in (ash,bash, "my sh")')).toBe(
      '(evt.type = open and proc.name in (ash, bash, "my sh"))',
    );
    expect(print("proc.aname[2]='x y' and evt.arg[\"a b\"] exists")).toBe(
      '(proc.aname[2] = "x y" and evt.arg["a b"] exists)',
    );
    expect(print('tolower(proc.name) = val(proc.pname)')).toBe('tolower(proc.name) = val(proc.pname)');
    expect(print('proc.name startswith anyof (/etc/, /tmp/)')).toBe('proc.name startswith anyof (/etc/, /tmp/)');
    expect(print('join("-", (fd.name, "x")) = a')).toBe('join(-,(fd.name, x)) = a');
  });

  it('keeps a modifier word as the value when no list follows', () => {
    const ast = parseCondition('proc.name == oneof and fd.name exists');
    expect(ast.kind).toBe('and');
    expect(print('proc.name == oneof my_list')).toBe('proc.name == oneof my_list');
    expect(() => parseCondition('proc.name ==oneof (a)')).toThrow(ConditionSyntaxError);
  });

  it('unescapes quoted strings and rejects bad escapes with libsinsp wording', () => {
    const ast = parseCondition('proc.name = "a\\tb\\x41"');
    expect(ast.kind === 'binary_check' && ast.right.kind === 'value' && ast.right.value).toBe('a\tbA');
    expect(syntaxError('proc.name = "a\\\'"').message).toBe('invalid \\\' escape in "-quoted string');
    expect(syntaxError('proc.name = "a\\q"').message).toBe('unsupported string escape sequence: \\q');
  });

  it("reports Falco's messages with the position where parsing stopped", () => {
    const e = syntaxError('evt.type = open and\n  proc.name = cat execve');
    expect(e.message).toBe("unexpected token after 'cat', expecting 'or', 'and'");
    expect(e.position).toEqual({ offset: 38, line: 2, column: 19 });
    expect(syntaxError('').message).toBe('filter input string is empty');
    expect(syntaxError('a andb').message).toBe("expected blank or '(' after 'and'");
    expect(syntaxError('proc.name[] = x').message).toBe('expected a valid field argument: a quoted string or a bare string');
    expect(syntaxError('proc.name').message).toMatch(/^expected a valid check operator: one of 'exists', '<=',/);
    expect(syntaxError('proc.num < abc').message).toMatch(/^expected a number value or a field with a valid transformer/);
  });

  it('limits the nesting depth (100 by default, configurable)', () => {
    const nested = (n: number): string => `${'('.repeat(n)}a${')'.repeat(n)}`;
    expect(() => parseCondition(nested(19))).not.toThrow();
    expect(syntaxError(nested(20)).message).toBe('exceeded max depth limit of 100');
    expect(() => parseCondition(nested(150), { maxDepth: 1000 })).not.toThrow();
    expect(syntaxError('('.repeat(100000)).message).toBe('exceeded max depth limit of 100');
  });

  it('records node positions (offset, line, column)', () => {
    const ast = parseCondition('a and\n  proc.name = x');
    expect(ast.kind === 'and' && ast.children[1].pos).toEqual({ offset: 8, line: 2, column: 3 });
  });
});
