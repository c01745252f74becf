import { describe, expect, it } from 'vitest';
import { condition, errors, load, rule, warnings } from './load.js';

describe('append, override and redefinition', () => {
  it('appends condition text before parsing, so precedence is textual', () => {
    const l = load(rule('r', 'evt.type = open and proc.name = a'), '- rule: r\n  condition: or proc.name = b\n  override:\n    condition: append\n');
    expect(condition(l, 'r')).toBe('((evt.type = open and proc.name = a) or proc.name = b)');
    expect(l.engine.rules[0]?.conditionText).toBe('evt.type = open and proc.name = a or proc.name = b');
  });

  it('appends output and desc with a space, unions tags, replaces the other keys', () => {
    const l = load(
      rule('r', 'evt.type = open', '  tags: [b, a]\n'),
      [
        '- rule: r',
        '  desc: more',
        '  output: and more',
        '  tags: [c, a]',
        '  override: { desc: append, output: append, tags: append }',
        '- rule: r',
        '  priority: ERROR',
        '  enabled: false',
        '  override: { priority: replace, enabled: replace }',
      ].join('\n'),
    );
    expect(errors(l)).toEqual([]);
    const r = l.engine.rules[0];
    expect([r?.description, r?.outputFormat, r?.tags, r?.priority, r?.enabled]).toEqual([
      'd more',
      'o %evt.num and more',
      ['a', 'b', 'c'],
      'Error',
      false,
    ]);
  });

  it('supports the deprecated append: true, with its warning', () => {
    const l = load(rule('r', 'evt.type = open'), '- rule: r\n  condition: and proc.name = cat\n  append: true\n');
    expect(condition(l, 'r')).toBe('(evt.type = open and proc.name = cat)');
    expect(warnings(l, 'LOAD_DEPRECATED_ITEM')[0]).toContain("'append' key is deprecated");
  });

  it("rejects overrides Falco rejects, in Falco's words", () => {
    const base = rule('r', 'evt.type = open');
    const cases: Array<[string, string]> = [
      ['- rule: r\n  priority: ERROR\n  override:\n    priority: append\n', "Key 'priority' cannot be appended to, use 'replace' instead"],
      ['- rule: r\n  source: x\n  override:\n    source: replace\n', "Key 'source' cannot be replaced"],
      ['- rule: r\n  desc: x\n  override:\n    desc: merge\n', "Invalid override operation for key 'desc': 'merge'. Allowed values are: append replace "],
      ['- rule: r\n  desc: x\n  override:\n    condition: append\n', "An append override for 'condition' was specified but 'condition' is not defined"],
      ['- rule: r\n  desc: x\n  priority: ERROR\n  override:\n    desc: replace\n', "Unexpected key 'priority': no corresponding entry under 'override' is defined."],
      ['- rule: r\n  desc: x\n  append: true\n  override:\n    desc: replace\n', "Keys 'override' and 'append: true' cannot be used together."],
      ['- rule: q\n  desc: x\n  override:\n    desc: append\n', "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists"],
      ['- rule: q\n  desc: x\n  override:\n    desc: replace\n', "An 'override.<key>: replace' to a rule was requested but no rule by that name already exists"],
      ['- rule: r\n  append: true\n', 'Appended rule must have exceptions or condition property'],
      ['- rule: q\n  enabled: false\n', "Rule has 'enabled' key but no rule by that name already exists"],
      ['- macro: m\n  condition: or x\n  append: true\n', "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists"],
      ['- list: l\n  items: [x]\n  override:\n    items: append\n', "List uses 'append' or 'override.items: append' but no list by that name already exists"],
      [rule('r', 'ka.verb = get', '  source: k8s_audit\n'), 'Rule has been re-defined with a different source'],
    ];
    for (const [second, message] of cases) {
      const l = load(base, second);
      expect(l.results[1]?.ok, second).toBe(false);
      expect(l.results[1]?.errors[0]?.message, second).toContain(message);
    }
  });

  it('keeps the first definition position: a redefined rule is still tried where it was first defined', () => {
    const l = load(`${rule('a', 'evt.type = open')}${rule('b', 'evt.type = open')}${rule('a', 'evt.type = close')}`);
    expect(l.engine.rules.map((r) => `${r.name} ${condition(l, r.name)}`)).toEqual(['a evt.type = close', 'b evt.type = open']);
  });

  it('toggles rules with the standalone enabled item (deprecated) and with override', () => {
    const l = load(rule('r', 'evt.type = open', '  enabled: false\n'), '- rule: r\n  enabled: true\n');
    expect(l.engine.summaries()[0]?.enabled).toBe(true);
    expect(warnings(l, 'LOAD_DEPRECATED_ITEM')[0]).toContain("The standalone 'enabled' key usage is deprecated");
  });

  it('skips rules of unknown sources with a warning, yet lets later items append to them', () => {
    const l = load(rule('r', 'okta.x = 1', '  source: okta\n'), '- rule: r\n  condition: and okta.y = 2\n  override:\n    condition: append\n');
    expect(errors(l)).toEqual([]);
    expect(warnings(l, 'LOAD_UNKNOWN_SOURCE')).toEqual(["LOAD_UNKNOWN_SOURCE rule 'r' @1:3: Unknown source okta, skipping"]);
    expect(l.engine.rules).toHaveLength(0);
  });
});

describe('lists and macros', () => {
  it('expands lists textually, one level of list-in-list for earlier lists only', () => {
    const l = load(
      [
        '- list: inner',
        '  items: [a, "b c"]',
        '- list: outer',
        '  items: [inner, d]',
        '- list: empty',
        '  items: []',
        '- list: single',
        '  items: [x]',
        rule('r', 'evt.type = open and proc.name in (outer, empty) and proc.pname=single'),
      ].join('\n'),
    );
    // Textual: `proc.pname=single` becomes `proc.pname= x`; the empty list takes its comma with it.
    expect(condition(l, 'r')).toBe('(evt.type = open and proc.name in (a, "b c", d) and proc.pname = x)');
  });

  it('lets rules use macros defined later, but not macros use later macros', () => {
    const ok = load(`${rule('r', 'later')}- macro: later\n  condition: evt.type = open\n`);
    expect(errors(ok)).toEqual([]);
    expect(condition(ok, 'r')).toBe('evt.type = open');
    const bad = load('- macro: first\n  condition: evt.type = open and second\n- macro: second\n  condition: proc.name = x\n');
    expect(errors(bad)).toEqual(["LOAD_ERR_VALIDATE macro 'first' @2:34: Undefined macro 'second' used in filter."]);
  });

  it('detects macro reference loops', () => {
    const l = load('- macro: a\n  condition: evt.type = open\n- macro: b\n  condition: a\n- macro: a\n  condition: b\n');
    expect(errors(l)[0]).toContain("LOAD_ERR_VALIDATE macro 'a'");
    expect(errors(l)[0]).toContain('reference loop in macro');
  });

  it('warns about unused macros and lists after each file, where they are defined', () => {
    const l = load('- list: l\n  items: [x]\n- macro: m\n  condition: proc.name in (l)\n', rule('r', 'evt.type = open and m'));
    expect(warnings(l)).toEqual([
      "LOAD_UNUSED_MACRO macro 'm' @3:3: Macro not referred to by any other rule/macro",
    ]);
    expect(l.results[0]?.path).toBe('rules1.yaml');
    expect(l.results[1]?.warnings).toEqual([]);
  });
});

describe('exceptions', () => {
  it("compiles every form into the condition as Falco writes it", () => {
    const l = load(
      rule(
        'r',
        'evt.type = open',
        [
          '  exceptions:',
          '    - name: pairs',
          '      fields: [proc.name, fd.name]',
          '      comps: [=, in]',
          '      values:',
          '        - [cat, [/a, /b]]',
          '        - [curl 7, /etc]',
          '    - name: flat',
          '      fields: proc.pname',
          '      values: [sshd, "my shell"]',
          '    - name: modifier',
          '      fields: [proc.cmdline]',
          '      comps: ["  contains   anyof "]',
          '      values: [[x]]',
          '    - name: no_values',
          '      fields: [proc.name]',
          '',
        ].join('\n'),
      ),
    );
    expect(errors(l)).toEqual([]);
    expect(condition(l, 'r')).toBe(
      '(evt.type = open and not ((proc.name = cat and fd.name in (/a, /b)) or (proc.name = "curl 7" and ' +
        'fd.name in (/etc))) and not proc.pname in (sshd, "my shell") and not proc.cmdline contains anyof (x))',
    );
    expect(l.engine.rules[0]?.exceptionFields).toEqual(['fd.name', 'proc.cmdline', 'proc.name', 'proc.pname']);
  });

  it('appends values to an existing exception, and new exceptions only whole', () => {
    const base = rule('r', 'evt.type = open', '  exceptions:\n    - name: e\n      fields: proc.name\n      values: [a]\n');
    const l = load(base, '- rule: r\n  exceptions:\n    - name: e\n      values: [b]\n  override:\n    exceptions: append\n');
    expect(condition(l, 'r')).toBe('(evt.type = open and not proc.name in (a, b))');
    const partial = load(base, '- rule: r\n  exceptions:\n    - name: f\n      values: [b]\n  override:\n    exceptions: append\n');
    expect(errors(partial)).toEqual([
      "LOAD_ERR_VALIDATE exception 'f' @3:7: Rule exception must have fields property with a list of fields",
    ]);
  });

  it("validates exceptions in Falco's words", () => {
    const cases: Array<[string, string]> = [
      ['fields: [proc.name, fd.name]\n      comps: [=]', "LOAD_ERR_VALIDATE exception 'e' @7:7: Fields and comps lists must have equal length"],
      ['fields: [proc.name]\n      comps: [like]', "LOAD_ERR_VALIDATE exception 'e' @7:7: 'like' is not a supported comparison operator"],
      ['fields: [proc.nope]', "LOAD_ERR_VALIDATE exception 'e' @7:7: 'proc.nope' is not a supported filter field"],
      ['fields: proc.name\n      comps: =', "LOAD_ERR_VALIDATE exception 'e' @7:7: When fields is a single value, comps must be one of (in, pmatch, intersects)"],
      ['fields: [proc.name, fd.name]\n      values: [[a]]', "LOAD_ERR_VALIDATE exception 'e' @7:7: Fields and values lists must have equal length"],
      ['fields: proc.name\n      values: [[a]]', "LOAD_ERR_VALIDATE exception 'e' @7:7: Expected values array to contain a list of strings"],
      ['values: [a]', "LOAD_ERR_YAML_VALIDATE exception 'e' @7:7: Item has no mapping for key 'fields'"],
    ];
    for (const [body, message] of cases) {
      const l = load(rule('r', 'evt.type = open', `  exceptions:\n    - name: e\n      ${body}\n`));
      expect(errors(l)[0], body).toContain(message);
    }
  });

  it('warns about repeated exception names', () => {
    const body = '  exceptions:\n    - name: e\n      fields: proc.name\n    - name: e\n      fields: proc.pname\n';
    expect(warnings(load(rule('r', 'evt.type = open', body)), 'LOAD_EXCEPTION_NAME_NOT_UNIQUE')).toEqual([
      "LOAD_EXCEPTION_NAME_NOT_UNIQUE exception 'e' @9:7: Multiple definitions of exception 'e' in the same rule",
    ]);
  });
});
