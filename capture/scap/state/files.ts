// File descriptors from file-ish syscalls: open/creat/openat/openat2/open_by_handle_at, close, dup*,
// fcntl(F_DUPFD), pipes, eventfd, signalfd, timerfd, inotify, epoll, bpf, userfaultfd, io_uring, memfd,
// pidfd.

import type { ScapEvent } from '../event.js';
import { SCAP_FD } from '../fdlist.js';
import { PPM } from '../tables/defines.js';
import { PPME } from '../tables/events.js';
import { FdInfo } from './fd.js';
import type { EventParser } from './parse.js';
import { concatenatePaths } from './paths.js';
import { cwdOf } from './process.js';

export function parseFileEvent(p: EventParser, ev: ScapEvent): boolean {
  switch (ev.type) {
    case PPME.SYSCALL_OPEN_X:
    case PPME.SYSCALL_CREAT_X:
    case PPME.SYSCALL_OPENAT_2_X:
    case PPME.SYSCALL_OPENAT2_X:
    case PPME.SYSCALL_OPEN_BY_HANDLE_AT_X:
      parseOpen(p, ev);
      return true;
    case PPME.SYSCALL_CLOSE_X: {
      const res = ev.int(0);
      if (res !== undefined && res >= 0 && ev.fd !== undefined && ev.thread !== undefined) {
        p.removeFdLater(ev.thread.tid, ev.thread.lastEventFd);
      }
      return true;
    }
    case PPME.SYSCALL_DUP_1_X:
    case PPME.SYSCALL_DUP2_X:
    case PPME.SYSCALL_DUP3_X:
      parseDup(p, ev);
      return true;
    case PPME.SYSCALL_FCNTL_X: {
      const t = ev.thread;
      const res = ev.int(0);
      const cmd = ev.int(2);
      if (t === undefined || res === undefined || res < 0 || ev.fd === undefined) return true;
      if (cmd === PPM.FCNTL_F_DUPFD || cmd === PPM.FCNTL_F_DUPFD_CLOEXEC) {
        ev.fd = p.state.addFd(t, res, ev.fd.clone());
      }
      return true;
    }
    case PPME.SYSCALL_PIPE_X:
    case PPME.SYSCALL_PIPE2_X: {
      const t = ev.thread;
      const res = ev.int(0);
      if (t === undefined || res === undefined || res < 0) return true;
      const ino = ev.u64Big(3) ?? 0n;
      const flags = ev.type === PPME.SYSCALL_PIPE2_X ? (ev.uint(4) ?? 0) : 0;
      for (const k of [1, 2]) {
        const fd = new FdInfo();
        fd.type = SCAP_FD.FIFO;
        fd.ino = ino;
        fd.openFlags = flags;
        const added = p.state.addFd(t, ev.int(k) ?? -1, fd);
        if (k === 1) ev.fd = added;
      }
      return true;
    }
    case PPME.SYSCALL_EVENTFD_X:
    case PPME.SYSCALL_EVENTFD2_X:
      singleFd(p, ev, SCAP_FD.EVENT, ev.type === PPME.SYSCALL_EVENTFD2_X ? 1 : -1);
      return true;
    case PPME.SYSCALL_SIGNALFD_X:
      singleFd(p, ev, SCAP_FD.SIGNALFD, -1);
      return true;
    case PPME.SYSCALL_SIGNALFD4_X:
      singleFd(p, ev, SCAP_FD.SIGNALFD, 1);
      return true;
    case PPME.SYSCALL_TIMERFD_CREATE_X:
      singleFd(p, ev, SCAP_FD.TIMERFD, -1);
      return true;
    case PPME.SYSCALL_INOTIFY_INIT_X:
      singleFd(p, ev, SCAP_FD.INOTIFY, -1);
      return true;
    case PPME.SYSCALL_INOTIFY_INIT1_X:
      singleFd(p, ev, SCAP_FD.INOTIFY, 1);
      return true;
    case PPME.SYSCALL_BPF_2_X:
      singleFd(p, ev, SCAP_FD.BPF, -1);
      return true;
    case PPME.SYSCALL_USERFAULTFD_X:
      singleFd(p, ev, SCAP_FD.USERFAULTFD, -1);
      return true;
    case PPME.SYSCALL_IO_URING_SETUP_X:
      singleFd(p, ev, SCAP_FD.IOURING, -1);
      return true;
    case PPME.SYSCALL_EPOLL_CREATE_X:
    case PPME.SYSCALL_EPOLL_CREATE1_X:
      singleFd(p, ev, SCAP_FD.EVENTPOLL, -1);
      return true;
    case PPME.SYSCALL_MEMFD_CREATE_X: {
      const t = ev.thread;
      if (t === undefined) return true;
      const res = ev.int(0) ?? -1;
      const fd = new FdInfo();
      if (res >= 0) {
        fd.type = SCAP_FD.MEMFD;
        fd.name = ev.str(1) ?? '';
        fd.openFlags = ev.uint(2) ?? 0;
      }
      ev.fd = p.state.addFd(t, res, fd);
      return true;
    }
    case PPME.SYSCALL_PIDFD_OPEN_X: {
      const t = ev.thread;
      const res = ev.int(0);
      if (t === undefined || res === undefined || res < 0) return true;
      const fd = new FdInfo();
      fd.type = SCAP_FD.PIDFD;
      fd.name = `/proc/${ev.int(1) ?? 0}`;
      fd.openFlags = ev.uint(2) ?? 0;
      ev.fd = p.state.addFd(t, res, fd);
      return true;
    }
    case PPME.SYSCALL_PIDFD_GETFD_X: {
      const t = ev.thread;
      const res = ev.int(0);
      if (t === undefined || res === undefined || res < 0) return true;
      const owner = p.state.threads.get(ev.int(1) ?? -1);
      if (owner === undefined) return true;
      const target = p.state.getFd(owner, ev.int(2) ?? -1);
      if (target === undefined) return true;
      ev.fd = p.state.addFd(t, res, target.clone());
      return true;
    }
    default:
      return false;
  }
}

function singleFd(p: EventParser, ev: ScapEvent, type: number, flagsParam: number): void {
  const t = ev.thread;
  const res = ev.int(0);
  if (t === undefined || res === undefined || res < 0) return;
  const fd = new FdInfo();
  fd.type = type;
  if (flagsParam >= 0) fd.openFlags = ev.uint(flagsParam) ?? 0;
  ev.fd = p.state.addFd(t, res, fd);
}

/**
 * The directory a *at() path is relative to (sinsp parse_dirfd): `.` for absolute paths, the cwd for
 * AT_FDCWD, the dirfd's name with a trailing `/`, or `<UNKNOWN>`.
 */
export function dirfdBase(p: EventParser, ev: ScapEvent, name: string, dirfd: number): string {
  if (name.length > 0 && name.charCodeAt(0) === 47) return '.';
  const t = ev.thread;
  if (t === undefined) return '<UNKNOWN>';
  if (dirfd === PPM.AT_FDCWD) return cwdOf(p, t);
  const fd = p.state.getFd(t, dirfd);
  if (fd === undefined) return '<UNKNOWN>';
  if (fd.name === '' || fd.name.endsWith('/')) return fd.name;
  return fd.name + '/';
}

/** Flags bits the exit probe adds to an open (created, overlay layers) survive the enter's flags. */
const EXIT_ADDED_FLAGS_MASK = ~(PPM.O_F_CREATED - 1) >>> 0;

function parseOpen(p: EventParser, ev: ScapEvent): void {
  const t = ev.thread;
  if (t === undefined) return;
  const type = ev.type;
  const enter = type === PPME.SYSCALL_OPEN_BY_HANDLE_AT_X ? null : p.enterFor(ev);
  const res = ev.int(0) ?? -1;
  let name: string;
  let flags = 0;
  let dev = 0;
  let ino = 0n;
  let sdir = '';
  if (type === PPME.SYSCALL_OPEN_X) {
    name = ev.str(1) ?? '<NA>';
    flags = ev.uint(2) ?? 0;
    if (ev.has(4)) {
      dev = ev.uint(4)!;
      if (ev.has(5)) ino = ev.u64Big(5)!;
    }
    if (enter !== null) {
      const en = enter.str(0);
      if (en !== undefined && en !== '<NA>') {
        name = en;
        flags = ((enter.uint(1) ?? 0) | (flags & EXIT_ADDED_FLAGS_MASK)) >>> 0;
      }
    }
    sdir = cwdOf(p, t);
  } else if (type === PPME.SYSCALL_CREAT_X) {
    name = ev.str(1) ?? '<NA>';
    if (ev.has(3)) {
      dev = ev.uint(3)!;
      if (ev.has(4)) {
        ino = ev.u64Big(4)!;
        if (ev.has(5)) {
          const cf = ev.uint(5)!;
          if (cf & PPM.FD_UPPER_LAYER_CREAT) flags |= PPM.FD_UPPER_LAYER;
          else if (cf & PPM.FD_LOWER_LAYER_CREAT) flags |= PPM.FD_LOWER_LAYER;
        }
      }
    }
    if (enter !== null) {
      const en = enter.str(0);
      if (en !== undefined && en !== '<NA>') name = en;
    }
    sdir = cwdOf(p, t);
  } else if (type === PPME.SYSCALL_OPENAT_2_X || type === PPME.SYSCALL_OPENAT2_X) {
    name = ev.has(2) ? (ev.str(2) ?? '<NA>') : '<NA>';
    if (ev.has(3)) flags = ev.uint(3)!;
    const devIdx = type === PPME.SYSCALL_OPENAT_2_X ? 5 : 6;
    if (ev.has(devIdx + 1)) {
      dev = ev.uint(devIdx) ?? 0;
      ino = ev.u64Big(devIdx + 1)!;
    }
    let dirfdSrc: ScapEvent = ev;
    let dirfdIdx = 1;
    if (enter !== null) {
      const en = enter.str(1);
      if (en !== undefined && en !== '<NA>') {
        name = en;
        flags = ((enter.uint(2) ?? 0) | (flags & EXIT_ADDED_FLAGS_MASK)) >>> 0;
        dirfdSrc = enter;
        dirfdIdx = 0;
      }
    }
    if (dirfdSrc.has(dirfdIdx)) sdir = dirfdBase(p, ev, name, dirfdSrc.int(dirfdIdx)!);
  } else {
    flags = ev.uint(2) ?? 0;
    name = ev.str(3) ?? '<NA>';
    if (ev.nparams > 4) {
      dev = ev.uint(4) ?? 0;
      if (ev.nparams > 5) ino = ev.u64Big(5) ?? 0n;
    }
  }
  const full = concatenatePaths(sdir, name);
  if (res >= 0) {
    const fd = new FdInfo();
    fd.type = flags & PPM.O_DIRECTORY ? SCAP_FD.DIRECTORY : SCAP_FD.FILE_V2;
    fd.openFlags = flags;
    fd.dev = dev;
    fd.ino = ino;
    fd.nameRaw = name;
    fd.name = full;
    ev.fd = p.state.addFd(t, res, fd);
  }
}

function parseDup(p: EventParser, ev: ScapEvent): void {
  const t = ev.thread;
  if (t === undefined) return;
  const res = ev.int(0);
  if (res === undefined || res < 0) return;
  if (res === 0) t.flags |= PPM.CL_PIPE_DST;
  if (res === 1) t.flags |= PPM.CL_PIPE_SRC;
  const old = ev.fd;
  if (old === undefined) return;
  // The new descriptor never inherits close-on-exec, unless dup3 asks for it.
  const copy = old.clone();
  copy.openFlags &= ~PPM.O_CLOEXEC;
  if (ev.type === PPME.SYSCALL_DUP3_X) copy.openFlags |= ev.uint(3) ?? 0;
  ev.fd = p.state.addFd(t, res, copy);
}
