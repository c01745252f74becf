import { describe, expect, it } from 'vitest';
import { compileTemplate } from '../../outputs/alert-template.js';
import { isoMillis, withFraction } from '../../outputs/alert-time.js';
import { makeAlert } from './helpers.js';

const t = (text: string) => compileTemplate(text, 'test.key')(makeAlert());

describe('alert templates (Falcosidekick\'s Go-template subset)', () => {
  it('renders fields, output fields, or and print', () => {
    expect(t('{{ .Rule }} / {{.Priority}} / {{ .Source }} / {{ .Hostname }} / {{ .UUID }}')).toBe(
      'Terminal shell in container / Warning / syscall / node-1 / 6a1f2a4e-6f6b-4a0c-9d5e-3f2b1c0d9e8a',
    );
    expect(t('{{ index .OutputFields "user.name" }}@{{ index .OutputFields "container.name" }}')).toBe('root@web');
    expect(t('{{ .Tags }}')).toBe('container, shell, mitre_execution');
    expect(t('[{{ index .OutputFields "missing" }}]')).toBe('[]');
    expect(t('{{ or (index .OutputFields "missing") (index .OutputFields "proc.name") "none" }}')).toBe('bash');
    expect(t('{{ or (index .OutputFields "missing") `none` }}')).toBe('none');
    expect(t('{{ print .Rule ":" .Priority }}')).toBe('Terminal shell in container:Warning');
    expect(t('{{ index .Tags 1 }}')).toBe('shell');
    expect(t('a  {{- .Priority -}}  b{{/* comment */}}')).toBe('aWarningb');
  });

  it('reports mistakes with the key and the column', () => {
    expect(() => t('x {{ .Prio }}')).toThrow('test.key: column 6: unknown field .Prio; use one of .UUID, .Output, .Priority, .Rule, .Time, .Source, .Tags, .Hostname, .OutputFields');
    expect(() => t('{{ .Rule')).toThrow("test.key: column 1: '{{' is never closed");
    expect(() => t('{{ upper .Rule }}')).toThrow("test.key: column 4: unknown function 'upper'");
    expect(() => t('{{ index .OutputFields }}')).toThrow('index takes a map or list and at least one key');
    expect(() => t('{{ }}')).toThrow('empty action');
    expect(() => t('{{ .Rule .Priority }}')).toThrow(/column 10: unexpected '.Priority'/);
    expect(() => t('{{ .Rule ) }}')).toThrow("test.key: column 10: unexpected ')'");
    expect(() => t('{{ (index .OutputFields "a" }}')).toThrow("column 4: '(' is never closed");
    expect(() => t('{{ index .OutputFields "\\x41" }}')).toThrow(/^test.key: column 24: cannot read the string/);
  });

  it('escapes what the alert supplies and never the template text', () => {
    const tpl = compileTemplate('<b>{{ .Output }}</b>', 'k', (s) => s.replace(/</g, '&lt;'));
    expect(tpl(makeAlert({ output: '<x>' }))).toBe('<b>&lt;x></b>');
  });
});

describe('alert times', () => {
  it('cuts fractions without rounding', () => {
    expect(withFraction('2026-11-29T01:02:03.999999999Z', 6)).toBe('2026-11-29T01:02:03.999999Z');
    expect(withFraction('2026-11-29T01:02:03+02:00', 3)).toBe('2026-11-29T01:02:03+02:00');
    expect(withFraction('2026-11-29t01:02:03.5z', 0)).toBe('2026-11-29T01:02:03Z');
    expect(isoMillis('2026-11-29T01:02:03.999999999Z')).toBe('2026-11-29T01:02:03.999Z');
    expect(isoMillis('2026-11-29T01:02:03.5Z')).toBe('2026-11-29T01:02:03.500Z');
    expect(isoMillis('2026-11-29T01:02:03Z')).toBe('2026-11-29T01:02:03.000Z');
    expect(isoMillis('2026-11-29T01:02:03.25+02:00')).toBe('2026-11-28T23:02:03.250Z');
  });
});
