// Process state from events: clone/fork/vfork/clone3 and execve/execveat exits, thread exits, user and
// group changes, working directory, root, session, capabilities, limits and memory figures.

import { type ScapEvent, readU32 } from '../event.js';
import { PPM } from '../tables/defines.js';
import { PPME } from '../tables/events.js';
import type { EventParser } from './parse.js';
import { parseExecve } from './exec.js';
import { concatenatePaths, updateCwd } from './paths.js';
import { MAX_CAPS, ThreadInfo } from './thread.js';

const CLONE_STALE_NS = 2_000_000_000;

/** A set*uid call changed the thread's user: remember the one before, for saker.uid_before. */
function setUid(ev: ScapEvent, t: ThreadInfo, uid: number): void {
  t.uidBefore = t.uid;
  t.uidChangedAt = ev.num;
  t.uid = uid;
}

/** Handles the event when it is a process event; returns false otherwise. */
export function parseProcessEvent(p: EventParser, ev: ScapEvent): boolean {
  switch (ev.type) {
    case PPME.SYSCALL_CLONE_20_X:
    case PPME.SYSCALL_FORK_20_X:
    case PPME.SYSCALL_VFORK_20_X:
    case PPME.SYSCALL_CLONE3_X:
      parseClone(p, ev);
      return true;
    case PPME.SYSCALL_EXECVE_19_X:
    case PPME.SYSCALL_EXECVEAT_X:
      parseExecve(p, ev);
      return true;
    case PPME.PROCEXIT_1_E:
      parseThreadExit(p, ev);
      return true;
    case PPME.SYSCALL_SETUID_X:
    case PPME.SYSCALL_SETGID_X:
      if (ev.int(0) === 0 && ev.thread !== undefined && ev.has(1)) {
        if (ev.type === PPME.SYSCALL_SETUID_X) setUid(ev, ev.thread, ev.uint(1)!);
        else ev.thread.gid = ev.uint(1)!;
      }
      return true;
    case PPME.SYSCALL_SETRESUID_X:
    case PPME.SYSCALL_SETREUID_X:
    case PPME.SYSCALL_SETRESGID_X:
    case PPME.SYSCALL_SETREGID_X:
      if (ev.int(0) === 0 && ev.thread !== undefined && ev.has(2)) {
        if (ev.type === PPME.SYSCALL_SETRESUID_X || ev.type === PPME.SYSCALL_SETREUID_X) setUid(ev, ev.thread, ev.uint(2)!);
        else ev.thread.gid = ev.uint(2)!;
      }
      return true;
    case PPME.SYSCALL_SETSID_X: {
      const res = ev.int(0);
      if (res !== undefined && res >= 0 && ev.thread !== undefined) ev.thread.sid = res;
      return true;
    }
    case PPME.SYSCALL_CHDIR_X: {
      const t = ev.thread;
      const res = ev.int(0);
      if (t !== undefined && res !== undefined && res >= 0) setCwd(p, t, ev.str(1) ?? '');
      return true;
    }
    case PPME.SYSCALL_FCHDIR_X: {
      const t = ev.thread;
      const res = ev.int(0);
      if (t !== undefined && ev.fd !== undefined && res !== undefined && res >= 0) setCwd(p, t, ev.fd.name);
      return true;
    }
    case PPME.SYSCALL_GETCWD_X: {
      const t = ev.thread;
      const res = ev.int(0);
      if (t !== undefined && res !== undefined && res >= 0) setCwd(p, t, ev.str(1) ?? '');
      return true;
    }
    case PPME.SYSCALL_CHROOT_X: {
      const t = ev.thread;
      if (t !== undefined && ev.int(0) === 0) {
        const path = ev.str(1) ?? '';
        t.root = path.startsWith('/') || path === '<NA>' ? path : concatenatePaths(cwdOf(p, t), path);
      }
      return true;
    }
    case PPME.SYSCALL_CAPSET_X: {
      const t = ev.thread;
      const res = ev.int(0);
      if (t !== undefined && res !== undefined && res >= 0) {
        t.capInheritable = ev.u64Big(1) ?? 0n;
        t.capPermitted = ev.u64Big(2) ?? 0n;
        t.capEffective = ev.u64Big(3) ?? 0n;
      }
      return true;
    }
    case PPME.SYSCALL_UNSHARE_X:
    case PPME.SYSCALL_SETNS_X: {
      const t = ev.thread;
      const res = ev.int(0);
      if (t === undefined || res === undefined || res < 0) return true;
      const flags = (ev.type === PPME.SYSCALL_UNSHARE_X ? ev.uint(1) : ev.uint(2)) ?? 0;
      if (flags & PPM.CL_CLONE_NEWUSER) {
        t.capInheritable = MAX_CAPS;
        t.capPermitted = MAX_CAPS;
        t.capEffective = MAX_CAPS;
      }
      return true;
    }
    case PPME.SYSCALL_PRCTL_X: {
      const t = ev.thread;
      const res = ev.int(0);
      if (t === undefined || res === undefined || res < 0 || t.isInvalid() || t.group === null) return true;
      const option = ev.uint(1);
      if (option === PPM.PR_SET_CHILD_SUBREAPER || option === PPM.PR_GET_CHILD_SUBREAPER) {
        t.group.reaper = (ev.int(3) ?? 0) !== 0;
      }
      return true;
    }
    case PPME.SYSCALL_GETRLIMIT_X:
    case PPME.SYSCALL_SETRLIMIT_X: {
      const t = ev.thread;
      const res = ev.int(0);
      if (t === undefined || res === undefined || res < 0 || ev.uint(3) !== PPM.RLIMIT_NOFILE) return true;
      const cur = ev.int(1);
      const main = p.state.mainThread(t);
      if (cur !== undefined && cur !== -1 && main !== undefined) main.fdlimit = cur;
      return true;
    }
    case PPME.SYSCALL_PRLIMIT_X: {
      if (ev.int(0) !== 0 || !ev.has(6) || ev.uint(6) !== PPM.RLIMIT_NOFILE) return true;
      const cur = ev.int(1);
      if (cur === undefined || cur === -1 || !ev.has(5)) return true;
      let tid = ev.int(5)!;
      if (tid === 0) tid = ev.tid;
      const target = p.state.threads.get(tid);
      if (target === undefined || target.isInvalid()) return true;
      const main = p.state.mainThread(target);
      if (main !== undefined) main.fdlimit = cur;
      return true;
    }
    case PPME.SYSCALL_BRK_4_X:
    case PPME.SYSCALL_MMAP_X:
    case PPME.SYSCALL_MMAP2_X:
    case PPME.SYSCALL_MUNMAP_X: {
      const t = ev.thread;
      if (t === undefined) return true;
      if (ev.has(1)) t.vmsizeKb = ev.uint(1)!;
      if (ev.has(3)) {
        t.vmrssKb = ev.uint(2) ?? 0;
        t.vmswapKb = ev.uint(3)!;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * A context switch (a quarter of a capture's events, nearly always wanted by no rule): the thread's page
 * faults and its process's memory figures (sinsp parse_context_switch). EventParser.parse calls it before
 * any other dispatch; parseProcessEvent never sees these events.
 */
export function parseSwitch(p: EventParser, ev: ScapEvent, t: ThreadInfo): void {
  if (!ev.has(5)) return;
  t.pfmajor = counter(ev, 1);
  t.pfminor = counter(ev, 2);
  const main = p.state.mainThread(t);
  if (main !== undefined) {
    main.vmsizeKb = ev.uint(3) ?? 0;
    main.vmrssKb = ev.uint(4) ?? 0;
    main.vmswapKb = ev.uint(5) ?? 0;
  }
}

/** A 64-bit counter parameter: ev.u64Exact(i) ?? 0, inlined for the switch event's two. */
function counter(ev: ScapEvent, i: number): number | bigint {
  if (ev.paramLen(i) !== 8) return ev.uint(i) ?? 0;
  const b = ev.buf;
  const o = ev.paramOff(i);
  const hi = readU32(b, o + 4);
  return hi < 0x20_0000 ? hi * 0x1_0000_0000 + readU32(b, o) : b.readBigUInt64LE(o);
}

/** cwd lives on the main thread. */
export function cwdOf(p: EventParser, t: ThreadInfo): string {
  return (p.state.mainThread(t) ?? t).cwd;
}

function setCwd(p: EventParser, t: ThreadInfo, path: string): void {
  const main = p.state.mainThread(t) ?? t;
  main.cwd = updateCwd(main.cwd, path);
}

function parseClone(p: EventParser, ev: ScapEvent): void {
  const res = ev.int(0);
  if (res === undefined || res < 0) return;
  if (res === 0) cloneChild(p, ev);
  else cloneCaller(p, ev, res);
}

/** fdlimit, page faults and memory (params 7–12) and cgroups (14): the same in clone and execve exits. */
export function takeLimitsAndCgroups(p: EventParser, ev: ScapEvent, t: ThreadInfo): void {
  t.fdlimit = ev.int(7) ?? 0;
  if (ev.has(12)) {
    t.pfmajor = ev.u64Exact(8) ?? 0;
    t.pfminor = ev.u64Exact(9) ?? 0;
    t.vmsizeKb = ev.uint(10) ?? 0;
    t.vmrssKb = ev.uint(11) ?? 0;
    t.vmswapKb = ev.uint(12) ?? 0;
  }
  if (ev.has(14)) p.state.setCgroups(t, ev.buf, ev.paramOff(14), ev.paramOff(14) + ev.paramLen(14));
}

/** Fields both sides of a clone take from the event. */
function fillFromCloneEvent(p: EventParser, ev: ScapEvent, child: ThreadInfo): void {
  child.exe = ev.str(1) ?? '';
  child.args = ev.strList(2);
  child.comm = ev.has(13) ? (ev.str(13) ?? '') : child.exe;
  takeLimitsAndCgroups(p, ev, child);
  child.uid = ev.uint(16) ?? 0;
  child.gid = ev.uint(17) ?? 0;
  child.cloneTs = ev.tsApprox;
  child.cloneTsBig = ev.ts;
}

/** What a new thread inherits from the thread it is created from. */
function inherit(child: ThreadInfo, from: ThreadInfo): void {
  child.exepath = from.exepath;
  child.exeWritable = from.exeWritable;
  child.exeUpperLayer = from.exeUpperLayer;
  child.exeLowerLayer = from.exeLowerLayer;
  child.exeFromMemfd = from.exeFromMemfd;
  child.root = from.root;
  child.sid = from.sid;
  child.vpgid = from.vpgid;
  child.pgid = from.pgid;
  child.tty = from.tty;
  child.loginuid = from.loginuid;
  child.capPermitted = from.capPermitted;
  child.capInheritable = from.capInheritable;
  child.capEffective = from.capEffective;
  child.exeIno = from.exeIno;
  child.exeInoCtime = from.exeInoCtime;
  child.exeInoMtime = from.exeInoMtime;
  child.exeInoCtimeDurationCloneTs = from.exeInoCtimeDurationCloneTs;
}

/** A new process gets a copy of the fd table, the cwd and the env of the one it is created from. */
function copyProcessData(p: EventParser, child: ThreadInfo, from: ThreadInfo): void {
  const table = new Map();
  for (const [fd, info] of p.state.fdTable(from)) table.set(fd, info.clone());
  child.ownFds = table;
  const main = p.state.mainThread(from) ?? from;
  child.cwd = main.cwd;
  child.shareEnv(main);
}

function cloneChild(p: EventParser, ev: ScapEvent): void {
  const st = p.state;
  const tid = ev.tid;
  const existing = ev.thread;
  if (existing !== undefined && existing.cloneTs !== 0) {
    if (ev.tsApprox - existing.cloneTs < CLONE_STALE_NS) return;
    st.removeThread(tid);
    ev.thread = undefined;
  } else if (existing !== undefined) {
    st.removeThread(tid);
  }
  const child = new ThreadInfo(tid);
  child.pid = ev.int(4) ?? -1;
  child.ptid = ev.int(5) ?? -1;
  if (ev.has(19)) {
    child.vtid = ev.int(18) ?? -1;
    child.vpid = ev.int(19) ?? -1;
  } else {
    child.vtid = tid;
    child.vpid = -1;
  }
  child.flags = ((ev.uint(15) ?? 0) | PPM.CL_CLONE_INVERTED) >>> 0;
  const leader = (child.flags & PPM.CL_CLONE_THREAD) === 0;
  const lookupTid = leader ? child.ptid : child.pid;
  if (!leader) child.flags |= PPM.CL_CLONE_FILES;
  let lookup = st.threads.get(lookupTid);
  if (lookup === undefined) lookup = st.createPlaceholder(lookupTid);
  fillFromCloneEvent(p, ev, child);
  if (!lookup.isInvalid()) {
    inherit(child, lookup);
    if (leader) copyProcessData(p, child, lookup);
    else child.lastExecTs = lookup.lastExecTs;
  } else if (!leader) {
    // The main thread was only a placeholder: what the event says about the group repairs it.
    lookup.pid = child.pid;
    lookup.ptid = child.ptid;
    lookup.vpid = child.vpid;
    lookup.vtid = child.vpid;
    st.createDependencies(lookup);
    lookup.exe = child.exe;
    lookup.comm = child.comm;
    lookup.args = child.args;
  }
  const inNs =
    (child.flags & PPM.CL_CHILD_IN_PIDNS) !== 0 || (child.flags & PPM.CL_CLONE_NEWPID) !== 0 || child.tid !== child.vtid;
  if (inNs) {
    if (ev.has(20)) child.pidnsInitStartTs = (ev.u64Big(20) ?? 0n) + st.bootTs;
  } else {
    child.pidnsInitStartTs = st.bootTs;
  }
  st.addThread(child, true);
  ev.thread = child;
}

function cloneCaller(p: EventParser, ev: ScapEvent, childTid: number): void {
  const st = p.state;
  const callerTid = ev.tid;
  let caller = st.threads.get(callerTid);
  if (caller === undefined) caller = st.createPlaceholder(callerTid);
  let validCaller = true;
  if (caller.isInvalid()) {
    validCaller = false;
    caller.pid = ev.int(4) ?? -1;
    caller.ptid = ev.int(5) ?? -1;
    if (ev.has(19)) {
      caller.vtid = ev.int(18) ?? -1;
      caller.vpid = ev.int(19) ?? -1;
    } else {
      caller.vtid = callerTid;
      caller.vpid = -1;
    }
    st.createDependencies(caller);
  }
  ev.thread = caller;
  const flags = ev.uint(15) ?? 0;
  if (
    flags & PPM.CL_CHILD_IN_PIDNS ||
    flags & PPM.CL_CLONE_NEWPID ||
    flags & PPM.CL_CLONE_PARENT ||
    callerTid !== caller.vtid
  ) {
    return;
  }
  if (flags & PPM.CL_CLONE_VFORK || ev.type === PPME.SYSCALL_VFORK_20_X) return;
  const existing = st.threads.get(childTid);
  if (existing !== undefined) {
    if (existing.flags & PPM.CL_CLONE_INVERTED) return;
    st.removeThread(childTid);
  }
  const child = new ThreadInfo(childTid);
  child.flags = flags;
  if ((flags & PPM.CL_CLONE_THREAD) === 0) {
    if (validCaller) copyProcessData(p, child, caller);
    child.pid = childTid;
    child.ptid = caller.tid;
  } else {
    child.pid = caller.pid;
    child.ptid = caller.ptid;
    child.flags |= PPM.CL_CLONE_FILES;
    child.lastExecTs = caller.lastExecTs;
  }
  child.vtid = child.tid;
  child.vpid = child.pid;
  fillFromCloneEvent(p, ev, child);
  child.pidnsInitStartTs = st.bootTs;
  if (validCaller) {
    inherit(child, caller);
  } else {
    caller.exe = child.exe;
    caller.comm = child.comm;
    caller.args = ev.strList(2);
  }
  st.addThread(child, true);
}

function parseThreadExit(p: EventParser, ev: ScapEvent): void {
  const t = ev.thread;
  if (t === undefined) return;
  p.state.markDead(t);
  p.removeThreadLater(ev.tid);
  if (t.children.size === 0) return;
  if (ev.nparams > 4) {
    if (ev.has(4)) t.reaperTid = ev.int(4)!;
  } else {
    t.reaperTid = -1;
  }
}
