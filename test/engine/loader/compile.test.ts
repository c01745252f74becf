import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinSources } from '../../../src/engine/builtin_sources.js';
import { Engine } from '../../../src/engine/engine.js';
import { brief, errors, load, rule, warnings } from './load.js';

describe('compiling conditions: errors where they are written', () => {
  it('points a syntax error into a folded condition', () => {
    const text = '- rule: r\n  desc: d\n  condition: >\n    evt.type = open and\n    proc.name = a b\n  output: o\n  priority: INFO\n';
    expect(errors(load(text))).toEqual([
      "LOAD_ERR_COMPILE_CONDITION rule 'r' @5:19: unexpected token after 'a', expecting 'or', 'and'",
    ]);
  });

  it('points into the item that appended the bad text, through list substitution', () => {
    const l = load(
      `- list: shells\n  items: [bash, zsh]\n${rule('r', 'proc.name in (shells)')}`,
      '- rule: r\n  condition: and proc.name = x y\n  override:\n    condition: append\n',
    );
    expect(errors(l)).toEqual([
      "LOAD_ERR_COMPILE_CONDITION rule 'r' @2:32: unexpected token after 'x', expecting 'or', 'and'",
    ]);
  });

  it('reports an undefined macro inside a macro at the macro, for the rule using it', () => {
    const l = load(`- macro: m\n  condition: evt.type = open and nothere\n${rule('r', 'm')}`);
    expect(errors(l)).toEqual(["LOAD_ERR_VALIDATE macro 'm' @2:34: Undefined macro 'nothere' used in filter."]);
  });

  it('reports unknown fields as compile errors, or skips the rule with skip-if-unknown-filter', () => {
    expect(errors(load(rule('r', 'evt.type = open and proc.nobody = cat')))).toEqual([
      "LOAD_ERR_COMPILE_CONDITION rule 'r' @3:34: filter_check called with nonexistent field proc.nobody",
    ]);
    const skipped = load(rule('r', 'evt.type = open and proc.nobody = cat', '  skip-if-unknown-filter: true\n'));
    expect(errors(skipped)).toEqual([]);
    expect(warnings(skipped, 'LOAD_UNKNOWN_FILTER')).toEqual([
      "LOAD_UNKNOWN_FILTER rule 'r' @3:34: filter_check called with nonexistent field proc.nobody",
    ]);
    expect(skipped.engine.rules).toHaveLength(0);
  });

  it('points a compile error inside an expanded macro at the macro text', () => {
    const l = load(`- macro: m\n  condition: proc.nobody = x\n${rule('r', 'evt.type = open and m')}`);
    expect(errors(l)).toEqual([
      "LOAD_ERR_COMPILE_CONDITION rule 'r' @2:14: filter_check called with nonexistent field proc.nobody",
    ]);
  });

  it('warns when a syscall rule can match too many event types, unless told not to', () => {
    expect(warnings(load(rule('r', 'proc.name = cat')), 'LOAD_NO_EVTTYPE')).toEqual([
      "LOAD_NO_EVTTYPE rule 'r' @1:3: Rule matches too many evt.type values. This has a significant performance penalty.",
    ]);
    expect(warnings(load(rule('r', 'proc.name = cat', '  warn_evttypes: false\n')), 'LOAD_NO_EVTTYPE')).toEqual([]);
    expect(warnings(load(rule('r', 'evt.type in (open, close)')), 'LOAD_NO_EVTTYPE')).toEqual([]);
    expect(warnings(load(rule('r', 'ka.verb = get', '  source: k8s_audit\n')), 'LOAD_NO_EVTTYPE')).toEqual([]);
  });

  it('warns about <NA> comparisons on k8s audit fields and deprecated fields', () => {
    const l = load(rule('r', 'ka.user.name = "<NA>"', '  source: k8s_audit\n'), rule('s', 'evt.type = open and evt.dir = <'));
    // Each file's compilation covers everything loaded so far (as Falco's), but r's warning is reported once,
    // with the file that holds r.
    expect(l.results.map((r) => r.warnings.map((w) => w.code))).toEqual([['LOAD_UNSAFE_NA_CHECK'], ['LOAD_DEPRECATED_ITEM']]);
    expect(warnings(l, 'LOAD_DEPRECATED_ITEM')[0]).toContain("usage of deprecated field 'evt.dir'");
  });

  it('places condition warnings at the first character of a folded condition', () => {
    const text = '- rule: r\n  desc: d\n  condition: >\n    evt.type = open and evt.dir = <\n  output: o\n  priority: INFO\n';
    expect(warnings(load(text), 'LOAD_DEPRECATED_ITEM')[0]).toContain("rule 'r' @4:5:");
  });

  it('compiles each file over everything before it, and stops at the first failing file', () => {
    const l = load(`- macro: m\n  condition: evt.type = open\n`, rule('r', 'm and proc.name = x'));
    expect(l.results.map((r) => r.ok)).toEqual([true, true]);
    expect(warnings(l, 'LOAD_UNUSED_MACRO')).toEqual(["LOAD_UNUSED_MACRO macro 'm' @1:3: Macro not referred to by any other rule/macro"]);
  });
});

describe('warnings across files', () => {
  it("reports each warning once, under the file that holds its item, even when a later file's load finds it", () => {
    const dir = mkdtempSync(join(tmpdir(), 'saker-warnings-'));
    try {
      const first = join(dir, 'a.yaml');
      const second = join(dir, 'b.yaml');
      writeFileSync(first, `- macro: opens\n  condition: evt.type = open\n${rule('r', 'opens and evt.dir = <')}`);
      // b.yaml replaces r's condition: the macro of a.yaml is no longer used, which only b's load can find.
      writeFileSync(second, `- rule: r\n  condition: evt.type = close and evt.dir = <\n  override:\n    condition: replace\n${rule('s', 'evt.type = connect')}`);
      const results = new Engine({ sources: builtinSources() }).loadFiles([first, second]);
      expect(results.map((r) => r.ok)).toEqual([true, true]);
      expect(results.map((r) => r.warnings.map(brief))).toEqual([
        [
          expect.stringMatching(/^LOAD_DEPRECATED_ITEM rule 'r' @5:14: .*evt\.dir/),
          "LOAD_UNUSED_MACRO macro 'opens' @1:3: Macro not referred to by any other rule/macro",
        ],
        [expect.stringMatching(/^LOAD_DEPRECATED_ITEM rule 'r' @2:14: .*evt\.dir/)],
      ]);
      expect(results[0]!.warnings.every((w) => w.position.file === first)).toBe(true);
      expect(results[1]!.warnings.every((w) => w.position.file === second)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
