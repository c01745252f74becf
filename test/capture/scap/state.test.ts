// The capture state (threads, fds, users, containers) on captures written for each case.

import { describe, expect, it } from 'vitest';
import { PPME } from '../../../capture/scap/tables/events.js';
import { replay, rowsOf } from './replay.js';
import { addr4, capture, event, tuple4 } from './writer.js';

const T0 = 1_700_000_000_000_000_000n;
const ts = (i: number): bigint => T0 + BigInt(i) * 1000n;

/** clone exit parameters (20 of them, pidns_init_start_ts absent). */
function cloneParams(res: number, o: { exe: string; args: string[]; tid: number; pid: number; ptid: number; comm: string; flags?: number; uid?: number; cgroups?: string[] }) {
  return [
    res,
    o.exe,
    Buffer.from(o.args.map((a) => a + '\0').join('')),
    o.tid,
    o.pid,
    o.ptid,
    '/',
    1024,
    0,
    0,
    0,
    0,
    0,
    o.comm,
    o.cgroups ? Buffer.from(o.cgroups.map((c) => c + '\0').join('')) : null,
    o.flags ?? 0,
    o.uid ?? 0,
    0,
    o.tid,
    o.pid,
    null,
  ];
}

/** execve exit parameters in the current 31-parameter layout. */
function execParams(o: { exe: string; args: string[]; tid: number; pid: number; ptid: number; comm: string; exepath?: string; uid?: number }) {
  const p: Array<Buffer | number | string | null> = new Array(31).fill(null);
  p[0] = 0;
  p[1] = o.exe;
  p[2] = Buffer.from(o.args.map((a) => a + '\0').join(''));
  p[3] = o.tid;
  p[4] = o.pid;
  p[5] = o.ptid;
  p[6] = '/';
  p[7] = 1024;
  p[13] = o.comm;
  if (o.exepath !== undefined) p[27] = o.exepath;
  if (o.uid !== undefined) p[26] = o.uid;
  return p;
}

const BASE = {
  procs: [
    { tid: 1, ptid: 0, comm: 'systemd' },
    { tid: 100, ptid: 1, comm: 'sshd', args: ['-D'] },
    { tid: 200, ptid: 100, comm: 'bash', cwd: '/home/alice', uid: 1000, gid: 1000, tty: 34816 },
  ],
  users: [
    { uid: 0, gid: 0, name: 'root' },
    { uid: 1000, gid: 1000, name: 'alice' },
  ],
  groups: [{ gid: 1000, name: 'alice' }],
};

describe('processes', () => {
  it('builds threads from the process list with parents, users and ttys', async () => {
    const rows = await replay(
      capture({ ...BASE, events: [event(PPME.SYSCALL_GETCWD_X, ts(1), 200, [0, '/home/alice'])] }),
      ['proc.name', 'proc.pname', 'proc.aname[2]', 'proc.cmdline', 'proc.pcmdline', 'user.name', 'user.uid', 'proc.tty', 'proc.cwd', 'group.name'],
    );
    expect(rows[0]).toMatchObject({
      'evt.type': 'getcwd',
      'proc.name': 'bash',
      'proc.pname': 'sshd',
      'proc.aname[2]': 'systemd',
      'proc.cmdline': 'bash',
      'proc.pcmdline': 'sshd -D',
      'user.name': 'alice',
      'user.uid': 1000,
      'proc.tty': 34816,
      'proc.cwd': '/home/alice/',
      'group.name': 'alice',
    });
  });

  it('follows fork and execve: the child inherits, then becomes the new program', async () => {
    const events = [
      event(PPME.SYSCALL_CLONE_20_X, ts(1), 200, cloneParams(201, { exe: 'bash', args: [], tid: 200, pid: 200, ptid: 100, comm: 'bash', uid: 1000 })),
      event(PPME.SYSCALL_CLONE_20_X, ts(2), 201, cloneParams(0, { exe: 'bash', args: [], tid: 201, pid: 201, ptid: 200, comm: 'bash', uid: 1000 })),
      event(PPME.SYSCALL_EXECVE_19_E, ts(3), 201, ['/usr/bin/curl']),
      event(PPME.SYSCALL_EXECVE_19_X, ts(4), 201, execParams({ exe: 'curl', args: ['-s', 'http://x'], tid: 201, pid: 201, ptid: 200, comm: 'curl' })),
    ];
    const rows = await replay(capture({ ...BASE, events }), [
      'proc.name',
      'proc.pname',
      'proc.aname[3]',
      'proc.cmdline',
      'proc.exepath',
      'proc.args',
      'proc.args[1]',
      'user.name',
      'proc.tty',
      'proc.pid',
      'proc.ppid',
    ]);
    const exec = rowsOf(rows, 'execve')[0]!;
    expect(exec).toMatchObject({
      'proc.name': 'curl',
      'proc.pname': 'bash',
      'proc.aname[3]': 'systemd',
      'proc.cmdline': 'curl -s http://x',
      'proc.exepath': '/usr/bin/curl',
      'proc.args': '-s http://x',
      'proc.args[1]': 'http://x',
      'user.name': 'alice',
      'proc.tty': 34816,
      'proc.pid': 201,
      'proc.ppid': 200,
    });
    // The execve enter event reaches the rules too, with the thread as it was before the exec.
    expect(rowsOf(rows, 'execve', '>')[0]).toMatchObject({ 'proc.name': 'bash' });
  });

  it('gives an unknown thread a placeholder with <NA> names and no parent', async () => {
    const rows = await replay(capture({ ...BASE, events: [event(PPME.SYSCALL_GETCWD_X, ts(1), 999, [0, '/'])] }), [
      'proc.name',
      'proc.pname',
      'proc.pid',
      'user.uid',
      'user.name',
    ]);
    expect(rows[0]).toMatchObject({ 'proc.name': '<NA>', 'proc.pname': undefined, 'proc.pid': -1, 'user.uid': 4294967295, 'user.name': '<NA>' });
  });

  it('removes an exited thread after its procexit event and reparents its children', async () => {
    const events = [
      event(PPME.PROCEXIT_1_E, ts(1), 100, [0, 0, 0, 0, 1]),
      event(PPME.SYSCALL_GETCWD_X, ts(2), 100, [0, '/']),
      event(PPME.SYSCALL_GETCWD_X, ts(3), 200, [0, '/']),
    ];
    const rows = await replay(capture({ ...BASE, events }), ['proc.name', 'proc.pname']);
    expect(rows[0]).toMatchObject({ 'evt.type': 'procexit', 'proc.name': 'sshd' });
    expect(rows[1]).toMatchObject({ 'proc.name': '<NA>' });
    expect(rows[2]).toMatchObject({ 'proc.name': 'bash', 'proc.pname': 'systemd' });
  });

  it('derives container ids from cgroups and metadata from container events', async () => {
    const id = 'a'.repeat(64);
    const json = JSON.stringify({ container: { id: id.slice(0, 12), name: 'web', image: 'nginx:1.25', imagerepo: 'nginx', imagetag: '1.25', privileged: true } });
    const events = [
      event(PPME.CONTAINER_JSON_2_E, ts(1), -1, [json]),
      event(PPME.SYSCALL_GETCWD_X, ts(2), 300, [0, '/']),
      event(PPME.SYSCALL_GETCWD_X, ts(3), 200, [0, '/']),
    ];
    const procs = [...BASE.procs, { tid: 300, ptid: 1, comm: 'nginx', cgroups: [`cpuset=/docker/${id}`] }];
    const rows = await replay(capture({ ...BASE, procs, events }), [
      'container.id',
      'container.name',
      'container.image.repository',
      'container.image.tag',
      'container.privileged',
    ]);
    expect(rows[0]).toMatchObject({ 'evt.type': 'container', 'container.id': undefined });
    expect(rows[1]).toMatchObject({
      'container.id': 'aaaaaaaaaaaa',
      'container.name': 'web',
      'container.image.repository': 'nginx',
      'container.image.tag': '1.25',
      'container.privileged': true,
    });
    expect(rows[2]).toMatchObject({ 'container.id': 'host', 'container.name': 'host', 'container.image.repository': undefined });
  });
});

describe('file descriptors', () => {
  it('resolves openat paths against the cwd and the directory fd, and renders flags', async () => {
    const O_RDONLY = 1;
    const O_WRONLY = 2;
    const O_CREAT = 4;
    const O_CLOEXEC = 4096;
    const events = [
      event(PPME.SYSCALL_OPENAT_2_X, ts(1), 200, [3, -100, '../bob/.ssh/id_rsa', O_RDONLY | O_CLOEXEC, 0, 0, 0]),
      event(PPME.SYSCALL_OPENAT_2_X, ts(2), 200, [4, 5, 'passwd', O_WRONLY | O_CREAT, 0o644, 0, 0]),
      event(PPME.SYSCALL_OPENAT_2_X, ts(3), 200, [-2, 99, 'x', O_RDONLY, 0, 0, 0]),
      event(PPME.SYSCALL_OPEN_X, ts(4), 200, [-13, '/etc/shadow', O_RDONLY, 0, 0, 0]),
    ];
    const rows = await replay(capture({ ...BASE, fds: [[200, [{ fd: 5, dir: '/etc' }]]], events }), [
      'fd.name',
      'fd.directory',
      'fd.filename',
      'fd.typechar',
      'fd.num',
      'evt.arg.flags',
      'evt.arg.name',
      'evt.rawarg.flags',
      'evt.is_open_read',
      'evt.is_open_write',
      'evt.res',
      'evt.rawres',
    ]);
    expect(rows[0]).toMatchObject({
      'fd.name': '/home/bob/.ssh/id_rsa',
      'fd.directory': '/home/bob/.ssh',
      'fd.filename': 'id_rsa',
      'fd.typechar': 'f',
      'fd.num': 3,
      'evt.arg.flags': 'O_RDONLY|O_CLOEXEC',
      'evt.arg.name': '/home/bob/.ssh/id_rsa',
      'evt.rawarg.flags': O_RDONLY | O_CLOEXEC,
      'evt.is_open_read': true,
      'evt.is_open_write': false,
      'evt.res': 'SUCCESS',
      'evt.rawres': 3,
    });
    expect(rows[1]).toMatchObject({ 'fd.name': '/etc/passwd', 'evt.arg.flags': 'O_CREAT|O_WRONLY', 'evt.is_open_write': true });
    // A failed openat relative to an unknown dirfd: the name comes from the event, prefixed <UNKNOWN>.
    expect(rows[2]).toMatchObject({ 'fd.name': '<UNKNOWN>x', 'fd.typechar': 'f', 'evt.res': 'ENOENT', 'fd.num': -1 });
    // A failed plain open keeps its path; its type char is `o` as in current libsinsp.
    expect(rows[3]).toMatchObject({ 'fd.name': '/etc/shadow', 'fd.typechar': 'o', 'evt.res': 'EACCES', 'fd.filename': undefined });
  });

  it('keeps a closed fd visible to the close event itself, then removes it', async () => {
    const events = [
      event(PPME.SYSCALL_CLOSE_X, ts(1), 200, [0, 7]),
      event(PPME.SYSCALL_READ_X, ts(2), 200, [0, null, 7, 10]),
    ];
    const rows = await replay(capture({ ...BASE, fds: [[200, [{ fd: 7, file: '/var/log/syslog' }]]], events }), ['fd.name', 'fd.num']);
    expect(rows[0]).toMatchObject({ 'evt.type': 'close', 'fd.name': '/var/log/syslog', 'fd.num': 7 });
    expect(rows[1]).toMatchObject({ 'evt.type': 'read', 'fd.name': '', 'fd.num': 7 });
  });

  it('names sockets from connect and accept tuples and knows which end is local', async () => {
    const events = [
      event(PPME.SOCKET_SOCKET_X, ts(1), 200, [3, 2, 1, 0, 0]),
      event(PPME.SOCKET_CONNECT_E, ts(2), 200, [3, addr4([93, 184, 216, 34], 443)]),
      event(PPME.SOCKET_CONNECT_X, ts(3), 200, [0, tuple4([10, 0, 0, 5], 51000, [93, 184, 216, 34], 443), 3, addr4([93, 184, 216, 34], 443)]),
      event(PPME.SOCKET_ACCEPT4_6_X, ts(4), 100, [4, tuple4([203, 0, 113, 9], 40000, [10, 0, 0, 5], 22), 0, 0, 128, 0]),
    ];
    const rows = await replay(capture({ ...BASE, events }), [
      'fd.name',
      'fd.typechar',
      'fd.l4proto',
      'fd.sip',
      'fd.sport',
      'fd.cip',
      'fd.rip',
      'fd.lport',
      'fd.rport',
      'fd.is_server',
      'evt.arg.fd',
    ]);
    expect(rows[0]).toMatchObject({ 'evt.type': 'socket', 'fd.typechar': '4', 'fd.l4proto': 'tcp', 'fd.name': '' });
    expect(rowsOf(rows, 'connect')[0]).toMatchObject({
      'fd.name': '10.0.0.5:51000->93.184.216.34:443',
      'fd.sip': '93.184.216.34',
      'fd.sport': 443,
      'fd.cip': '10.0.0.5',
      'fd.rip': '93.184.216.34',
      'fd.lport': 51000,
      'fd.rport': 443,
      'fd.is_server': false,
      'evt.arg.fd': '<4t>10.0.0.5:51000->93.184.216.34:443',
    });
    expect(rowsOf(rows, 'accept4')[0]).toMatchObject({
      'fd.name': '203.0.113.9:40000->10.0.0.5:22',
      'fd.sip': '10.0.0.5',
      'fd.rip': '203.0.113.9',
      'fd.lport': 22,
      'fd.is_server': true,
    });
  });

  it('shares fds between a process and its threads, copies them to a child process, and duplicates them', async () => {
    const CLONE_THREAD = 0x2000;
    const CLONE_FILES = 0x1;
    const events = [
      event(PPME.SYSCALL_CLONE_20_X, ts(1), 200, cloneParams(210, { exe: 'bash', args: [], tid: 200, pid: 200, ptid: 100, comm: 'bash', flags: CLONE_THREAD | CLONE_FILES })),
      event(PPME.SYSCALL_DUP2_X, ts(2), 210, [9, 3, 9]),
      event(PPME.SYSCALL_READ_X, ts(3), 200, [1, null, 9, 1]),
      event(PPME.SYSCALL_CLONE_20_X, ts(4), 200, cloneParams(220, { exe: 'bash', args: [], tid: 200, pid: 200, ptid: 100, comm: 'bash' })),
      event(PPME.SYSCALL_READ_X, ts(5), 220, [1, null, 9, 1]),
    ];
    const rows = await replay(capture({ ...BASE, fds: [[200, [{ fd: 3, file: '/tmp/data' }]]], events }), ['fd.name', 'proc.pname', 'thread.tid', 'proc.pid']);
    expect(rowsOf(rows, 'dup2')[0]).toMatchObject({ 'fd.name': '/tmp/data', 'thread.tid': 210, 'proc.pid': 200, 'proc.pname': 'sshd' });
    expect(rowsOf(rows, 'read')[0]).toMatchObject({ 'fd.name': '/tmp/data', 'thread.tid': 200 });
    expect(rowsOf(rows, 'read')[1]).toMatchObject({ 'fd.name': '/tmp/data', 'thread.tid': 220, 'proc.pname': 'bash' });
  });
});

describe('thread lookup cache', () => {
  it('answers for tids sharing a cache slot, and forgets removed and replaced threads', async () => {
    const { CaptureState } = await import('../../../capture/scap/state/state.js');
    const st = new CaptureState();
    // 7, 263 and 519 share a slot of the 256-slot cache.
    expect(st.thread(7)).toBeUndefined();
    const a = st.createPlaceholder(7);
    expect(st.thread(7)).toBe(a);
    expect(st.thread(263)).toBeUndefined();
    const b = st.createPlaceholder(263);
    expect(st.thread(263)).toBe(b);
    expect(st.thread(7)).toBe(a);
    expect(st.thread(519)).toBeUndefined();
    st.removeThread(7);
    expect(st.thread(7)).toBeUndefined();
    expect(st.thread(263)).toBe(b);
    const c = st.createPlaceholder(7);
    expect(st.thread(7)).toBe(c);
    expect(st.thread(-1)).toBeUndefined();
    st.reset();
    expect(st.thread(263)).toBeUndefined();
    expect(st.threads.size).toBe(0);
  });
});
