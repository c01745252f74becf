import { describe, expect, it } from 'vitest';
import { atLeast, parsePriority, priorityProblem } from '../src/alert.js';

describe('priorities', () => {
  it('parses Falco names case-insensitively and the info alias', () => {
    expect(parsePriority('CRITICAL')).toBe('Critical');
    expect(parsePriority('informational')).toBe('Informational');
    expect(parsePriority('info')).toBe('Informational');
  });
  it('rejects warn, as Falco does', () => {
    expect(parsePriority('warn')).toBeUndefined();
    expect(priorityProblem('warn')).toContain("'warn' is not a priority; use one of Emergency");
  });
  it('compares by severity, inclusively', () => {
    expect(atLeast('Critical', 'Warning')).toBe(true);
    expect(atLeast('Warning', 'Warning')).toBe(true);
    expect(atLeast('Notice', 'Warning')).toBe(false);
  });
});
