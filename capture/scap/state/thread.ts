// A thread as libsinsp keeps it. Process-wide data (fds, cwd, env) live on the main thread; other threads
// of the group reach them through it.

import { splitNulList, type ScapEvent } from '../event.js';
import { type ProcessStrings, decodeProcessStrings } from '../proclist.js';
import type { FdListRef } from '../fdlist.js';
import type { FdInfo, FdTable } from './fd.js';
import { normaliseCwd, stripDeleted } from './paths.js';

export const UID_NONE = 0xffffffff;

/** A thread group (process): its threads and whether it reaps orphans (init, child subreapers). */
export class ThreadGroup {
  readonly threads = new Set<ThreadInfo>();
  /** Threads not yet marked dead. */
  alive = 0;
  constructor(
    readonly pid: number,
    public reaper: boolean,
  ) {}
}

export class ThreadInfo {
  pid = -1;
  ptid = -1;
  sid = -1;
  vpgid = -1;
  pgid = -1;
  vtid = -1;
  vpid = -1;
  private commValue = '';
  private exeValue = '';
  private exepathValue = '';
  private argsValue: string[] = [];
  private cwdValue = '/';
  private rootValue = '';
  /**
   * A process-list entry's strings, not decoded yet: they are when one of comm, exe, exepath, args, cwd or
   * root is first read or written (most threads of a capture's process list are never looked at).
   */
  private listed: ProcessStrings | null = null;
  /** The entry's cwd applies (main threads): decided when it was loaded, as an eager load would. */
  private listedCwd = false;

  /** Takes a process-list entry's strings, to be decoded on first use. */
  setListedStrings(strings: ProcessStrings, withCwd: boolean): void {
    this.listed = strings;
    this.listedCwd = withCwd;
  }

  private decodeListed(): void {
    const d = decodeProcessStrings(this.listed!);
    this.listed = null;
    this.commValue = d.comm;
    this.exeValue = d.exe;
    this.exepathValue = stripDeleted(d.exepath);
    this.argsValue = d.args;
    this.rootValue = d.root;
    if (this.listedCwd) this.cwdValue = normaliseCwd(d.cwd);
  }

  get comm(): string {
    if (this.listed !== null) this.decodeListed();
    return this.commValue;
  }
  set comm(v: string) {
    if (this.listed !== null) this.decodeListed();
    this.commValue = v;
  }
  get exe(): string {
    if (this.listed !== null) this.decodeListed();
    return this.exeValue;
  }
  set exe(v: string) {
    if (this.listed !== null) this.decodeListed();
    this.exeValue = v;
  }
  get exepath(): string {
    if (this.listed !== null) this.decodeListed();
    return this.exepathValue;
  }
  set exepath(v: string) {
    if (this.listed !== null) this.decodeListed();
    this.exepathValue = v;
  }
  get args(): string[] {
    if (this.listed !== null) this.decodeListed();
    return this.argsValue;
  }
  set args(v: string[]) {
    if (this.listed !== null) this.decodeListed();
    this.argsValue = v;
  }
  /** Always `/`-terminated; meaningful on main threads. */
  get cwd(): string {
    if (this.listed !== null) this.decodeListed();
    return this.cwdValue;
  }
  set cwd(v: string) {
    if (this.listed !== null) this.decodeListed();
    this.cwdValue = v;
  }
  get root(): string {
    if (this.listed !== null) this.decodeListed();
    return this.rootValue;
  }
  set root(v: string) {
    if (this.listed !== null) this.decodeListed();
    this.rootValue = v;
  }
  /** The environment (main threads); a process-list entry's stays undecoded until a field reads it. */
  get env(): string[] {
    if (this.envRaw !== null) {
      this.envList = splitNulList(this.envRaw, 0, this.envRaw.length);
      this.envRaw = null;
    }
    return this.envList;
  }
  set env(v: string[]) {
    this.envList = v;
    this.envRaw = null;
  }
  envRaw: Buffer | null = null;
  private envList: string[] = [];
  /** Takes another thread's environment (a clone), still undecoded if it is. */
  shareEnv(from: ThreadInfo): void {
    this.envRaw = from.envRaw;
    this.envList = from.envList;
  }
  fdlimit = 0;
  flags = 0;
  uid = UID_NONE;
  /** `uid` before the set*uid event numbered `uidChangedAt` changed it (saker.uid_before). */
  uidBefore = UID_NONE;
  uidChangedAt = -1;
  gid = UID_NONE;
  loginuid = UID_NONE;
  tty = 0;
  capInheritable = 0n;
  capPermitted = 0n;
  capEffective = 0n;
  exeWritable = false;
  exeUpperLayer = false;
  exeLowerLayer = false;
  exeFromMemfd = false;
  exeIno = 0n;
  exeInoCtime = 0n;
  exeInoMtime = 0n;
  exeInoCtimeDurationCloneTs = 0n;
  exeInoCtimeDurationPidnsStart = 0n;
  /** `subsys=path` entries. */
  cgroups: string[] = [];
  /** 12-char container id, or '' on the host. */
  containerId = '';
  /** ns, approximate (double); 0 = unknown. */
  cloneTs = 0;
  /** ns, exact, for proc.pid.ts and durations. */
  cloneTsBig = 0n;
  lastExecTs = 0;
  pidnsInitStartTs = 0n;
  vmsizeKb = 0;
  vmrssKb = 0;
  vmswapKb = 0;
  /** Page faults: a number while below 2^53 (always, in practice), else a bigint; the fields render either. */
  pfmajor: number | bigint = 0;
  pfminor: number | bigint = 0;
  /** Own fd table; null for threads that share their main thread's (CLONE_FILES), and until first used. */
  ownFds: FdTable | null = null;
  /** The thread's fd-list blocks, decoded into ownFds when it is first used (CaptureState.ownTable). */
  fdLists: Array<{ list: FdListRef; interfaces: number }> | null = null;
  /** fd of the last event (sinsp m_lastevent_fd): fd.num and the event's fd. */
  lastEventFd = -1;
  /** Type of the last enter event seen, for enter/exit pairing. */
  lastEventType = -1;
  /** The stored enter event (open/creat/openat/openat2/execve/execveat/connect) and whether it pairs. */
  lastEnter: ScapEvent | null = null;
  lastEnterValid = false;
  dead = false;
  reaperTid = -1;
  group: ThreadGroup | null = null;
  readonly children = new Set<ThreadInfo>();

  constructor(readonly tid: number) {}

  isMain(): boolean {
    return this.tid === this.pid;
  }

  /** sinsp's "invalid" placeholder: a thread seen only through an event, without process info. */
  isInvalid(): boolean {
    return this.tid < 0 || this.pid < 0 || this.ptid < 0;
  }

  /** True when the thread lives in a pid namespace other than the host's. */
  inPidNamespace(): boolean {
    return (this.flags & CHILD_IN_PIDNS) !== 0 || (this.vtid !== -1 && this.tid !== this.vtid);
  }
}

const CHILD_IN_PIDNS = 0x20000000;

/** The caps an unshare/setns into a new user namespace grants (all 41 capability bits). */
export const MAX_CAPS = (1n << 41n) - 1n;

export type { FdInfo };
