// `saker replay` as a real child process: inputs, outputs, statistics, rule selection and exit codes.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { auditJson } from '../capture/k8saudit-events.js';
import { CORPUS, CORPUS_ABSENT, hasSamples, k8sSamples } from '../capture/corpus.js';
import { saker } from './saker.js';

const dir = mkdtempSync(join(tmpdir(), 'saker-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

const RULES = file(
  'rules.yaml',
  `
- rule: Exec into pod
  desc: kubectl exec
  condition: ka.target.subresource = exec
  output: exec into %ka.target.name by %ka.user.name
  priority: WARNING
  source: k8s_audit
  tags: [k8s, exec]
- rule: Any pod request
  desc: every request about pods
  condition: ka.target.resource = pods
  output: pod request %ka.verb
  priority: INFO
  source: k8s_audit
  tags: [k8s, noisy]
`,
);

const exec = (name: string) => auditJson({ objectRef: { resource: 'pods', subresource: 'exec', name, namespace: 'd' } });
const EVENTS = file('events.jsonl', [exec('a'), auditJson(), exec('b')].map((e) => JSON.stringify(e)).join('\n') + '\n');

describe('saker replay', () => {
  it("prints Falco's text lines on stdout and Falco's statistics on stderr", () => {
    const r = saker(['replay', '-r', RULES, EVENTS]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.123456000: Warning exec into a by alice$/);
    expect(lines[1]).toMatch(/: Informational pod request create$/);
    expect(r.stderr).toContain(
      [
        'Events read: 3 (k8s_audit: 3), unusable: 0',
        'Events detected: 3',
        'Rule counts by severity:',
        '   WARNING: 2',
        '   INFO: 1',
        'Triggered rules by rule name:',
        '   Exec into pod: 2',
        '   Any pod request: 1',
        '',
      ].join('\n'),
    );
  });

  it("--json prints Falco's JSON alerts; --match all alerts for every matching rule", () => {
    const r = saker(['replay', '-r', RULES, '--json', '--match', 'all', EVENTS]);
    expect(r.status).toBe(0);
    const alerts = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(alerts).toHaveLength(5);
    expect(Object.keys(alerts[0]!)).toEqual(['hostname', 'output', 'output_fields', 'priority', 'rule', 'source', 'tags', 'time']);
    expect(alerts[0]).toMatchObject({
      rule: 'Exec into pod',
      priority: 'Warning',
      source: 'k8s_audit',
      tags: ['exec', 'k8s'],
      time: '2026-11-29T01:02:03.123456000Z',
      output_fields: { 'ka.target.name': 'a', 'ka.user.name': 'alice' },
    });
  });

  it('selects rules with -t, -T, -D and --min-priority', () => {
    const count = (...args: string[]) => saker(['replay', '-r', RULES, ...args, EVENTS]).stdout.trim().split('\n').filter(Boolean).length;
    expect(count('-t', 'exec')).toBe(2);
    expect(count('-T', 'exec')).toBe(3);
    expect(count('-D', 'Exec into')).toBe(3);
    expect(count('-T', 'noisy')).toBe(2);
    expect(count('--min-priority', 'warning')).toBe(2);
  });

  it('reads stdin (-), gzip, JSON documents; reports unusable events with file:line and goes on', () => {
    const stdin = saker(['replay', '-r', RULES, '-'], { input: JSON.stringify(exec('s')) + '\nnot json\n' });
    expect(stdin.status).toBe(0);
    expect(stdin.stdout).toMatch(/exec into s by alice/);
    expect(stdin.stderr).toMatch(/saker replay: -:2: not valid JSON/);
    expect(stdin.stderr).toContain('Events read: 1 (k8s_audit: 1), unusable: 1');
    const gz = file('events.jsonl.gz', gzipSync(JSON.stringify(exec('z')) + '\n'));
    expect(saker(['replay', '-r', RULES, gz]).stdout).toMatch(/exec into z/);
    const list = file('list.json', JSON.stringify({ kind: 'EventList', items: [exec('l'), { kind: 'Event', auditID: 'x' }] }, null, 2));
    const r = saker(['replay', '-r', RULES, list]);
    expect(r.stdout).toMatch(/exec into l/);
    expect(r.stderr).toContain(`${list}:$.items[1]: stageTimestamp is missing`);
  });

  it('exits 1 when the rules fail to load, saying where', () => {
    const bad = file('bad.yaml', '- rule: r\n  desc: d\n  condition: ka.nope = 1\n  output: o\n  priority: INFO\n  source: k8s_audit\n');
    const r = saker(['replay', '-r', bad, EVENTS]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${bad.replaceAll('.', '\\.')}:3:\\d+: LOAD_ERR_COMPILE_CONDITION`));
    expect(r.stdout).toBe('');
  });

  it('exits 1 when an input cannot be read, after replaying the others', () => {
    const r = saker(['replay', '-r', RULES, file('text.txt', 'hello'), EVENTS]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/text.txt: not an event file saker knows/);
    expect(r.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('exits 2 on bad usage', () => {
    expect(saker(['replay', '-r', RULES, '--nope', EVENTS]).status).toBe(2);
    expect(saker(['replay', '-r', RULES, '--min-priority', 'warn', EVENTS]).stderr).toMatch(/'warn' is not a priority/);
    expect(saker(['replay', '-r', RULES, '--match', 'some', EVENTS]).status).toBe(2);
    const both = saker(['replay', '-r', RULES, '-t', 'a', '-T', 'b', EVENTS]);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/both disabled \(-D\/-T\) and enabled \(-t\)/);
    expect(saker(['replay', '-r', RULES, join(dir, 'missing.json')]).status).toBe(2);
    expect(saker(['replay', EVENTS]).status).toBe(2);
  });
});

describe.skipIf(!hasSamples)(`replaying the corpus samples through the upstream k8s audit rules ${hasSamples ? '' : CORPUS_ABSENT}`, () => {
  it('fires the rules the samples were made for', () => {
    const samples = file('samples.jsonl', k8sSamples().map((s) => s.text).join('\n'));
    const r = saker(['replay', '-r', `${CORPUS}rules/upstream/k8s_audit_rules.yaml`, samples]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('Events read: 32 (k8s_audit: 32), unusable: 0');
    expect(r.stderr).toMatch(/Create Privileged Pod: 1\n/);
    expect(r.stderr).toMatch(/Create HostNetwork Pod: 2\n/);
    expect(r.stderr).toMatch(/Create Sensitive Mount Pod: 1\n/);
  });
});
