// `proc.*`, `thread.*`, `user.*`, `group.*`: the process behind an event, its ancestors and its user.

import type { ScapEvent } from '../event.js';
import { fdTypeString } from '../state/fd.js';
import type { CaptureState } from '../state/state.js';
import { type ThreadInfo, UID_NONE } from '../state/thread.js';
import { PPM } from '../tables/defines.js';
import { type FieldValue, indexArg, plain, type SyscallExtractors, withArg } from './common.js';

type T = ThreadInfo;

/** Values outside [-1, 2^32-1] are not real ids (gVisor and friends): sinsp hides them. */
function xid(v: number): number | undefined {
  return v >= -1 && v <= 0xffffffff ? v : undefined;
}

/** proc.cmdline: comm followed by the arguments; cached per thread until comm or args change. */
const cmdlineCache = new WeakMap<T, { comm: string; args: string[]; text: string }>();
export function cmdline(t: T): string {
  const c = cmdlineCache.get(t);
  if (c !== undefined && c.comm === t.comm && c.args === t.args) return c.text;
  let text = t.comm;
  for (const a of t.args) text += ' ' + a;
  cmdlineCache.set(t, { comm: t.comm, args: t.args, text });
  return text;
}

function argsText(t: T): string {
  return t.args.join(' ');
}

function envText(st: CaptureState, t: T): string {
  return (st.mainThread(t) ?? t).env.join(' ');
}

function envValue(st: CaptureState, t: T, key: string): string {
  const prefix = key + '=';
  for (const e of (st.mainThread(t) ?? t).env) if (e.startsWith(prefix)) return e.slice(prefix.length);
  return '';
}

/** Capability names of a capability set, in bit order. */
const CAP_NAMES: Array<[bigint, string]> = Object.entries(PPM)
  .filter(([k]) => k.startsWith('CAP_'))
  .map(([k, v]) => [BigInt(v), k] as [bigint, string])
  .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

export function capsText(caps: bigint): string {
  const out: string[] = [];
  for (const [bit, name] of CAP_NAMES) if ((caps & bit) !== 0n) out.push(name);
  return out.join(' ');
}

/** A field of the event's thread; missing when the event has none. */
function thread(fn: (t: T, st: CaptureState, ev: ScapEvent) => FieldValue | undefined) {
  return plain((ev) => {
    const t = ev.thread;
    const st = ev.state;
    return t === undefined || st === undefined ? undefined : fn(t, st, ev);
  });
}

/** A field of the parent process. */
function parent(fn: (p: T, st: CaptureState, ev: ScapEvent) => FieldValue | undefined) {
  return thread((t, st, ev) => {
    const p = st.parentProcess(t);
    return p === undefined ? undefined : fn(p, st, ev);
  });
}

/**
 * proc.aname[N] and friends: N = 0 is the process itself, 1 its parent… Without N the field stands for
 * every ancestor (parent upwards): the value is the list of them, and a comparison holds when it holds
 * for one of them (sinsp's compare_full_aname).
 */
function ancestors(fn: (a: T, st: CaptureState) => FieldValue | undefined) {
  return (arg: string | undefined) => {
    if (arg === undefined) {
      return (ev: ScapEvent) => {
        const t = ev.thread;
        const st = ev.state;
        if (t === undefined || st === undefined) return undefined;
        const out: FieldValue[] = [];
        st.forEachAncestor(t, (a) => {
          const v = fn(a, st);
          if (v !== undefined) out.push(v);
          return true;
        });
        return out.length > 0 ? out : undefined;
      };
    }
    const n = indexArg(arg);
    return (ev: ScapEvent) => {
      const t = ev.thread;
      const st = ev.state;
      if (t === undefined || st === undefined) return undefined;
      const a = st.ancestor(t, n);
      return a === undefined ? undefined : fn(a, st);
    };
  };
}

/** The leader of a session/process group: the thread of that id, or the highest ancestor sharing it. */
function leader(st: CaptureState, t: T, id: number, get: (x: T) => number): T {
  if (!t.inPidNamespace()) {
    const l = st.threads.get(id);
    if (l !== undefined) return l;
  }
  let found = t;
  st.forEachAncestor(t, (a) => {
    if (get(a) !== id) return false;
    found = a;
    return true;
  });
  return found;
}

function durationSince(ev: ScapEvent, ts: bigint): bigint | undefined {
  return ts === 0n ? undefined : ev.ts - ts;
}

function stdio(fd: number, what: 'type' | 'name') {
  return thread((t, st) => {
    const info = st.getFd(t, fd);
    if (info === undefined) return undefined;
    return what === 'type' ? fdTypeString(info.type) : info.name;
  });
}

export const PROC_FIELDS: SyscallExtractors = {
  'proc.exe': thread((t) => t.exe),
  'proc.pexe': parent((p) => p.exe),
  'proc.aexe': ancestors((a) => a.exe),
  'proc.exepath': thread((t) => t.exepath),
  'proc.pexepath': parent((p) => p.exepath),
  'proc.aexepath': ancestors((a) => a.exepath),
  'proc.name': thread((t) => t.comm),
  'proc.pname': parent((p) => p.comm),
  'proc.aname': ancestors((a) => a.comm),
  'proc.args': (arg) => {
    if (arg === undefined) return thread(argsText)(undefined);
    const n = indexArg(arg);
    return thread((t) => t.args[n] ?? '')(undefined);
  },
  'proc.aargs': ancestors((a) => argsText(a)),
  'proc.cmdline': thread(cmdline),
  'proc.pcmdline': parent(cmdline),
  'proc.acmdline': ancestors(cmdline),
  'proc.cmdnargs': thread((t) => t.args.length),
  'proc.cmdlenargs': thread((t) => t.args.reduce((n, a) => n + a.length, 0)),
  'proc.exeline': thread((t) => `${t.exe} ${argsText(t)}`),
  'proc.env': (arg) => {
    if (arg === undefined) return thread((t, st) => envText(st, t))(undefined);
    return thread((t, st) => envValue(st, t, arg))(undefined);
  },
  'proc.aenv': (arg) => {
    if (arg === undefined || arg === '0') return thread((t, st) => envText(st, t))(undefined);
    if (/^\d+$/.test(arg)) {
      const n = Number(arg);
      return thread((t, st) => {
        const a = st.ancestor(t, n);
        return a === undefined ? undefined : envText(st, a);
      })(undefined);
    }
    return thread((t, st) => {
      let value = '';
      let cur: T | undefined = st.mainThread(t);
      for (let j = 0; j < 20 && cur !== undefined; j++) {
        cur = st.parentProcess(cur);
        if (cur === undefined) break;
        value = envValue(st, cur, arg);
        if (value !== '') break;
      }
      return value;
    })(undefined);
  },
  'proc.cwd': thread((t, st) => (st.mainThread(t) ?? t).cwd),
  'proc.loginshellid': thread((t, st) => {
    const main = st.mainThread(t);
    if (main === undefined) return undefined;
    let res: number | undefined;
    const check = (x: T): boolean => {
      if (x.comm.endsWith('sh')) res = x.pid;
      return true;
    };
    check(main);
    st.forEachAncestor(main, check);
    return res;
  }),
  'proc.tty': thread((t) => t.tty),
  'proc.pid': thread((t) => xid(t.pid)),
  'proc.ppid': thread((t, st) => {
    const main = st.mainThread(t);
    return main === undefined ? undefined : xid(main.ptid);
  }),
  'proc.apid': ancestors((a) => xid(a.pid)),
  'proc.vpid': thread((t) => (t.vpid === -1 ? undefined : t.vpid)),
  'proc.pvpid': parent((p) => p.vpid),
  'proc.sid': thread((t) => t.sid),
  'proc.sname': thread((t, st) => leader(st, t, t.sid, (x) => x.sid).comm),
  'proc.sid.exe': thread((t, st) => leader(st, t, t.sid, (x) => x.sid).exe),
  'proc.sid.exepath': thread((t, st) => leader(st, t, t.sid, (x) => x.sid).exepath),
  'proc.vpgid': thread((t) => t.vpgid),
  'proc.vpgid.name': thread((t, st) => leader(st, t, t.vpgid, (x) => x.vpgid).comm),
  'proc.vpgid.exe': thread((t, st) => leader(st, t, t.vpgid, (x) => x.vpgid).exe),
  'proc.vpgid.exepath': thread((t, st) => leader(st, t, t.vpgid, (x) => x.vpgid).exepath),
  'proc.pgid': thread((t) => t.pgid),
  'proc.pgid.name': thread((t, st) => leader(st, t, t.pgid, (x) => x.pgid).comm),
  'proc.pgid.exe': thread((t, st) => leader(st, t, t.pgid, (x) => x.pgid).exe),
  'proc.pgid.exepath': thread((t, st) => leader(st, t, t.pgid, (x) => x.pgid).exepath),
  'proc.duration': thread((t, _st, ev) => durationSince(ev, t.cloneTsBig)),
  'proc.ppid.duration': parent((p, _st, ev) => durationSince(ev, p.cloneTsBig)),
  'proc.pid.ts': thread((t) => (t.cloneTsBig === 0n ? undefined : t.cloneTsBig)),
  'proc.ppid.ts': parent((p) => p.cloneTsBig),
  'proc.is_exe_writable': thread((t) => t.exeWritable),
  'proc.is_exe_upper_layer': thread((t) => t.exeUpperLayer),
  'proc.is_exe_lower_layer': thread((t) => t.exeLowerLayer),
  'proc.is_exe_from_memfd': thread((t) => t.exeFromMemfd),
  'proc.is_sid_leader': thread((t) => t.sid === t.vpid),
  'proc.is_vpgid_leader': thread((t) => t.vpgid === t.vpid),
  'proc.is_pgid_leader': thread((t) => t.pgid === t.pid),
  'proc.exe_ino': thread((t) => (t.exeIno === 0n ? undefined : t.exeIno)),
  'proc.exe_ino.ctime': thread((t) => (t.exeInoCtime === 0n ? undefined : t.exeInoCtime)),
  'proc.exe_ino.mtime': thread((t) => (t.exeInoMtime === 0n ? undefined : t.exeInoMtime)),
  'proc.exe_ino.ctime_duration_proc_start': thread((t) =>
    t.exeInoCtimeDurationCloneTs === 0n ? undefined : t.exeInoCtimeDurationCloneTs,
  ),
  'proc.exe_ino.ctime_duration_pidns_start': thread((t) =>
    t.exeInoCtimeDurationPidnsStart === 0n ? undefined : t.exeInoCtimeDurationPidnsStart,
  ),
  'proc.pidns_init_start_ts': thread((t) => (t.pidnsInitStartTs === 0n ? undefined : t.pidnsInitStartTs)),
  'thread.cap_permitted': thread((t) => capsText(t.capPermitted)),
  'thread.cap_inheritable': thread((t) => capsText(t.capInheritable)),
  'thread.cap_effective': thread((t) => capsText(t.capEffective)),
  'proc.fdopencount': thread((t, st) => st.fdTable(t).size),
  'proc.fdlimit': thread((t, st) => (st.mainThread(t) ?? t).fdlimit),
  'proc.fdusage': thread((t, st) => {
    const limit = (st.mainThread(t) ?? t).fdlimit;
    return limit > 0 ? (st.fdTable(t).size * 100) / limit : undefined;
  }),
  'proc.vmsize': thread((t) => t.vmsizeKb),
  'proc.vmrss': thread((t) => t.vmrssKb),
  'proc.vmswap': thread((t) => t.vmswapKb),
  'thread.pfmajor': thread((t) => BigInt(t.pfmajor)),
  'thread.pfminor': thread((t) => BigInt(t.pfminor)),
  'thread.tid': plain((ev) => (ev.thread === undefined && ev.state === undefined ? undefined : xid(ev.tid))),
  'thread.ismain': thread((t) => t.isMain()),
  'thread.vtid': thread((t) => (t.vtid === -1 ? undefined : t.vtid)),
  'thread.cgroups': thread((t) => (t.cgroups.length === 0 ? undefined : t.cgroups.join(' '))),
  'thread.cgroup': withArg('a cgroup subsystem, e.g. thread.cgroup.cpuacct', (subsys) =>
    thread((t) => {
      const prefix = subsys + '=';
      for (const c of t.cgroups) if (c.startsWith(prefix)) return c.slice(prefix.length);
      return undefined;
    })(undefined),
  ),
  'proc.nthreads': thread((t) => (t.group === null ? 0 : t.group.alive)),
  'proc.nchilds': thread((t, st) => {
    if (t.group === null) return 0;
    const main = st.threads.get(t.pid);
    return t.group.alive - (main !== undefined && !main.dead ? 1 : 0);
  }),
  'thread.vmsize': thread((t) => (t.isMain() ? t.vmsizeKb : 0)),
  'thread.vmrss': thread((t) => (t.isMain() ? t.vmrssKb : 0)),
  'thread.vmsize.b': thread((t) => (t.isMain() ? t.vmsizeKb * 1024 : 0)),
  'thread.vmrss.b': thread((t) => (t.isMain() ? t.vmrssKb * 1024 : 0)),
  'thread.nametid': thread((t, _st, ev) => `${t.comm}${ev.tid}`),
  'proc.stdin.type': stdio(0, 'type'),
  'proc.stdout.type': stdio(1, 'type'),
  'proc.stderr.type': stdio(2, 'type'),
  'proc.stdin.name': stdio(0, 'name'),
  'proc.stdout.name': stdio(1, 'name'),
  'proc.stderr.name': stdio(2, 'name'),
  'proc.is_container_healthcheck': thread(() => false),
  'proc.is_container_liveness_probe': thread(() => false),
  'proc.is_container_readiness_probe': thread(() => false),

  'user.uid': thread((t) => t.uid),
  'saker.uid_before': thread((t, _st, ev) => (t.uidChangedAt === ev.num ? t.uidBefore : t.uid)),
  'user.name': thread((t, st) => st.userName(t.containerId, t.uid)),
  'user.homedir': thread((t, st) => st.user(t.containerId, t.uid)?.homedir ?? (t.uid === 0 ? '/root' : '<NA>')),
  'user.shell': thread((t, st) => st.user(t.containerId, t.uid)?.shell ?? '<NA>'),
  'user.loginuid': thread((t) => (t.loginuid === UID_NONE ? -1 : t.loginuid)),
  'user.loginname': thread((t, st) => st.userName(t.containerId, t.loginuid)),
  'group.gid': thread((t) => t.gid),
  'group.name': thread((t, st) => st.groupName(t.containerId, t.gid)),
};
