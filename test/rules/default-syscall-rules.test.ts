// saker's syscall rules, fired on captures written for them (the scap test writer) and replayed as users
// replay them: `saker replay` with the .scap reader, the syscall source's extractors and rules/. Each rule
// has an event made for it and a benign twin in the same capture; the twins must stay silent.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_EVENT_BYTES } from '../../capture/k8saudit/parse.js';
import { PPME } from '../../capture/scap/tables/events.js';
import { replayCommand } from '../../src/cli/replay.js';
import { addr4, capture, event, tuple4, type Param } from '../capture/scap/writer.js';

const RULES = fileURLToPath(new URL('../../rules/saker_syscall_rules.yaml', import.meta.url));
const T0 = 1_795_000_000_000_000_000n;
const ts = (i: number): bigint => T0 + BigInt(i) * 1000n;

const APP = 'c'.repeat(64);
const PRIV = 'd'.repeat(64);
const cgroup = (id: string) => `cpuset=/docker/${id}`;
const nul = (items: string[]) => Buffer.from(items.map((s) => s + '\0').join(''));

function containerJson(id: string, name: string, repo: string, privileged: boolean): Buffer {
  const json = JSON.stringify({ container: { id: id.slice(0, 12), name, image: `${repo}:1.0`, imagerepo: repo, imagetag: '1.0', privileged } });
  return event(PPME.CONTAINER_JSON_2_E, ts(0), -1, [json]);
}

/** execve exit (31 parameters) of `tid` becoming `comm`, in container `id`, with a terminal or not. */
function execve(i: number, tid: number, ptid: number, comm: string, id: string, tty: number): Buffer {
  const p: Param[] = new Array(31).fill(null);
  p[0] = 0;
  p[1] = `/bin/${comm}`;
  p[2] = nul(['-i']);
  p[3] = tid;
  p[4] = tid;
  p[5] = ptid;
  p[6] = '/';
  p[7] = 1024;
  p[13] = comm;
  p[14] = nul([cgroup(id)]);
  p[16] = tty;
  p[27] = `/bin/${comm}`;
  return event(PPME.SYSCALL_EXECVE_19_X, ts(i), tid, p);
}

/** clone exit seen by the child: a process that is pid 1 of its container's namespace. */
function containerInit(i: number, tid: number, ptid: number, id: string): Buffer {
  return event(PPME.SYSCALL_CLONE_20_X, ts(i), tid, [
    0, '/usr/bin/runc', nul(['init']), tid, tid, ptid, '/', 1024, 0, 0, 0, 0, 0, 'runc', nul([cgroup(id)]), 0, 0, 0, 1, 1, null,
  ]);
}

const O_RDONLY = 1;
const O_WRONLY = 2;
const O_CREAT = 4;
const openat = (i: number, tid: number, fd: number, path: string, flags: number) =>
  event(PPME.SYSCALL_OPENAT_2_X, ts(i), tid, [fd, -100, path, flags, 0o644, 0, 0]);
const connect = (i: number, tid: number, fd: number, ip: number[], port: number): Buffer[] => [
  event(PPME.SOCKET_SOCKET_X, ts(i), tid, [fd, 2, 1, 0, 0]),
  event(PPME.SOCKET_CONNECT_X, ts(i + 1), tid, [0, tuple4([172, 17, 0, 5], 40000 + fd, ip, port), fd, addr4(ip, port)]),
];

const procs = [
  { tid: 1, ptid: 0, comm: 'systemd' },
  { tid: 500, ptid: 1, comm: 'containerd-shim' },
  { tid: 600, ptid: 500, comm: 'node', cgroups: [cgroup(APP)] },
  { tid: 620, ptid: 500, comm: 'dpkg', cgroups: [cgroup(APP)] },
  { tid: 630, ptid: 600, comm: 'exploit', cgroups: [cgroup(APP)], uid: 1000 },
  { tid: 640, ptid: 600, comm: 'sudo', cgroups: [cgroup(APP)], uid: 1000 },
  { tid: 700, ptid: 500, comm: 'runc', cgroups: [cgroup(APP)] },
  { tid: 710, ptid: 500, comm: 'runc', cgroups: [cgroup(APP)] },
  // Write below etc: a package's maintainer script (dpkg → postinst → sed), the 15-character names of
  // certificate and alternatives updaters, nginx's entrypoint rendering its configuration, and an
  // attacker's sed run from the application's shell.
  { tid: 900, ptid: 1, comm: 'dpkg' },
  { tid: 901, ptid: 900, comm: 'nginx.postinst' },
  { tid: 902, ptid: 901, comm: 'sed' },
  { tid: 910, ptid: 1, comm: 'update-ca-certi' },
  { tid: 911, ptid: 1, comm: 'update-alternat' },
  { tid: 920, ptid: 500, comm: 'docker-entrypoi', cgroups: [cgroup(APP)] },
  { tid: 921, ptid: 920, comm: '20-envsubst-on-', cgroups: [cgroup(APP)] },
  { tid: 922, ptid: 921, comm: 'envsubst', cgroups: [cgroup(APP)] },
  { tid: 930, ptid: 600, comm: 'sh', cgroups: [cgroup(APP)] },
  { tid: 931, ptid: 930, comm: 'sed', cgroups: [cgroup(APP)] },
  { tid: 940, ptid: 1, comm: 'gdm-session-wor' },
  // Process became root: root already (silent), and non-root threads using setresuid and setreuid.
  { tid: 950, ptid: 600, comm: 'worker', cgroups: [cgroup(APP)], uid: 0 },
  { tid: 951, ptid: 600, comm: 'exploit2', cgroups: [cgroup(APP)], uid: 1000 },
  { tid: 952, ptid: 600, comm: 'exploit3', cgroups: [cgroup(APP)], uid: 1000 },
  { tid: 953, ptid: 600, comm: 'dropper', cgroups: [cgroup(APP)], uid: 1000 },
  { tid: 954, ptid: 600, comm: 'failed', cgroups: [cgroup(APP)], uid: 1000 },
];

const UNCHANGED = 0xffffffff;

const events = [
  containerJson(APP, 'api', 'shop/api', false),
  containerJson(PRIV, 'node-agent', 'acme/agent', true),
  // Interactive shell in container: with a terminal (fires) and without (a script: silent).
  execve(1, 700, 500, 'bash', APP, 34816),
  execve(2, 710, 500, 'sh', APP, 0),
  // Sensitive file read: /etc/shadow (fires), /etc/hostname (silent).
  openat(3, 600, 20, '/etc/shadow', O_RDONLY),
  openat(4, 600, 21, '/etc/hostname', O_RDONLY),
  // Write below etc: node writing a cron job (fires), dpkg writing its state (silent).
  openat(5, 600, 22, '/etc/cron.d/evil', O_WRONLY | O_CREAT),
  openat(6, 620, 23, '/etc/dpkg/dpkg.cfg.d/x', O_WRONLY | O_CREAT),
  // Unexpected outbound connection: to a public address (fires), to the database on 10/8 (silent).
  ...connect(7, 600, 30, [93, 184, 216, 34], 443),
  ...connect(9, 600, 31, [10, 0, 0, 9], 5432),
  // Process became root with setuid: an exploit (fires), sudo (silent).
  event(PPME.SYSCALL_SETUID_X, ts(11), 630, [0, 0]),
  event(PPME.SYSCALL_SETUID_X, ts(12), 640, [0, 0]),
  openat(20, 902, 24, '/etc/nginx/sites-available/default', O_WRONLY | O_CREAT),
  openat(21, 910, 25, '/etc/ssl/certs/ca-certificates.crt', O_WRONLY | O_CREAT),
  openat(22, 911, 26, '/etc/alternatives/editor', O_WRONLY | O_CREAT),
  openat(23, 922, 27, '/etc/nginx/conf.d/default.conf', O_WRONLY | O_CREAT),
  openat(24, 922, 28, '/etc/cron.d/job', O_WRONLY | O_CREAT),
  openat(25, 931, 29, '/etc/passwd', O_WRONLY),
  openat(26, 940, 32, '/etc/shadow', O_RDONLY),
  event(PPME.SYSCALL_SETUID_X, ts(27), 950, [0, 0]),
  event(PPME.SYSCALL_SETRESUID_X, ts(28), 951, [0, 0, 0, 0]),
  event(PPME.SYSCALL_SETREUID_X, ts(29), 952, [0, UNCHANGED, 0]),
  event(PPME.SYSCALL_SETRESUID_X, ts(30), 953, [0, UNCHANGED, 1001, UNCHANGED]),
  event(PPME.SYSCALL_SETRESUID_X, ts(31), 954, [-1, 0, 0, 0]),
  // Privileged container started: the init of a privileged container (fires) and of the app's (silent).
  containerInit(13, 800, 500, PRIV),
  execve(14, 800, 500, 'agent', PRIV, 0),
  containerInit(15, 810, 500, APP),
  execve(16, 810, 500, 'server', APP, 0),
];

class Captured extends Writable {
  text = '';
  override _write(chunk: Buffer, _e: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

let dir: string;
let alerts: Array<{ rule: string; output_fields: Record<string, unknown>; priority: string }>;
let stderr: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'saker-syscall-rules-'));
  const path = join(dir, 'made-for-the-rules.scap');
  writeFileSync(path, capture({ procs, users: [{ uid: 0, gid: 0, name: 'root' }, { uid: 1000, gid: 1000, name: 'app' }], events }));
  const out = new Captured();
  const err = new Captured();
  const status = await replayCommand(
    [path],
    { rules: [RULES], match: 'all', tag: [], disableTag: [], disable: [], json: true, maxEventBytes: DEFAULT_MAX_EVENT_BYTES },
    { stdout: out, stderr: err },
  );
  stderr = err.text;
  expect(status, stderr).toBe(0);
  alerts = out.text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fired = (rule: string) => alerts.filter((a) => a.rule === rule).map((a) => a.output_fields);

describe('saker syscall rules on a capture made for them', () => {
  it('Interactive shell in container: the shell with a terminal only', () => {
    expect(fired('Interactive shell in container')).toEqual([expect.objectContaining({ 'proc.name': 'bash', 'container.name': 'api', 'proc.tty': 34816 })]);
  });
  it('Sensitive file read: /etc/shadow, not /etc/hostname, not by the GDM session worker (15-character name)', () => {
    expect(fired('Sensitive file read')).toEqual([expect.objectContaining({ 'fd.name': '/etc/shadow', 'proc.name': 'node' })]);
  });
  it('Write below etc: not by package managers, their scripts, updaters or an entrypoint rendering its config', () => {
    expect(fired('Write below etc')).toEqual([
      expect.objectContaining({ 'fd.name': '/etc/cron.d/evil', 'proc.name': 'node' }),
      // The entrypoint's children may write the application's configuration, not anything else.
      expect.objectContaining({ 'fd.name': '/etc/cron.d/job', 'proc.name': 'envsubst', 'proc.aname[2]': 'docker-entrypoi' }),
      expect.objectContaining({ 'fd.name': '/etc/passwd', 'proc.name': 'sed', 'proc.pname': 'sh', 'proc.aname[2]': 'node' }),
    ]);
  });
  it('Unexpected outbound connection from container: the public address only', () => {
    expect(fired('Unexpected outbound connection from container')).toEqual([
      expect.objectContaining({ 'fd.name': '172.17.0.5:40030->93.184.216.34:443', 'container.image.repository': 'shop/api' }),
    ]);
  });
  it('Process became root with setuid, setresuid or setreuid: not sudo, not root already, not a failed call', () => {
    expect(fired('Process became root with setuid')).toEqual([
      expect.objectContaining({ 'proc.name': 'exploit', 'evt.type': 'setuid', 'saker.uid_before': 1000, 'user.name': 'root' }),
      expect.objectContaining({ 'proc.name': 'exploit2', 'evt.type': 'setresuid', 'saker.uid_before': 1000 }),
      expect.objectContaining({ 'proc.name': 'exploit3', 'evt.type': 'setreuid', 'saker.uid_before': 1000 }),
    ]);
  });
  it('Privileged container started: only the privileged container', () => {
    expect(fired('Privileged container started')).toEqual([expect.objectContaining({ 'container.name': 'node-agent', 'proc.name': 'agent' })]);
  });
  it('nothing else fires', () => {
    expect(alerts).toHaveLength(10);
  });
});
