// The state libsinsp keeps while it reads a capture: threads and their groups, fd tables, users and
// groups, interfaces, containers. Parsers (./parse.ts) change it event by event; extractors read it.

import { type FdEntry, type FdListRef, SCAP_FD, parseFdList } from '../fdlist.js';
import type { GroupEntry, InterfaceInfo, MachineInfo, UserEntry } from '../metadata.js';
import type { ProcessEntry } from '../proclist.js';
import { PPM } from '../tables/defines.js';
import { type ContainerInfo, cgroupsOf } from './containers.js';
import { type FdTable, FdInfo, ROLE, socketName } from './fd.js';
import { completeFromInterfaces } from './interfaces.js';
import { ThreadGroup, ThreadInfo, UID_NONE } from './thread.js';

/** Slots of CaptureState's thread cache (a power of two). */
const THREAD_SLOTS = 256;

export class CaptureState {
  private readonly threadTable = new Map<number, ThreadInfo>();
  /** Read-only outside: every change goes through this class, which keeps `thread()`'s lookup right. */
  readonly threads: ReadonlyMap<number, ThreadInfo> = this.threadTable;
  readonly threadGroups = new Map<number, ThreadGroup>();
  /** Host users and groups (UL block, USER_ADDED events without a container id). */
  readonly users = new Map<number, UserEntry>();
  readonly groups = new Map<number, GroupEntry>();
  /** Users and groups added for a container by USER_ADDED/GROUP_ADDED events. */
  readonly containerUsers = new Map<string, Map<number, UserEntry>>();
  readonly containerGroups = new Map<string, Map<number, GroupEntry>>();
  readonly containers = new Map<string, ContainerInfo>();
  interfaces: InterfaceInfo[] = [];
  machine: MachineInfo | undefined = undefined;
  /** Ports of server sockets seen in fd lists, to orient connected sockets loaded from them. */
  readonly serverPorts = new Set<number>();
  /** Timestamp of the first event (evt.reltime). */
  firstTs = 0n;
  /**
   * A direct-mapped cache of thread(): slot `tid & (SLOTS - 1)` holds the last tid looked up there and its
   * thread (undefined: no such thread). Nearly every event looks its thread up, and a capture's busy threads
   * are few: a typed-array compare instead of a map lookup. Every change of `threads` goes through this
   * class, which updates the slot of the tid it changes.
   */
  private readonly cachedTids = new Float64Array(THREAD_SLOTS).fill(NaN);
  private readonly cachedThreads: Array<ThreadInfo | undefined> = Array.from(
    { length: THREAD_SLOTS },
    () => undefined,
  );

  /** threads.get(tid), through the cache. */
  thread(tid: number): ThreadInfo | undefined {
    const slot = tid & (THREAD_SLOTS - 1);
    if (this.cachedTids[slot] === tid) return this.cachedThreads[slot];
    const t = this.threadTable.get(tid);
    this.cachedTids[slot] = tid;
    this.cachedThreads[slot] = t;
    return t;
  }

  /** Sets a thread in the table (and in its cache slot). */
  private setThread(t: ThreadInfo): void {
    this.threadTable.set(t.tid, t);
    const slot = t.tid & (THREAD_SLOTS - 1);
    this.cachedTids[slot] = t.tid;
    this.cachedThreads[slot] = t;
  }

  /** Removes a thread from the table (and empties its cache slot). */
  private deleteThread(tid: number): void {
    this.threadTable.delete(tid);
    const slot = tid & (THREAD_SLOTS - 1);
    this.cachedTids[slot] = NaN;
    this.cachedThreads[slot] = undefined;
  }

  /** A new capture section starts: everything known so far is forgotten. */
  reset(): void {
    this.threadTable.clear();
    this.cachedTids.fill(NaN);
    this.cachedThreads.fill(undefined);
    this.threadGroups.clear();
    this.users.clear();
    this.groups.clear();
    this.containerUsers.clear();
    this.containerGroups.clear();
    this.containers.clear();
    this.interfaces = [];
    this.machine = undefined;
    this.serverPorts.clear();
  }

  get bootTs(): bigint {
    return this.machine?.bootTs ?? 0n;
  }

  // ---- metadata blocks ---------------------------------------------------------------------------------

  loadUsers(users: readonly UserEntry[], groups: readonly GroupEntry[]): void {
    for (const u of users) this.users.set(u.uid, u);
    for (const g of groups) this.groups.set(g.gid, g);
  }

  loadProcess(p: ProcessEntry): void {
    const t = new ThreadInfo(p.tid);
    t.pid = p.pid;
    t.ptid = p.ptid;
    t.sid = p.sid;
    t.vpgid = p.vpgid;
    t.pgid = p.pgid;
    t.fdlimit = p.fdlimit;
    t.flags = p.flags | PPM.CL_ACTIVE;
    t.uid = p.uid;
    t.gid = p.gid;
    t.loginuid = p.loginuid;
    t.tty = p.tty;
    t.vtid = p.vtid;
    t.vpid = p.vpid;
    t.vmsizeKb = p.vmsizeKb;
    t.vmrssKb = p.vmrssKb;
    t.vmswapKb = p.vmswapKb;
    t.pfmajor = p.pfmajor;
    t.pfminor = p.pfminor;
    t.capInheritable = p.capInheritable;
    t.capPermitted = p.capPermitted;
    t.capEffective = p.capEffective;
    t.exeWritable = p.exeWritable;
    t.exeUpperLayer = p.exeUpperLayer;
    t.exeLowerLayer = p.exeLowerLayer;
    t.exeFromMemfd = p.exeFromMemfd;
    t.exeIno = p.exeIno;
    t.exeInoCtime = p.exeInoCtime;
    t.exeInoMtime = p.exeInoMtime;
    t.pidnsInitStartTs = p.pidnsInitStartTs;
    if (p.cgroupsEnd > p.cgroupsStart) this.setCgroups(t, p.strings.buf, p.cgroupsStart, p.cgroupsEnd);
    t.setListedStrings(p.strings, t.isMain());
    if (t.isMain()) t.envRaw = p.envRaw;
    this.setThread(t);
  }

  /**
   * An fd-list block of thread `tid` (already checked by scanFdList, which found `serverPorts` in it). Its
   * entries are decoded when the thread's fd table is first used (ownTable).
   */
  loadFds(tid: number, list: FdListRef, serverPorts: readonly number[]): void {
    const t = this.threads.get(tid);
    if (t === undefined) return;
    for (const port of serverPorts) this.serverPorts.add(port);
    // The interfaces known at this point are the ones an eager load would have completed sockets with.
    const pending = { list, interfaces: this.interfaces.length };
    if (t.fdLists === null) t.fdLists = [pending];
    else t.fdLists.push(pending);
  }

  /**
   * Fills a thread's new fd table from its fd-list blocks. This happens after the metadata (the first use
   * of a table is an event's), so the server ports of every fd list are known: connected IPv4 sockets are
   * oriented (the end on a server port is the local one) as they are decoded.
   */
  private decodeFdLists(t: ThreadInfo, table: FdTable): void {
    for (const { list, interfaces } of t.fdLists!) {
      const known = interfaces === this.interfaces.length ? this.interfaces : this.interfaces.slice(0, interfaces);
      for (const e of parseFdList(list).fds) {
        if (e.type === SCAP_FD.UNKNOWN) continue;
        table.set(e.fd, this.fdFromList(e, known));
      }
    }
    t.fdLists = null;
  }

  private fdFromList(e: FdEntry, interfaces: readonly InterfaceInfo[]): FdInfo {
    const fd = new FdInfo();
    fd.type = e.type;
    fd.ino = e.ino;
    switch (e.type) {
      case SCAP_FD.IPV4_SOCK:
        fd.sip = ipv4(e.sip!);
        fd.dip = ipv4(e.dip!);
        fd.sport = e.sport!;
        fd.dport = e.dport!;
        fd.l4proto = e.l4proto!;
        completeFromInterfaces(fd, interfaces);
        if (this.serverPorts.has(fd.sport)) {
          const ip = fd.sip;
          const port = fd.sport;
          fd.sip = fd.dip;
          fd.sport = fd.dport;
          fd.dip = ip;
          fd.dport = port;
          fd.role = ROLE.SERVER;
        } else {
          fd.role = ROLE.CLIENT;
        }
        fd.name = socketName(fd);
        break;
      case SCAP_FD.IPV6_SOCK:
        fd.sip6 = Buffer.from(e.sip!);
        fd.dip6 = Buffer.from(e.dip!);
        fd.sport = e.sport!;
        fd.dport = e.dport!;
        fd.l4proto = e.l4proto!;
        fd.name = socketName(fd);
        break;
      case SCAP_FD.IPV4_SERVSOCK:
        fd.sip = ipv4(e.sip!);
        fd.sport = e.sport!;
        fd.l4proto = e.l4proto!;
        fd.name = socketName(fd);
        break;
      case SCAP_FD.IPV6_SERVSOCK:
        fd.sip6 = Buffer.from(e.sip!);
        fd.sport = e.sport!;
        fd.l4proto = e.l4proto!;
        fd.name = socketName(fd);
        break;
      case SCAP_FD.UNIX_SOCK:
        fd.unixSource = e.unixSource!;
        fd.unixDest = e.unixDest!;
        fd.name = e.name;
        fd.role = e.name === '' ? ROLE.CLIENT : ROLE.SERVER;
        break;
      case SCAP_FD.FILE_V2:
        fd.name = e.name;
        fd.openFlags = e.openFlags;
        fd.dev = e.dev;
        break;
      default:
        fd.name = e.name;
    }
    return fd;
  }

  /** After the metadata blocks: parent/child links and thread groups. */
  finishMetadata(): void {
    for (const t of this.threads.values()) this.createDependencies(t);
  }

  // ---- threads -----------------------------------------------------------------------------------------

  /** A thread's cgroups from their bytes (NUL-separated `subsys=path` entries in raw[start, end)). */
  setCgroups(t: ThreadInfo, raw: Buffer, start: number, end: number): void {
    const known = cgroupsOf(raw, start, end);
    t.cgroups = known.cgroups;
    t.containerId = known.containerId;
  }

  mainThread(t: ThreadInfo): ThreadInfo | undefined {
    return t.tid === t.pid ? t : this.thread(t.pid);
  }

  /** The parent process's main thread: this thread's main thread → its ptid → that thread's main thread. */
  parentProcess(t: ThreadInfo): ThreadInfo | undefined {
    const main = this.mainThread(t);
    if (main === undefined) return undefined;
    const parent = this.threads.get(main.ptid);
    if (parent === undefined) return undefined;
    return this.mainThread(parent) ?? parent;
  }

  /** N-th ancestor process (0 = this process). */
  ancestor(t: ThreadInfo, n: number): ThreadInfo | undefined {
    let cur = this.mainThread(t);
    for (let i = 0; i < n && cur !== undefined; i++) cur = this.parentProcess(cur);
    return cur;
  }

  /** Visits ancestors from the parent upwards, stopping on a loop or when `visit` returns false. */
  forEachAncestor(t: ThreadInfo, visit: (a: ThreadInfo) => boolean): void {
    const start = this.mainThread(t);
    if (start === undefined) return;
    const seen = new Set<ThreadInfo>([start]);
    let cur = this.parentProcess(start);
    while (cur !== undefined && cur.tid !== -1 && !seen.has(cur)) {
      seen.add(cur);
      if (!visit(cur)) return;
      cur = this.parentProcess(cur);
    }
  }

  /** The fd table a thread uses: its own, or its main thread's when it shares it (CLONE_FILES). */
  fdTable(t: ThreadInfo): FdTable {
    if ((t.flags & PPM.CL_CLONE_FILES) !== 0 && t.tid !== t.pid) {
      const main = this.thread(t.pid);
      if (main !== undefined) return this.ownTable(main);
    }
    return this.ownTable(t);
  }

  private ownTable(t: ThreadInfo): FdTable {
    if (t.ownFds === null) {
      t.ownFds = new Map();
      if (t.fdLists !== null) this.decodeFdLists(t, t.ownFds);
    }
    return t.ownFds;
  }

  getFd(t: ThreadInfo, fd: number): FdInfo | undefined {
    return this.fdTable(t).get(fd);
  }

  addFd(t: ThreadInfo, fd: number, info: FdInfo): FdInfo {
    this.fdTable(t).set(fd, info);
    t.lastEventFd = fd;
    return info;
  }

  /** A thread only seen through its events: sinsp's invalid placeholder. */
  createPlaceholder(tid: number): ThreadInfo {
    const t = new ThreadInfo(tid);
    t.comm = '<NA>';
    t.exe = '<NA>';
    t.uid = UID_NONE;
    t.gid = UID_NONE;
    t.loginuid = UID_NONE;
    t.cwd = './';
    t.flags = PPM.CL_ACTIVE;
    this.setThread(t);
    return t;
  }

  addThread(t: ThreadInfo, createDependencies: boolean): void {
    if (createDependencies) this.createDependencies(t);
    this.setThread(t);
  }

  /** Thread group membership and the parent's child list (sinsp create_thread_dependencies). */
  createDependencies(t: ThreadInfo): void {
    if (t.isInvalid() || t.group !== null) return;
    let group = this.threadGroups.get(t.pid);
    if (group === undefined) {
      group = new ThreadGroup(t.pid, t.pid === 1 || t.vpid === 1);
      this.threadGroups.set(t.pid, group);
    }
    group.threads.add(t);
    group.alive++;
    t.group = group;
    if (t.pid === 1) return;
    const parent = this.threads.get(t.ptid);
    if (parent === undefined || parent.isInvalid()) {
      t.ptid = 0;
      return;
    }
    parent.children.add(t);
  }

  markDead(t: ThreadInfo): void {
    if (!t.dead && t.group !== null) t.group.alive--;
    t.dead = true;
  }

  /** Removes a thread as sinsp does when its exit has been processed (children go to a reaper). */
  removeThread(tid: number): void {
    const t = this.threads.get(tid);
    if (t === undefined) return;
    if (t.isInvalid() || t.group === null) {
      this.threads.get(t.ptid)?.children.delete(t);
      this.deleteThread(tid);
      return;
    }
    this.markDead(t);
    if (t.children.size > 0) {
      let reaper: ThreadInfo | undefined;
      if (t.reaperTid > 0) {
        reaper = this.threads.get(t.reaperTid);
        if (reaper?.isInvalid()) reaper = undefined;
      }
      reaper ??= this.findReaper(t);
      if (reaper !== undefined) {
        t.reaperTid = reaper.tid;
        if (reaper.pid !== t.pid && reaper.group !== null) reaper.group.reaper = true;
      }
      for (const child of t.children) {
        if (child.dead && !this.threads.has(child.tid)) continue;
        if (reaper !== undefined && reaper !== t) {
          child.ptid = reaper.tid;
          reaper.children.add(child);
        } else {
          child.ptid = 0;
        }
      }
      t.children.clear();
    }
    const group = t.group;
    if (group.alive === 0) {
      group.threads.delete(t);
      this.threads.get(t.ptid)?.children.delete(t);
      this.threadGroups.delete(t.pid);
      this.deleteThread(t.pid);
    }
    if (!t.isMain()) {
      group.threads.delete(t);
      this.threads.get(t.ptid)?.children.delete(t);
      this.deleteThread(tid);
    }
  }

  private findReaper(t: ThreadInfo): ThreadInfo | undefined {
    if (t.group !== null && t.group.alive > 0) {
      for (const other of t.group.threads) if (!other.dead && other !== t) return other;
    }
    const seen = new Set<number>([t.tid]);
    let parent = this.threads.get(t.ptid);
    while (parent !== undefined) {
      if (seen.has(parent.tid)) break;
      seen.add(parent.tid);
      if (parent.inPidNamespace() !== t.inPidNamespace()) break;
      const g = parent.group;
      if (g !== null && g.reaper && g.alive > 0) {
        for (const other of g.threads) if (!other.dead) return other;
      }
      parent = this.threads.get(parent.ptid);
    }
    return undefined;
  }

  // ---- users, groups, interfaces -------------------------------------------------------------------------

  /** user.name: the thread's user in its container's table (host table for host threads). */
  userName(containerId: string, uid: number): string {
    const u = containerId === '' ? this.users.get(uid) : this.containerUsers.get(containerId)?.get(uid);
    if (u !== undefined) return u.name;
    return uid === 0 ? 'root' : '<NA>';
  }

  user(containerId: string, uid: number): UserEntry | undefined {
    return containerId === '' ? this.users.get(uid) : this.containerUsers.get(containerId)?.get(uid);
  }

  group(containerId: string, gid: number): GroupEntry | undefined {
    return containerId === '' ? this.groups.get(gid) : this.containerGroups.get(containerId)?.get(gid);
  }

  groupName(containerId: string, gid: number): string {
    const g = containerId === '' ? this.groups.get(gid) : this.containerGroups.get(containerId)?.get(gid);
    if (g !== undefined) return g.name;
    return gid === 0 ? 'root' : '<NA>';
  }

  addUser(containerId: string, u: UserEntry): void {
    if (containerId === '') this.users.set(u.uid, u);
    else tableFor(this.containerUsers, containerId).set(u.uid, u);
  }
  removeUser(containerId: string, uid: number): void {
    if (containerId === '') this.users.delete(uid);
    else this.containerUsers.get(containerId)?.delete(uid);
  }
  addGroup(containerId: string, g: GroupEntry): void {
    if (containerId === '') this.groups.set(g.gid, g);
    else tableFor(this.containerGroups, containerId).set(g.gid, g);
  }
  removeGroup(containerId: string, gid: number): void {
    if (containerId === '') this.groups.delete(gid);
    else this.containerGroups.get(containerId)?.delete(gid);
  }
}

function tableFor<V>(m: Map<string, Map<number, V>>, key: string): Map<number, V> {
  let t = m.get(key);
  if (t === undefined) {
    t = new Map();
    m.set(key, t);
  }
  return t;
}

function ipv4(b: Buffer): number {
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}
