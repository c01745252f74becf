// `saker replay`: inputs, outputs, statistics, rule selection and exit codes — in-process through the
// command's own function, and as a real child process for what only the process shows (stdin, usage
// errors caught by the option parser).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_EVENT_BYTES } from '../../capture/k8saudit/parse.js';
import { replayCommand, type ReplayFlags } from '../../src/cli/replay.js';
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

class Captured extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function replay(files: string[], flags: Partial<ReplayFlags>) {
  const stdout = new Captured();
  const stderr = new Captured();
  const all: ReplayFlags = { rules: [], match: 'first', tag: [], disableTag: [], disable: [], maxEventBytes: DEFAULT_MAX_EVENT_BYTES, ...flags };
  const status = await replayCommand(files, all, { stdout, stderr });
  return { status, stdout: stdout.text, stderr: stderr.text };
}

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
  it("prints Falco's text lines on stdout and Falco's statistics on stderr", async () => {
    const r = await replay([EVENTS], { rules: [RULES] });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.123456000: Warning exec into a by alice$/);
    expect(lines[1]).toMatch(/: Informational pod request create$/);
    expect(r.stderr).toBe(
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

  it("--json prints Falco's JSON alerts; --match all alerts for every matching rule", async () => {
    const r = await replay([EVENTS], { rules: [RULES], json: true, match: 'all' });
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

  it('selects rules with -t, -T, -D and --min-priority', async () => {
    const count = async (flags: Partial<ReplayFlags>) => (await replay([EVENTS], { rules: [RULES], ...flags })).stdout.trim().split('\n').filter(Boolean).length;
    expect(await count({ tag: ['exec'] })).toBe(2);
    expect(await count({ disableTag: ['exec'] })).toBe(3);
    expect(await count({ disable: ['Exec into'] })).toBe(3);
    expect(await count({ disableTag: ['noisy'] })).toBe(2);
    expect(await count({ minPriority: 'Warning' })).toBe(2);
  });

  it('reads gzip and JSON documents; reports unusable events with file:line and goes on', async () => {
    const gz = file('events.jsonl.gz', gzipSync(JSON.stringify(exec('z')) + '\nnot json\n'));
    const r1 = await replay([gz], { rules: [RULES] });
    expect(r1.stdout).toMatch(/exec into z/);
    expect(r1.stderr).toContain(`saker replay: ${gz}:2: not valid JSON`);
    expect(r1.stderr).toContain('Events read: 1 (k8s_audit: 1), unusable: 1');
    const list = file('list.json', JSON.stringify({ kind: 'EventList', items: [exec('l'), { kind: 'Event', auditID: 'x' }] }, null, 2));
    const r2 = await replay([list], { rules: [RULES] });
    expect(r2.stdout).toMatch(/exec into l/);
    expect(r2.stderr).toContain(`${list}:$.items[1]: stageTimestamp is missing`);
  });

  it('reads files of many chunks with their memory used again: every alert names its own event', async () => {
    // About 4.5 MiB: several 1 MiB chunks and many blocks, with lines across chunk ends; each event's
    // pod name is its number, so an event read from memory used again too early would name another.
    const n = 12_000;
    const padding = 'p'.repeat(200);
    const lines = Array.from({ length: n }, (_, i) => JSON.stringify(exec(`pod-${i}-${padding}`)));
    const big = file('big.jsonl', lines.join('\n') + '\n');
    const viaChunks = await replay([big], { rules: [RULES] });
    const names = viaChunks.stdout.trim().split('\n').map((l) => /exec into pod-(\d+)-/.exec(l)?.[1]);
    expect(names).toEqual(Array.from({ length: n }, (_, i) => String(i)));
    // The same file gzip'ed goes through the stream path, whose chunks are never handed back.
    const viaStream = await replay([file('big.jsonl.gz', gzipSync(lines.join('\n') + '\n'))], { rules: [RULES] });
    expect(viaStream.stdout).toBe(viaChunks.stdout);
  });

  it('exits 1 when the rules fail to load, saying where', async () => {
    const bad = file('bad.yaml', '- rule: r\n  desc: d\n  condition: ka.nope = 1\n  output: o\n  priority: INFO\n  source: k8s_audit\n');
    const r = await replay([EVENTS], { rules: [bad] });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${bad.replaceAll('.', '\\.')}:3:\\d+: LOAD_ERR_COMPILE_CONDITION`));
    expect(r.stdout).toBe('');
  });

  it('exits 1 when an input cannot be read, after replaying the others', async () => {
    const r = await replay([file('text.txt', 'hello'), EVENTS], { rules: [RULES] });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/text.txt: not an event file saker knows/);
    expect(r.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('exits 2 on bad usage', async () => {
    const both = await replay([EVENTS], { rules: [RULES], tag: ['a'], disableTag: ['b'] });
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/both disabled \(-D\/-T\) and enabled \(-t\)/);
    expect((await replay([join(dir, 'missing.json')], { rules: [RULES] })).status).toBe(2);
    expect((await replay(['-', '-'], { rules: [RULES] })).status).toBe(2);
    // A rules path that names nothing is bad usage too, as a missing event file is (validate and rules list agree).
    const missingRules = await replay([EVENTS], { rules: [RULES, join(dir, 'nope.yaml')] });
    expect(missingRules).toMatchObject({ status: 2, stdout: '' });
    expect(missingRules.stderr).toBe(`saker replay: ${join(dir, 'nope.yaml')}: no such rules file or folder\n(see saker replay --help)\n`);
  });

  it("uses saker's own rules without -r, and says so", async () => {
    // The default exec rule alerts when the session opens (ResponseStarted), not when it ends.
    const started = file('started.jsonl', JSON.stringify({ ...exec('a'), stage: 'ResponseStarted' }) + '\n');
    const r = await replay([started], {});
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^saker replay: no rules files named \(-r\): using saker's own rules in \S+\/rules\n/);
    expect(r.stdout).toMatch(/: Notice kubectl exec/);
  });

  it('warns when the inputs hold no events (exit 0: nothing failed)', async () => {
    const empty = await replay([file('empty.jsonl', ''), file('empty.json.gz', gzipSync(''))], { rules: [RULES] });
    expect(empty.status).toBe(0);
    expect(empty.stderr).toContain('Events read: 0, unusable: 0');
    expect(empty.stderr).toContain(`saker replay: warning: no events in ${join(dir, 'empty.jsonl')}, ${join(dir, 'empty.json.gz')}: nothing was evaluated\n`);
    expect((await replay([EVENTS], { rules: [RULES] })).stderr).not.toContain('no events');
  });
});

describe('saker replay as a process', () => {
  it('reads stdin (-), prints the alerts and the statistics, exits 0', async () => {
    const r = await saker(['replay', '-r', RULES, '-'], { input: JSON.stringify(exec('s')) + '\n' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/: Warning exec into s by alice\n$/);
    expect(r.stderr).toContain('Events detected: 1');
  });
  it('warns about empty stdin', async () => {
    const r = await saker(['replay', '-r', RULES, '-'], { input: '' });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('saker replay: warning: no events in stdin: nothing was evaluated');
  });

  it('exits 2 for options the parser refuses, in one line and a pointer to --help, as for its own usage errors', async () => {
    const [unknown, priority] = await Promise.all([saker(['replay', '-r', RULES, '--nope', EVENTS]), saker(['replay', '-r', RULES, '--min-priority', 'warn', EVENTS])]);
    expect(unknown).toMatchObject({ status: 2, stderr: "saker replay: unknown option '--nope'\n(see saker replay --help)\n" });
    expect(priority.status).toBe(2);
    expect(priority.stderr).toMatch(/^saker replay: option '--min-priority <priority>' argument 'warn' is invalid\. 'warn' is not a priority.*\n\(see saker replay --help\)\n$/);
  });
});

describe.skipIf(!hasSamples)(`replaying the corpus samples through the upstream k8s audit rules ${hasSamples ? '' : CORPUS_ABSENT}`, () => {
  it('fires the rules the samples were made for', async () => {
    const samples = file('samples.jsonl', k8sSamples().map((s) => s.text).join('\n'));
    const r = await replay([samples], { rules: [`${CORPUS}rules/upstream/k8s_audit_rules.yaml`], match: 'all' });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('Events read: 32 (k8s_audit: 32), unusable: 0');
    expect(r.stderr).toMatch(/Create Privileged Pod: 1\n/);
    expect(r.stderr).toMatch(/Create HostNetwork Pod: 2\n/);
    expect(r.stderr).toMatch(/Create Sensitive Mount Pod: 1\n/);
  });
});
