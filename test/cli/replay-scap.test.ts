// `saker replay` on .scap captures, as a real child process: recognised by content (plain or gzip'ed), the
// process and fd state behind the alerts, and a truncated capture (alerts so far, then an error that says
// where the capture stops).

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { PPME } from '../../capture/scap/tables/events.js';
import { CORPUS } from '../capture/corpus.js';
import { capture, event } from '../capture/scap/writer.js';
import { saker } from './saker.js';

const dir = mkdtempSync(join(tmpdir(), 'saker-replay-scap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string | Buffer): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

const RULES = file(
  'rules.yaml',
  `
- rule: Read sensitive file
  desc: a shell reads a key
  condition: evt.type in (open, openat) and fd.name startswith /home and proc.pname = sshd
  output: "%proc.name read %fd.name (user=%user.name cwd=%proc.cwd flags=%evt.arg.flags parent=%proc.pname)"
  priority: WARNING
  tags: [filesystem]
`,
);

const T0 = 1_700_000_000_000_000_000n;
const ts = (i: number): bigint => T0 + BigInt(i) * 1000n;
const O_RDONLY = 1;
const O_CLOEXEC = 4096;

const CAPTURE = capture({
  procs: [
    { tid: 1, ptid: 0, comm: 'systemd' },
    { tid: 100, ptid: 1, comm: 'sshd', args: ['-D'] },
    { tid: 200, ptid: 100, comm: 'bash', cwd: '/home/alice', uid: 1000, gid: 1000 },
  ],
  users: [
    { uid: 0, gid: 0, name: 'root' },
    { uid: 1000, gid: 1000, name: 'alice' },
  ],
  groups: [{ gid: 1000, name: 'alice' }],
  events: [
    event(PPME.SYSCALL_OPENAT_2_X, ts(1), 200, [3, -100, '.ssh/id_rsa', O_RDONLY | O_CLOEXEC, 0, 0, 0]),
    event(PPME.SYSCALL_OPENAT_2_X, ts(2), 200, [4, -100, '/etc/hostname', O_RDONLY, 0, 0, 0]),
    event(PPME.SYSCALL_OPENAT_2_X, ts(3), 200, [5, -100, '../bob/.ssh/id_rsa', O_RDONLY, 0, 0, 0]),
  ],
});

describe('saker replay on .scap captures', () => {
  it('evaluates the events against the state the capture rebuilds, gzip or not', async () => {
    for (const path of [file('c.scap', CAPTURE), file('c.scap.gz', gzipSync(CAPTURE))]) {
      const r = await saker(['replay', '-r', RULES, path]);
      expect(r.stderr).toContain('Events read: 3 (syscall: 3), unusable: 0');
      expect(r.status).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(
        /^\d\d:\d\d:\d\d\.000001000: Warning bash read \/home\/alice\/\.ssh\/id_rsa \(user=alice cwd=\/home\/alice\/ flags=O_RDONLY\|O_CLOEXEC parent=sshd\)$/,
      );
      expect(lines[1]).toContain('bash read /home/bob/.ssh/id_rsa');
    }
  });

  it('--json gives the syscall source and the fields', async () => {
    const r = await saker(['replay', '-r', RULES, '--json', file('j.scap', CAPTURE)]);
    expect(r.status).toBe(0);
    const alert = JSON.parse(r.stdout.trim().split('\n')[0]!) as Record<string, unknown>;
    expect(alert).toMatchObject({
      rule: 'Read sensitive file',
      source: 'syscall',
      time: '2023-11-14T22:13:20.000001000Z',
      output_fields: { 'fd.name': '/home/alice/.ssh/id_rsa', 'proc.name': 'bash', 'user.name': 'alice' },
    });
  });

  it('a truncated capture: the alerts of the events before the cut, then where it stops (exit 1)', async () => {
    const cut = CAPTURE.subarray(0, CAPTURE.length - 10);
    const r = await saker(['replay', '-r', RULES, file('cut.scap', cut)]);
    expect(r.status).toBe(1);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cut\.scap: byte \d+: truncated block: \d+ bytes left at end of input.*\(after 2 events\)/);
  });

  it('--source other than syscall is refused for a capture', async () => {
    const r = await saker(['replay', '-r', RULES, '--source', 'k8s_audit', file('s.scap', CAPTURE)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('a .scap capture holds syscall events, not k8s_audit events');
  });

  const cat = join(CORPUS, 'scap', 'falco_cat_write.scap');
  it.skipIf(!existsSync(cat))(`replays a corpus capture (skipped when ${cat} is absent)`, async () => {
    const rules = file(
      'cat.yaml',
      `
- rule: Cat opens a file
  desc: test
  condition: evt.type = open and proc.name = cat and fd.name startswith /
  output: "%proc.cmdline opened %fd.name (parent=%proc.pname container=%container.id)"
  priority: NOTICE
`,
    );
    const r = await saker(['replay', '-r', rules, cat]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('Events read: 307 (syscall: 307), unusable: 0');
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.replace(/^\S+ /, ''))).toEqual([
      'Notice cat /dev/null opened /etc/ld.so.cache (parent=bash container=host)',
      'Notice cat /dev/null opened /lib/x86_64-linux-gnu/libc.so.6 (parent=bash container=host)',
      'Notice cat /dev/null opened /usr/lib/locale/locale-archive (parent=bash container=host)',
      'Notice cat /dev/null opened /dev/null (parent=bash container=host)',
    ]);
    // The corpus captures are gzip'ed, as Falco's test captures are.
    expect(readFileSync(cat).subarray(0, 2).toString('hex')).toBe('1f8b');
  });
});
