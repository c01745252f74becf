// execve/execveat exits (FORMAT.md §16.2): the new program's name, arguments, environment, exe path,
// credentials and flags; close-on-exec descriptors close and the other threads of the group go away.

import type { ScapEvent } from '../event.js';
import { PPM } from '../tables/defines.js';
import { PPME } from '../tables/events.js';
import { dirfdBase } from './files.js';
import type { EventParser } from './parse.js';
import { concatenatePaths, stripDeleted } from './paths.js';
import { cwdOf, takeLimitsAndCgroups } from './process.js';
import type { ThreadInfo } from './thread.js';

export function parseExecve(p: EventParser, ev: ScapEvent): void {
  const res = ev.int(0);
  if (res === undefined || res < 0) return;
  const t = ev.thread;
  if (t === undefined) return;
  const st = p.state;
  if (t.dead) {
    t.dead = false;
    if (t.group !== null) t.group.alive++;
  }
  t.exe = ev.str(1) ?? '';
  t.lastExecTs = ev.tsApprox;
  t.comm = ev.has(13) ? (ev.str(13) ?? '') : t.exe;
  t.args = ev.strList(2);
  t.pid = ev.int(4) ?? t.pid;
  if (t.isInvalid()) {
    t.ptid = ev.int(5) ?? -1;
    if ((t.flags & PPM.CL_CHILD_IN_PIDNS) === 0) {
      t.vtid = t.tid;
      t.vpid = t.pid;
    }
    st.createDependencies(t);
  }
  takeLimitsAndCgroups(p, ev, t);
  if (ev.has(15)) t.env = ev.strList(15);
  if (ev.has(16)) t.tty = ev.uint(16)!;
  if (ev.has(27)) {
    t.exepath = stripDeleted(ev.str(27) ?? '');
  } else {
    const enter = p.enterFor(ev);
    if (enter !== null) t.exepath = exepathFromEnter(p, ev, t, enter);
  }
  if (ev.has(17)) t.vpgid = ev.int(17)!;
  if (ev.has(18)) t.loginuid = ev.uint(18)!;
  if (ev.has(19)) {
    const f = ev.uint(19)!;
    t.exeWritable = (f & PPM.EXE_WRITABLE) !== 0;
    t.exeUpperLayer = (f & PPM.EXE_UPPER_LAYER) !== 0;
    t.exeFromMemfd = (f & PPM.EXE_FROM_MEMFD) !== 0;
    t.exeLowerLayer = (f & PPM.EXE_LOWER_LAYER) !== 0;
  }
  if (ev.has(22)) {
    t.capInheritable = ev.u64Big(20) ?? 0n;
    t.capPermitted = ev.u64Big(21) ?? 0n;
    t.capEffective = ev.u64Big(22) ?? 0n;
  }
  if (ev.has(25)) {
    t.exeIno = ev.u64Big(23) ?? 0n;
    t.exeInoCtime = ev.u64Big(24) ?? 0n;
    t.exeInoMtime = ev.u64Big(25) ?? 0n;
    if (t.cloneTsBig !== 0n) t.exeInoCtimeDurationCloneTs = t.cloneTsBig - t.exeInoCtime;
    if (t.pidnsInitStartTs !== 0n && t.exeInoCtime > t.pidnsInitStartTs) {
      t.exeInoCtimeDurationPidnsStart = t.exeInoCtime - t.pidnsInitStartTs;
    }
  }
  if (ev.has(26)) t.uid = ev.uint(26)!;
  t.pgid = ev.has(28) ? ev.int(28)! : -1;
  if (ev.has(29)) t.gid = ev.uint(29)!;

  // execve closes the close-on-exec descriptors.
  const table = st.fdTable(t);
  for (const [fd, info] of table) if (isCloseOnExec(info.type, info.openFlags)) table.delete(fd);

  const keep = t.flags & (PPM.CL_PIPE_SRC | PPM.CL_PIPE_DST | PPM.CL_IS_MAIN_THREAD);
  const inverted = t.flags & PPM.CL_CLONE_INVERTED;
  t.flags = (PPM.CL_ACTIVE | keep | inverted | PPM.CL_NAME_CHANGED) >>> 0;

  // The other threads of the group are gone after a successful execve.
  if (t.group !== null && t.group.alive > 1) {
    for (const other of [...t.group.threads]) {
      if (other === t || other.isMain()) continue;
      st.removeThread(other.tid);
    }
  }
}

const EPOLL_CLOEXEC = 1 << 0;
const MFD_CLOEXEC = 1 << 0;

function isCloseOnExec(type: number, flags: number): boolean {
  if (flags & PPM.O_CLOEXEC) return true;
  if (type === 12 /* EVENTPOLL */ && flags & EPOLL_CLOEXEC) return true;
  if (type === 20 /* MEMFD */ && flags & MFD_CLOEXEC) return true;
  return false;
}

function exepathFromEnter(p: EventParser, ev: ScapEvent, t: ThreadInfo, enter: ScapEvent): string {
  if (enter.type === PPME.SYSCALL_EXECVE_19_E) {
    const filename = enter.str(0) ?? '<NA>';
    if (filename === '<NA>') return '<NA>';
    return concatenatePaths(cwdOf(p, t), filename);
  }
  // execveat: dirfd (0), pathname (1), flags (2)
  const dirfd = enter.int(0) ?? -1;
  const flags = enter.uint(2) ?? 0;
  const pathname = enter.str(1) ?? '<NA>';
  const sdir = dirfdBase(p, ev, pathname, dirfd);
  if (sdir !== '.' && sdir !== '<UNKNOWN>') ev.fd = p.state.getFd(t, dirfd);
  const emptyPath = (flags & PPM.EXVAT_AT_EMPTY_PATH) !== 0;
  if ((!emptyPath && pathname === '<NA>') || sdir === '<UNKNOWN>') return '<NA>';
  if (emptyPath) return concatenatePaths('', sdir);
  return concatenatePaths(sdir, pathname);
}
