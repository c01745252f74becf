import { describe, expect, it } from 'vitest';
import { evtTime, rfc3339Nanos } from '../../src/engine/alert_builder.js';
import { Engine } from '../../src/engine/engine.js';
import { SYSCALL_SOURCE_FIELDS, withExtractors } from '../../src/engine/fields/index.js';
import type { SourceDefinition } from '../../src/engine/source.js';

interface SysEvent {
  type: string;
  proc: string;
  file?: string;
  ns: bigint;
}

/** A syscall source whose extractors read a plain object: the engine as capture code will use it. */
const syscall: SourceDefinition<SysEvent> = {
  name: 'syscall',
  fields: withExtractors<SysEvent>(SYSCALL_SOURCE_FIELDS, {
    'evt.type': () => (e) => e.type,
    'proc.name': () => (e) => e.proc,
    'fd.name': () => (e) => e.file,
  }),
  plugins: [{ name: 'container', version: '0.4.0' }],
  eventType: (e) => e.type,
  eventTime: (e) => e.ns,
};

const RULES = `
- rule: cat opens
  desc: cat opens a file
  condition: evt.type = open and proc.name = cat
  output: "%proc.name opened %fd.name"
  priority: WARNING
  tags: [filesystem, cat]
- rule: c-process
  desc: c processes open or exec
  condition: evt.type in (open, execve) and proc.name startswith c
  output: c process %proc.name
  priority: NOTICE
  tags: [process]
- rule: any cat
  desc: cat does anything
  condition: proc.name = cat
  output: cat did %evt.type
  priority: ERROR
  warn_evttypes: false
`;

const NS = 1_785_000_000_123_456_789n;

function engine(match: 'first' | 'all' = 'first'): Engine {
  const e = new Engine({ sources: [syscall], hostname: 'node-1', match });
  expect(e.loadText('rules.yaml', RULES).errors).toEqual([]);
  return e;
}

const names = (e: Engine, ev: SysEvent): string[] => e.evaluate('syscall', ev).map((a) => a.rule);

describe('engine', () => {
  it('alerts on the first matching rule in definition order, only among rules for the event type', () => {
    const e = engine();
    expect(names(e, { type: 'open', proc: 'cat', ns: NS })).toEqual(['cat opens']);
    expect(names(e, { type: 'execve', proc: 'cat', ns: NS })).toEqual(['c-process']);
    expect(names(e, { type: 'close', proc: 'cat', ns: NS })).toEqual(['any cat']);
    expect(names(e, { type: 'close', proc: 'ls', ns: NS })).toEqual([]);
    expect(e.compiledRuleset.candidates('syscall', 'close').map((r) => r.name)).toEqual(['any cat']);
    expect(e.compiledRuleset.candidates('syscall', 'open').map((r) => r.name)).toEqual(['cat opens', 'c-process', 'any cat']);
  });

  it('alerts on every matching rule with match: all', () => {
    expect(names(engine('all'), { type: 'open', proc: 'cat', ns: NS })).toEqual(['cat opens', 'c-process', 'any cat']);
  });

  it('enables and disables rules by name substring, tag and priority threshold', () => {
    const e = engine('all');
    const ev = { type: 'open', proc: 'cat', ns: NS };
    expect(e.setEnabled({ name: 'cat' }, false)).toBe(2);
    expect(names(e, ev)).toEqual(['c-process']);
    e.setEnabled({ tag: 'filesystem' }, true);
    expect(names(e, ev)).toEqual(['cat opens', 'c-process']);
    e.setMinimumPriority('Warning');
    expect(names(e, ev)).toEqual(['cat opens']);
    expect(e.summaries().map((r) => `${r.name}:${r.enabled}`)).toEqual(['cat opens:true', 'c-process:false', 'any cat:false']);
  });

  it("produces Falco's JSON alert", () => {
    const [alert] = engine().evaluate('syscall', { type: 'open', proc: 'cat', file: '/etc/passwd', ns: NS });
    expect(alert).toMatchObject({
      time: '2026-07-25T17:20:00.123456789Z',
      rule: 'cat opens',
      priority: 'Warning',
      source: 'syscall',
      tags: ['cat', 'filesystem'],
      hostname: 'node-1',
    });
    expect(alert?.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(alert?.output).toMatch(/^\d\d:\d\d:\d\d\.123456789: Warning cat opened \/etc\/passwd$/);
    expect(alert?.output_fields).toEqual({ 'proc.name': 'cat', 'fd.name': '/etc/passwd' });
  });

  it('writes RFC 3339 times with nanoseconds', () => {
    expect(rfc3339Nanos(0n)).toBe('1970-01-01T00:00:00.000000000Z');
    expect(rfc3339Nanos(1n)).toBe('1970-01-01T00:00:00.000000001Z');
    expect(rfc3339Nanos(NS)).toBe('2026-07-25T17:20:00.123456789Z');
    expect(rfc3339Nanos(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
    expect(rfc3339Nanos(-1_000_000_000n)).toBe('1969-12-31T23:59:59.000000000Z');
  });

  it('writes the same time texts for every nanosecond of a second (they are kept by second)', () => {
    const second = (NS / 1_000_000_000n) * 1_000_000_000n;
    const d = new Date(Number(second / 1_000_000n));
    const two = (n: number): string => String(n).padStart(2, '0');
    const local = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
    for (const nanos of [0n, 1n, 123_456_789n, 999_999_999n]) {
      const digits = String(nanos).padStart(9, '0');
      expect(evtTime(second + nanos)).toBe(`${local}.${digits}`);
      expect(rfc3339Nanos(second + nanos)).toBe(`${d.toISOString().slice(0, 19)}.${digits}Z`);
    }
    // More seconds than are kept: the texts stay right after the oldest are forgotten.
    for (let s = 0n; s < 600n; s++) expect(rfc3339Nanos(s * 1_000_000_000n)).toBe(`${new Date(Number(s) * 1000).toISOString().slice(0, 19)}.000000000Z`);
  });

  it('gives alerts no uuid when asked not to (saker replay prints none)', () => {
    const e = new Engine({ sources: [syscall], hostname: 'node-1', uuids: false });
    e.loadText('rules.yaml', RULES);
    const [alert] = e.evaluate('syscall', { type: 'open', proc: 'cat', file: '/etc/passwd', ns: NS });
    expect(alert?.uuid).toBe('');
    expect(alert?.time).toBe('2026-07-25T17:20:00.123456789Z');
  });

  it('refuses events of sources it does not have', () => {
    expect(() => engine().evaluate('k8s_audit', {})).toThrow("unknown source 'k8s_audit'");
  });
});
