import { describe, expect, it } from 'vitest';
import { errors, load, rule, warnings } from './load.js';

describe('reading rules files', () => {
  it('reports YAML syntax errors with their position', () => {
    const l = load('- rule: a\n  desc: [unterminated\n');
    expect(l.result.ok).toBe(false);
    expect(l.result.errors).toHaveLength(1);
    expect(l.result.errors[0]).toMatchObject({ code: 'LOAD_ERR_YAML_PARSE', itemType: 'rules content' });
    expect(l.result.errors[0]?.position.line).toBeGreaterThanOrEqual(2);
  });

  it("rejects content that is not a sequence of maps, in Falco's words", () => {
    expect(errors(load('just a string\n'))).toEqual([
      "LOAD_ERR_YAML_VALIDATE rules content '' @1:1: Rules content is not yaml",
    ]);
    expect(errors(load('foo: bar\n'))).toEqual([
      "LOAD_ERR_YAML_VALIDATE rules content '' @1:1: Rules content is not yaml array of objects",
    ]);
    expect(errors(load('- foo\n'))).toEqual([
      "LOAD_ERR_YAML_VALIDATE rules content item '' @1:3: Unexpected element type. Each element should be a yaml associative array.",
    ]);
  });

  it('accepts empty files, empty documents and null items', () => {
    const l = load('', '---\n# only a comment\n---\n-\n- list: a\n  items: []\n');
    expect(l.results.every((r) => r.ok)).toBe(true);
  });

  it('checks required keys in order, at the item', () => {
    const text = '- list: ok\n  items: []\n\n- rule: r\n  desc: d\n  condition: evt.type = open\n  priority: INFO\n';
    expect(errors(load(text))).toEqual(["LOAD_ERR_YAML_VALIDATE rule 'r' @4:3: Item has no mapping for key 'output'"]);
    expect(errors(load('- macro:\n  condition: evt.type = open\n'))).toEqual([
      "LOAD_ERR_YAML_VALIDATE macro '' @1:3: Mapping for key 'macro' is empty",
    ]);
  });

  it("decodes scalars as yaml-cpp does, with Falco's messages at the value", () => {
    expect(errors(load(rule('r', 'evt.type = open', '  enabled: maybe\n')))).toEqual([
      "LOAD_ERR_YAML_VALIDATE rule 'r' @6:12: Can't decode YAML scalar value",
    ]);
    expect(errors(load(rule('r', 'evt.type = open', '  enabled: "False"\n')))).toEqual([]);
    expect(load(rule('r', 'evt.type = open', '  enabled: Off\n')).engine.summaries()[0]?.enabled).toBe(false);
    expect(errors(load('- rule: r\n  desc: [a]\n  condition: evt.type = open\n  output: o\n  priority: INFO\n'))).toEqual([
      "LOAD_ERR_YAML_VALIDATE rule 'r' @2:9: Value is not a scalar value",
    ]);
    expect(errors(load('- rule: r\n  desc: ""\n  condition: x\n  output: o\n  priority: INFO\n'))[0]).toContain(
      '@2:9: Value must be non-empty',
    );
    expect(errors(load('- rule: r\n  condition: [a]\n  desc: d\n  output: o\n  priority: INFO\n'))[0]).toContain(
      '@2:14: Value is not a scalar value',
    );
    expect(errors(load('- list: l\n  items: a\n'))[0]).toContain('@2:10: Value is not a sequence');
    expect(errors(load('- list: l\n  items: [[a]]\n'))[0]).toContain('@2:11: sequence value is not scalar');
  });

  it("accepts Falco's priorities case-insensitively with the info alias, and rejects warn", () => {
    const l = load(
      rule('a', 'evt.type = open').replace('INFO', 'info'),
      rule('b', 'evt.type = open').replace('INFO', 'CRITICAL'),
    );
    expect(l.engine.summaries().map((r) => r.priority)).toEqual(['Informational', 'Critical']);
    expect(errors(load(rule('c', 'evt.type = open').replace('INFO', 'warn')))).toEqual([
      "LOAD_ERR_YAML_VALIDATE rule 'c' @5:13: Invalid priority",
    ]);
  });

  it('warns about unknown keys and unknown top-level items, and goes on', () => {
    const l = load(`${rule('r', 'evt.type = open', '  typo_field: 1\n')}- lits: x\n`);
    expect(l.result.ok).toBe(true);
    expect(warnings(l)).toEqual([
      "LOAD_UNKNOWN_KEY rule 'r' @6:15: Unknown key 'typo_field'. The key will be ignored.",
      "LOAD_UNKNOWN_ITEM rules content item '' @7:3: Unknown top level item",
    ]);
  });

  it('warns about list and macro names the condition grammar cannot refer to', () => {
    const l = load('- list: my list\n  items: [a]\n- macro: my-macro\n  condition: evt.type = open\n');
    expect(warnings(l, 'LOAD_INVALID_LIST_NAME')[0]).toContain("list 'my list' @1:3: List has an invalid name");
    expect(warnings(l, 'LOAD_INVALID_MACRO_NAME')[0]).toContain("macro 'my-macro' @3:3: Macro has an invalid name");
  });

  it('checks the required engine version against 0.63.0', () => {
    expect(errors(load('- required_engine_version: 26\n'))).toEqual([]);
    expect(errors(load('- required_engine_version: 0.63.0\n'))).toEqual([]);
    expect(errors(load('- required_engine_version: 64\n'))).toEqual([
      "LOAD_ERR_VALIDATE required_engine_version '' @1:3: Rules require engine version 0.64.0, but engine version is 0.63.0",
    ]);
    expect(errors(load('- required_engine_version: 1.0.0\n'))[0]).toContain('Rules require engine version 1.0.0');
    expect(errors(load('- required_engine_version: seven\n'))).toEqual([
      `LOAD_ERR_YAML_VALIDATE required_engine_version '' @1:3: Unable to parse engine version 'seven' as a semver string. Expected "x.y.z" semver format.`,
    ]);
  });

  it("checks plugin requirements against the sources' plugins, with alternatives", () => {
    const met = '- required_plugin_versions:\n  - name: k8saudit\n    version: 0.7.0\n  - name: json\n    version: 0.7.0\n';
    expect(errors(load(met))).toEqual([]);
    const alternative =
      '- required_plugin_versions:\n  - name: k8saudit-eks\n    version: 0.1.0\n    alternatives:\n      - name: k8saudit\n        version: 0.1.0\n';
    expect(errors(load(alternative))).toEqual([]);
    const unmet = '- required_plugin_versions:\n  - name: okta\n    version: 0.9.0\n    alternatives:\n      - name: oktafoo\n        version: 1.0.0\n';
    expect(errors(load(unmet))).toEqual([
      "LOAD_ERR_VALIDATE required_plugin_versions 'okta' @2:5: Plugin requirement not satisfied, must load one of: okta (>= 0.9.0), oktafoo (>= 1.0.0)",
    ]);
    expect(errors(load('- required_plugin_versions:\n  - name: container\n    version: 0.99.0\n'))).toEqual([
      "LOAD_ERR_VALIDATE required_plugin_versions 'container' @2:5: Plugin 'container' version '0.4.0' is not compatible with required plugin version '0.99.0'",
    ]);
    expect(errors(load('- required_plugin_versions:\n  - name: json\n    version: latest\n'))[0]).toContain(
      "Invalid required version 'latest' for plugin 'json'",
    );
  });

  it('stops the file at the first error but keeps what it read before', () => {
    const l = load(`- list: a\n  items: [x]\n- list:\n  items: []\n${rule('r', 'evt.type = open')}`);
    expect(errors(l)).toHaveLength(1);
    expect(l.engine.rules).toHaveLength(0);
  });
});
